"""Use cases: authorizing and capturing payment, confirming the order and routing it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from ordergraph.domain.errors import Forbidden, IdempotencyKeyReused, InvalidInput, NotFound
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    Channel,
    Order,
    OrderNotPayable,
    OrderStatus,
    PaymentStatus,
    RequestedLine,
)
from ordergraph.domain.payments import (
    CallContext,
    GatewayResult,
    PaymentDeclined,
    PaymentGateway,
    PaymentGatewayError,
    ProviderPayment,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.gateways import TestGateway
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment, capture_payment
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address, fake_deps

OTHER_STOREFRONT = Principal(
    role=Role.STOREFRONT, scopes=scopes_for(Role.STOREFRONT, None), name="app", token_id=905
)


class ScriptedGateway:
    """A provider in front of the test gateway that can be slow (something happens while it
    authorizes), unreachable for its first few charges, or unable to void; it remembers the
    calls it got."""

    name = "test"
    authorization_validity = timedelta(days=7)

    def __init__(
        self,
        *,
        unreachable_for: int = 0,
        while_authorizing: Callable[[], Awaitable[object]] | None = None,
        voids_fail: bool = False,
    ) -> None:
        self._inner = TestGateway()
        self._unreachable_for = unreachable_for
        self._voids_fail = voids_fail
        self._while_authorizing = while_authorizing
        self.calls: list[str] = []

    def _unreachable(self) -> GatewayResult | None:
        if self._unreachable_for > 0:
            self._unreachable_for -= 1
            return GatewayResult(TransactionStatus.ERROR, error_code="gateway_unavailable")
        return None

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.calls.append("authorize")
        if self._while_authorizing is not None:
            await self._while_authorizing()
        return self._unreachable() or await self._inner.authorize(
            amount=amount, token=token, idempotency_key=idempotency_key, context=context
        )

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.calls.append("sale")
        return self._unreachable() or await self._inner.sale(
            amount=amount, token=token, idempotency_key=idempotency_key, context=context
        )

    async def capture(
        self,
        *,
        amount: Money,
        authorization: str,
        idempotency_key: str,
        context: CallContext,
        final: bool = True,
    ) -> GatewayResult:
        self.calls.append("capture")
        return await self._inner.capture(
            amount=amount,
            authorization=authorization,
            idempotency_key=idempotency_key,
            context=context,
            final=final,
        )

    async def void(
        self, *, authorization: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.calls.append(f"void {authorization}")
        if self._voids_fail:
            return GatewayResult(TransactionStatus.ERROR, error_code="gateway_unavailable")
        return await self._inner.void(
            authorization=authorization, idempotency_key=idempotency_key, context=context
        )

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.calls.append(f"refund {capture}")
        return await self._inner.refund(
            amount=amount, capture=capture, idempotency_key=idempotency_key, context=context
        )

    async def refresh(self, *, reference: str, kind: TransactionKind) -> GatewayResult:
        return await self._inner.refresh(reference=reference, kind=kind)

    async def lookup(self, reference: str) -> ProviderPayment | None:
        return await self._inner.lookup(reference)


def with_gateway(shop: Shop, gateway: PaymentGateway) -> Deps:
    return fake_deps(shop.store, shop.clock, gateway=gateway)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99", weight_grams=300)
    await shop.add_product("MUG", "12.50", weight_grams=400)
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    await shop.receive("MUG", "BER", 5)
    return shop


async def place(shop: Shop, lines: list[tuple[str, int]]) -> int:
    order = await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    return order.id


def stored_order(shop: Shop, order_id: int) -> Order:
    [order] = [o for o in shop.store.orders if o.id == order_id]
    return order


def event_types(shop: Shop, since: int) -> list[str]:
    return [e.type for e in shop.store.outbox[since:]]


async def test_authorizing_tok_ok_confirms_the_order_with_payment_authorized(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 2)])
    shop.clock.advance(timedelta(minutes=2))
    outcome = await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert outcome.order.status is OrderStatus.CONFIRMED
    assert outcome.order.payment_status is PaymentStatus.AUTHORIZED
    assert (outcome.order.confirmed_at, outcome.order.expires_at) == (shop.clock.now(), None)
    payment = outcome.transaction
    assert payment.id is not None
    assert (payment.kind, payment.status, payment.gateway) == (
        TransactionKind.AUTHORIZE,
        TransactionStatus.SUCCESS,
        "test",
    )
    assert payment.amount == outcome.order.total
    assert payment.reference is not None
    assert payment.reference.startswith("test_auth_")
    assert shop.store.payments == [payment]
    stored = stored_order(shop, order_id)
    assert (stored.status, stored.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.AUTHORIZED,
    )


async def test_confirmation_creates_one_pending_fulfillment_per_warehouse(shop: Shop) -> None:
    # BER alone holds the MUG and enough TEEs, so it ships everything.
    order_id = await place(shop, [("TEE", 7), ("MUG", 1)])
    events_before = len(shop.store.outbox)
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    fulfillments = shop.store.fulfillments
    assert [(f.order_id, f.warehouse_id, f.status) for f in fulfillments] == [
        (order_id, shop.warehouses["BER"], FulfillmentStatus.PENDING)
    ]
    assert {(a.allocation.sku, a.allocation.quantity) for a in fulfillments[0].lines} == {
        ("TEE", 7),
        ("MUG", 1),
    }
    assert event_types(shop, events_before) == ["order.confirmed", "fulfillment.created"]


async def test_an_order_split_across_warehouses_gets_a_fulfillment_from_each(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 12)])
    events_before = len(shop.store.outbox)
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    by_warehouse = {
        f.warehouse_id: sum(a.allocation.quantity for a in f.lines) for f in shop.store.fulfillments
    }
    assert by_warehouse == {shop.warehouses["AMS"]: 5, shop.warehouses["BER"]: 7}
    created = [e for e in shop.store.outbox[events_before:] if e.type == "fulfillment.created"]
    assert {e.payload["warehouseId"] for e in created} == set(by_warehouse)
    assert {e.payload["fulfillmentId"] for e in created} == {f.id for f in shop.store.fulfillments}


async def test_a_declined_card_raises_records_a_failed_payment_and_keeps_the_order(
    shop: Shop,
) -> None:
    order_id = await place(shop, [("TEE", 1)])
    events_before = len(shop.store.outbox)
    with pytest.raises(PaymentDeclined) as caught:
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_declined")
    assert caught.value.code == "PAYMENT_DECLINED"
    assert caught.value.field == ("token",)
    [payment] = shop.store.payments
    assert (payment.status, payment.error_code) == (TransactionStatus.DECLINED, "card_declined")
    stored = stored_order(shop, order_id)
    assert (stored.status, stored.payment_status) == (OrderStatus.PLACED, PaymentStatus.FAILED)
    assert shop.store.fulfillments == []
    assert event_types(shop, events_before) == ["order.payment_failed"]
    assert shop.store.outbox[-1].payload["code"] == "card_declined"


async def test_after_a_decline_a_good_card_still_confirms_the_order(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    with pytest.raises(PaymentDeclined):
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_declined")
    outcome = await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert (outcome.order.status, outcome.order.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.AUTHORIZED,
    )
    assert [p.status for p in shop.store.payments] == [
        TransactionStatus.DECLINED,
        TransactionStatus.SUCCESS,
    ]


async def test_an_unavailable_gateway_raises_and_leaves_the_payment_pending(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    events_before = len(shop.store.outbox)
    with pytest.raises(PaymentGatewayError) as caught:
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_unavailable")
    assert caught.value.code == "PAYMENT_GATEWAY_ERROR"
    [payment] = shop.store.payments
    assert (payment.status, payment.error_code) == (TransactionStatus.ERROR, "gateway_unavailable")
    stored = stored_order(shop, order_id)
    assert (stored.status, stored.payment_status) == (OrderStatus.PLACED, PaymentStatus.PENDING)
    assert event_types(shop, events_before) == []
    outcome = await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert outcome.order.payment_status is PaymentStatus.AUTHORIZED


async def test_capturing_an_authorization_marks_the_order_paid(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    auth = await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    events_before = len(shop.store.outbox)
    outcome = await capture_payment(shop.deps, ADMIN, order_id=order_id, token=None)
    assert (outcome.order.status, outcome.order.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PAID,
    )
    assert outcome.transaction.kind is TransactionKind.CAPTURE
    assert outcome.transaction.reference is not None
    assert outcome.transaction.reference.startswith("test_capture_")
    assert outcome.transaction.reference != auth.transaction.reference
    assert stored_order(shop, order_id).payment_status is PaymentStatus.PAID
    assert len(shop.store.fulfillments) == 1  # capturing does not route again
    assert event_types(shop, events_before) == ["order.payment_captured"]


async def test_capturing_a_placed_order_is_a_sale_that_confirms_it_paid(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    outcome = await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert (outcome.order.status, outcome.order.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PAID,
    )
    assert outcome.transaction.kind is TransactionKind.SALE
    assert len(shop.store.fulfillments) == 1


async def test_a_confirmed_order_cannot_be_authorized_again(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    with pytest.raises(OrderNotPayable):
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert len(shop.store.payments) == 1


async def test_a_cancelled_order_cannot_be_paid(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="changed mind")
    for pay in (authorize_payment, capture_payment):
        with pytest.raises(OrderNotPayable):
            await pay(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert shop.store.payments == []
    assert stored_order(shop, order_id).status is OrderStatus.CANCELLED


async def test_a_payment_without_a_token_is_refused(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    with pytest.raises(InvalidInput) as caught:
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token=None)
    assert (caught.value.code, caught.value.field) == ("REQUIRED", ("token",))
    assert shop.store.payments == []


async def test_only_the_client_that_placed_the_order_or_staff_may_pay_for_it(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    with pytest.raises(NotFound):
        await authorize_payment(shop.deps, OTHER_STOREFRONT, order_id=order_id, token="tok_ok")
    viewer = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
    with pytest.raises(Forbidden):
        await authorize_payment(shop.deps, viewer, order_id=order_id, token="tok_ok")
    assert shop.store.payments == []
    outcome = await authorize_payment(shop.deps, ADMIN, order_id=order_id, token="tok_ok")
    assert outcome.order.status is OrderStatus.CONFIRMED


async def test_paying_an_unknown_order_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound) as caught:
        await authorize_payment(shop.deps, ADMIN, order_id=404, token="tok_ok")
    assert caught.value.field == ("orderId",)


async def test_the_same_key_replays_the_payment_without_charging_again(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    first = await authorize_payment(
        shop.deps, STOREFRONT, order_id=order_id, token="tok_ok", idempotency_key="pay-1"
    )
    again = await authorize_payment(
        shop.deps, STOREFRONT, order_id=order_id, token="tok_ok", idempotency_key="pay-1"
    )
    assert again.transaction == first.transaction
    assert again.order.status is OrderStatus.CONFIRMED
    assert len(shop.store.payments) == 1
    assert len(shop.store.fulfillments) == 1


async def test_the_same_payment_key_with_another_token_is_refused(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    with pytest.raises(PaymentDeclined):
        await authorize_payment(
            shop.deps, STOREFRONT, order_id=order_id, token="tok_declined", idempotency_key="k"
        )
    with pytest.raises(IdempotencyKeyReused):
        await authorize_payment(
            shop.deps, STOREFRONT, order_id=order_id, token="tok_ok", idempotency_key="k"
        )
    assert len(shop.store.payments) == 1


async def test_the_payment_amount_is_the_order_total(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 2)])
    outcome = await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert outcome.transaction.amount == Money(3998 + 495, "EUR")


async def test_an_order_cancelled_while_the_gateway_authorizes_is_not_confirmed_and_voided(
    shop: Shop,
) -> None:
    order_id = await place(shop, [("TEE", 1)])

    async def cancel_meanwhile() -> object:
        return await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="fraud call")

    gateway = ScriptedGateway(while_authorizing=cancel_meanwhile)
    with pytest.raises(OrderNotPayable):
        await authorize_payment(
            with_gateway(shop, gateway), STOREFRONT, order_id=order_id, token="tok_ok"
        )
    assert gateway.calls[0] == "authorize"
    assert [c.split()[0] for c in gateway.calls[1:]] == ["void"]
    assert gateway.calls[1].split()[1].startswith("test_auth_")
    stored = stored_order(shop, order_id)
    # the hold landed (AUTHORIZED) and was released (VOIDED): the status says so
    assert (stored.status, stored.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.VOIDED)
    assert shop.store.fulfillments == []


async def test_an_authorization_voided_after_a_cancel_is_still_recorded(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])

    async def cancel_meanwhile() -> object:
        return await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="fraud call")

    gateway = ScriptedGateway(while_authorizing=cancel_meanwhile)
    with pytest.raises(OrderNotPayable):
        await authorize_payment(
            with_gateway(shop, gateway), STOREFRONT, order_id=order_id, token="tok_ok"
        )
    assert [(p.kind, p.status) for p in shop.store.payments] == [
        (TransactionKind.AUTHORIZE, TransactionStatus.SUCCESS),
        (TransactionKind.VOID, TransactionStatus.SUCCESS),
    ]


async def test_after_the_gateway_recovers_a_new_attempt_confirms_the_order(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    deps = with_gateway(shop, ScriptedGateway(unreachable_for=1))
    with pytest.raises(PaymentGatewayError):
        await authorize_payment(deps, STOREFRONT, order_id=order_id, token="tok_ok")
    outcome = await authorize_payment(deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert outcome.order.payment_status is PaymentStatus.AUTHORIZED
    assert [p.status for p in shop.store.payments] == [
        TransactionStatus.ERROR,
        TransactionStatus.SUCCESS,
    ]


async def test_a_gateway_error_can_be_retried_with_the_same_key(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    gateway = ScriptedGateway(unreachable_for=1)
    deps = with_gateway(shop, gateway)
    with pytest.raises(PaymentGatewayError):
        await authorize_payment(
            deps, STOREFRONT, order_id=order_id, token="tok_ok", idempotency_key="pay-1"
        )
    outcome = await authorize_payment(
        deps, STOREFRONT, order_id=order_id, token="tok_ok", idempotency_key="pay-1"
    )
    assert outcome.order.payment_status is PaymentStatus.AUTHORIZED
    assert gateway.calls == ["authorize", "authorize"]


async def test_a_paid_order_cannot_be_captured_again(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    with pytest.raises(OrderNotPayable):
        await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert len(shop.store.payments) == 1


async def test_a_cancelled_order_whose_void_failed_cannot_be_captured(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    failing_voids = with_gateway(shop, ScriptedGateway(voids_fail=True))
    cancelled = await cancel_order(failing_voids, ADMIN, order_id=order_id, reason="fraud")
    assert (cancelled.status, cancelled.payment_status) == (
        OrderStatus.CANCELLED,
        PaymentStatus.AUTHORIZED,
    )
    assert shop.store.payments[-1].status is TransactionStatus.ERROR
    with pytest.raises(OrderNotPayable):
        await capture_payment(shop.deps, ADMIN, order_id=order_id, token=None)
    assert stored_order(shop, order_id).payment_status is PaymentStatus.AUTHORIZED
