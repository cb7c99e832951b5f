"""Use cases for paying money back: refunds of returns, lines, shipping and appeasements."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordergraph.domain.errors import Forbidden, IdempotencyKeyReused, NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import OrderStatus, PaymentStatus
from ordergraph.domain.payments import (
    CallContext,
    GatewayResult,
    PaymentGatewayError,
    ProviderPayment,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.refunds import RefundLine, RefundNotPossible, RefundStatus
from ordergraph.domain.returns import (
    RequestedReturnLine,
    ReturnDisposition,
    ReturnReason,
    ReturnStatus,
)
from ordergraph.gateways import TestGateway
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.refunds import RefundResult, refund_order
from ordergraph.services.returns import Receipt, approve_return, receive_return, request_return
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, fake_deps

RETURNS_DESK = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.RETURNS_WRITE})),
    name="desk",
    token_id=930,
)
READ_ONLY = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR", ["amount"])


class FlakyRefunds:
    """The test gateway, except that its next ``failures`` refunds fail as an unreachable
    provider's would; it remembers every refund it was asked for."""

    name = "test"
    authorization_validity = timedelta(days=7)

    def __init__(self, failures: int = 0) -> None:
        self._inner = TestGateway()
        self.failures = failures
        self.refunds: list[tuple[Money, str]] = []

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._inner.authorize(
            amount=amount, token=token, idempotency_key=idempotency_key, context=context
        )

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._inner.sale(
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
        return await self._inner.void(
            authorization=authorization, idempotency_key=idempotency_key, context=context
        )

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.refunds.append((amount, idempotency_key))
        if self.failures > 0:
            self.failures -= 1
            return GatewayResult(
                TransactionStatus.ERROR,
                error_code="gateway_unavailable",
                message="the payment provider did not answer",
            )
        return await self._inner.refund(
            amount=amount, capture=capture, idempotency_key=idempotency_key, context=context
        )

    async def refresh(self, *, reference: str, kind: TransactionKind) -> GatewayResult:
        return await self._inner.refresh(reference=reference, kind=kind)

    async def lookup(self, reference: str) -> ProviderPayment | None:
        return await self._inner.lookup(reference)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99")
    await shop.add_product("MUG", "12.50")
    await shop.add_product("STICKER", "0.10", weight_grams=10)
    await shop.receive("TEE", "AMS", 10)
    await shop.receive("MUG", "AMS", 10)
    await shop.receive("STICKER", "AMS", 10)
    return shop


@pytest.fixture
def gateway() -> FlakyRefunds:
    return FlakyRefunds()


@pytest.fixture
def deps(shop: Shop, gateway: FlakyRefunds) -> Deps:
    """The shop's store and clock, paying back through ``gateway``."""
    return fake_deps(shop.store, shop.clock, gateway=gateway, tracking_codes=shop.tracking_codes)


def line_ids(shop: Shop, order_id: int) -> dict[str, int]:
    return {line.sku: line.id or 0 for line in shop.store.order(order_id).lines}


async def received_return(
    shop: Shop, order_id: int, lines: list[tuple[str, int]], disposition: ReturnDisposition
) -> int:
    """Request (as a size issue), approve and receive a return in full; its id."""
    ids = line_ids(shop, order_id)
    requested = await request_return(
        shop.deps,
        RETURNS_DESK,
        order_id=order_id,
        lines=[RequestedReturnLine(ids[sku], qty, ReturnReason.SIZE_FIT) for sku, qty in lines],
    )
    assert requested.rma.id is not None
    await approve_return(shop.deps, RETURNS_DESK, return_id=requested.rma.id)
    await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=requested.rma.id,
        receipts=[Receipt(x.id or 0, x.quantity, disposition) for x in requested.rma.lines],
    )
    return requested.rma.id


def snapshot(shop: Shop) -> tuple[Any, ...]:
    s = shop.store
    return (s.refunds, s.payments, s.orders, s.returns, s.outbox, s.idempotency_records, s.commits)


def refunds_in(shop: Shop, order_id: int) -> list[tuple[RefundStatus, Money]]:
    return [(r.status, r.breakdown.total) for r in shop.store.refunds if r.order_id == order_id]


# a return, refunded


async def test_a_received_return_is_refunded_and_then_the_rest_of_the_order(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.delivered_order([("TEE", 2), ("MUG", 1)])
    order = shop.store.order(order_id)
    assert order.total == eur("57.43")  # 2 x 19.99 + 12.50 + shipping 4.95
    return_id = await received_return(shop, order_id, [("TEE", 1)], ReturnDisposition.RESTOCK)
    ids = line_ids(shop, order_id)

    first = await refund_order(
        deps, RETURNS_DESK, order_id=order_id, return_id=return_id, reason="size"
    )
    assert first.refund is not None
    assert first.breakdown.lines == (RefundLine(ids["TEE"], 1, eur("19.99")),)
    assert first.breakdown.total == eur("19.99")
    assert (first.refund.status, first.refund.return_id, first.refund.reason) == (
        RefundStatus.SUCCEEDED,
        return_id,
        "size",
    )
    assert first.order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    rma = shop.store.return_(return_id)
    assert (rma.status, rma.refunded_at) == (ReturnStatus.REFUNDED, shop.clock.now())
    [stored] = shop.store.refunds
    assert stored.gateway_reference is not None
    assert stored.gateway_reference.startswith("test_refund_")
    assert (stored.status, stored.completed_at) == (RefundStatus.SUCCEEDED, shop.clock.now())
    payment = shop.store.payments[-1]
    assert (payment.kind, payment.status, payment.amount) == (
        TransactionKind.REFUND,
        TransactionStatus.SUCCESS,
        eur("19.99"),
    )
    assert shop.store.order(order_id).payment_status is PaymentStatus.PARTIALLY_REFUNDED
    types = [e.type for e in shop.store.outbox if e.order_id == order_id]
    assert types[-4:] == [
        "refund.requested",
        "order.payment_updated",
        "refund.succeeded",
        "return.refunded",
    ]

    rest = await refund_order(
        deps,
        RETURNS_DESK,
        order_id=order_id,
        lines={ids["TEE"]: 1, ids["MUG"]: 1},
        shipping=True,
    )
    assert rest.breakdown.total == eur("37.44")
    assert rest.breakdown.refundable_before == eur("37.44")
    assert rest.order.payment_status is PaymentStatus.REFUNDED
    assert shop.store.order(order_id).payment_status is PaymentStatus.REFUNDED
    assert refunds_in(shop, order_id) == [
        (RefundStatus.SUCCEEDED, eur("19.99")),
        (RefundStatus.SUCCEEDED, eur("37.44")),
    ]
    assert [amount for amount, _ in gateway.refunds] == [eur("19.99"), eur("37.44")]
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(deps, RETURNS_DESK, order_id=order_id, appeasement=eur("0.01"))
    assert caught.value.code == "REFUND_EXCEEDS_CAPTURED"


async def test_discarded_units_are_refunded_as_well(shop: Shop, deps: Deps) -> None:
    order_id = await shop.delivered_order([("MUG", 2)])
    return_id = await received_return(shop, order_id, [("MUG", 2)], ReturnDisposition.DISCARD)
    done = await refund_order(deps, RETURNS_DESK, order_id=order_id, return_id=return_id)
    assert done.breakdown.total == eur("25.00")
    assert shop.store.return_(return_id).status is ReturnStatus.REFUNDED


async def test_cents_add_up_exactly_for_small_prices_and_mixed_lines(
    shop: Shop, deps: Deps
) -> None:
    order_id = await shop.delivered_order([("STICKER", 3), ("TEE", 2)])
    ids = line_ids(shop, order_id)
    done = await refund_order(
        deps,
        RETURNS_DESK,
        order_id=order_id,
        lines={ids["STICKER"]: 3, ids["TEE"]: 2},
        shipping=True,
    )
    assert [x.amount.amount for x in done.breakdown.lines] == [Decimal("0.30"), Decimal("39.98")]
    assert done.breakdown.shipping.amount == Decimal("4.95")
    assert done.breakdown.total.amount == Decimal("45.23")
    assert done.order.payment_status is PaymentStatus.REFUNDED


async def test_a_return_not_yet_received_cannot_be_refunded(shop: Shop, deps: Deps) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await request_return(
        shop.deps,
        RETURNS_DESK,
        order_id=order_id,
        lines=[RequestedReturnLine(line_ids(shop, order_id)["TEE"], 1, ReturnReason.DAMAGED)],
    )
    assert requested.rma.status is ReturnStatus.APPROVED
    before = snapshot(shop)
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(deps, RETURNS_DESK, order_id=order_id, return_id=requested.rma.id)
    assert (caught.value.code, caught.value.field) == ("RETURN_NOT_RECEIVED", ("returnId",))
    assert snapshot(shop) == before


async def test_a_refunded_return_cannot_be_refunded_again(shop: Shop, deps: Deps) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    return_id = await received_return(shop, order_id, [("TEE", 1)], ReturnDisposition.RESTOCK)
    await refund_order(deps, RETURNS_DESK, order_id=order_id, return_id=return_id)
    before = snapshot(shop)
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(deps, RETURNS_DESK, order_id=order_id, return_id=return_id)
    assert caught.value.code == "RETURN_NOT_RECEIVED"
    assert snapshot(shop) == before


async def test_a_return_of_another_order_is_not_found(shop: Shop, deps: Deps) -> None:
    mine = await shop.delivered_order([("TEE", 1)])
    other = await shop.delivered_order([("TEE", 1)])
    return_id = await received_return(shop, other, [("TEE", 1)], ReturnDisposition.RESTOCK)
    with pytest.raises(NotFound) as caught:
        await refund_order(deps, RETURNS_DESK, order_id=mine, return_id=return_id)
    assert caught.value.field == ("returnId",)
    assert shop.store.refunds == []


# dry runs


async def test_a_dry_run_says_what_the_refund_would_be_and_writes_nothing(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.delivered_order([("TEE", 2), ("MUG", 1)])
    return_id = await received_return(shop, order_id, [("TEE", 1)], ReturnDisposition.RESTOCK)
    ask: dict[str, Any] = {
        "order_id": order_id,
        "return_id": return_id,
        "lines": {line_ids(shop, order_id)["MUG"]: 1},
        "shipping": True,
        "appeasement": eur("2.50"),
    }
    before = snapshot(shop)
    dry = await refund_order(deps, RETURNS_DESK, dry_run=True, **ask)
    assert dry.refund is None
    assert dry.breakdown.total == eur("39.94")  # 19.99 + 12.50 + shipping 4.95 + 2.50
    assert snapshot(shop) == before
    assert gateway.refunds == []
    assert shop.store.return_(return_id).status is ReturnStatus.RECEIVED

    real = await refund_order(deps, RETURNS_DESK, **ask)
    assert real.refund is not None
    assert real.breakdown == dry.breakdown
    assert real.refund.breakdown == dry.breakdown


async def test_a_dry_run_is_refused_like_the_real_refund(shop: Shop, deps: Deps) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    before = snapshot(shop)
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(
            deps, RETURNS_DESK, order_id=order_id, appeasement=eur("100.00"), dry_run=True
        )
    assert caught.value.code == "REFUND_EXCEEDS_CAPTURED"
    assert snapshot(shop) == before


# the gateway fails


async def test_a_failed_gateway_refund_is_recorded_and_asking_again_with_the_key_retries(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    tee = line_ids(shop, order_id)["TEE"]
    gateway.failures = 1
    with pytest.raises(PaymentGatewayError):
        await refund_order(
            deps, RETURNS_DESK, order_id=order_id, lines={tee: 1}, idempotency_key="rf-1"
        )
    [failed] = shop.store.refunds
    assert (failed.status, failed.error) == (
        RefundStatus.FAILED,
        "the payment provider did not answer",
    )
    assert shop.store.order(order_id).payment_status is PaymentStatus.PAID
    error = shop.store.payments[-1]
    assert (error.kind, error.status) == (TransactionKind.REFUND, TransactionStatus.ERROR)
    assert shop.store.outbox[-1].type == "refund.failed"

    again = await refund_order(
        deps, RETURNS_DESK, order_id=order_id, lines={tee: 1}, idempotency_key="rf-1"
    )
    assert again.refund is not None
    assert (again.refund.id, again.refund.status) == (failed.id, RefundStatus.SUCCEEDED)
    [done] = shop.store.refunds
    assert (done.id, done.status, done.error) == (failed.id, RefundStatus.SUCCEEDED, None)
    assert again.order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    # both calls carried one idempotency key, so a provider pays back at most once
    # the provider answered the first call with an error, so the retry gets a fresh key
    assert [key for _, key in gateway.refunds] == [f"refund-{failed.id}:0", f"refund-{failed.id}:1"]
    assert [(p.kind, p.status) for p in shop.store.payments[-2:]] == [
        (TransactionKind.REFUND, TransactionStatus.ERROR),
        (TransactionKind.REFUND, TransactionStatus.SUCCESS),
    ]


async def test_a_failed_refund_frees_its_amount_and_cannot_be_retried_once_spent(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    total = shop.store.order(order_id).total
    gateway.failures = 1
    with pytest.raises(PaymentGatewayError):
        await refund_order(
            deps, RETURNS_DESK, order_id=order_id, everything=True, idempotency_key="a"
        )
    # the failed refund does not hold on to the money
    full = await refund_order(deps, RETURNS_DESK, order_id=order_id, everything=True)
    assert full.breakdown.total == total
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(
            deps, RETURNS_DESK, order_id=order_id, everything=True, idempotency_key="a"
        )
    # the retry re-checks what it pays back, unit by unit: those units went back already
    assert caught.value.code == "REFUND_QUANTITY_EXCEEDED"
    assert refunds_in(shop, order_id) == [
        (RefundStatus.FAILED, total),
        (RefundStatus.SUCCEEDED, total),
    ]
    assert len(gateway.refunds) == 2


# replays and refusals


async def test_a_keyed_refund_is_paid_back_once(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    first = await refund_order(
        deps, RETURNS_DESK, order_id=order_id, appeasement=eur("5.00"), idempotency_key="k"
    )
    again = await refund_order(
        deps, RETURNS_DESK, order_id=order_id, appeasement=eur("5.00"), idempotency_key="k"
    )
    assert first.refund is not None
    assert again.refund is not None
    assert (again.refund.id, again.breakdown) == (first.refund.id, first.breakdown)
    assert len(shop.store.refunds) == len(gateway.refunds) == 1
    with pytest.raises(IdempotencyKeyReused):
        await refund_order(
            deps, RETURNS_DESK, order_id=order_id, appeasement=eur("6.00"), idempotency_key="k"
        )


async def test_an_order_with_nothing_captured_has_nothing_to_refund(shop: Shop, deps: Deps) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])  # authorized only
    with pytest.raises(RefundNotPossible) as caught:
        await refund_order(deps, RETURNS_DESK, order_id=order_id, appeasement=eur("1.00"))
    assert caught.value.code == "NOTHING_TO_REFUND"
    assert shop.store.refunds == []


async def test_refunding_an_unknown_order_is_not_found(deps: Deps) -> None:
    with pytest.raises(NotFound):
        await refund_order(deps, RETURNS_DESK, order_id=404, appeasement=eur("1.00"))


async def test_read_only_staff_customers_and_storefronts_may_not_refund(
    shop: Shop, deps: Deps
) -> None:
    ann_id = await shop.add_customer("ann@example.com")
    ann = Principal(
        role=Role.CUSTOMER, scopes=scopes_for(Role.CUSTOMER, None), name="ann", customer_id=ann_id
    )
    order_id = await shop.delivered_order([("TEE", 1)], actor=ann)
    before = snapshot(shop)
    for who in (READ_ONLY, ann, STOREFRONT):
        with pytest.raises(Forbidden):
            await refund_order(deps, who, order_id=order_id, appeasement=eur("1.00"))
        with pytest.raises(Forbidden):
            await refund_order(deps, who, order_id=order_id, everything=True, dry_run=True)
    assert snapshot(shop) == before


# cancelling a paid order


async def test_cancelling_a_paid_order_refunds_everything_through_the_calculator(
    shop: Shop, deps: Deps
) -> None:
    order_id = await shop.paid_order([("STICKER", 3), ("TEE", 2)])
    order = shop.store.order(order_id)
    cancelled = await cancel_order(deps, ADMIN, order_id=order_id, reason="changed mind")
    assert (cancelled.status, cancelled.payment_status) == (
        OrderStatus.CANCELLED,
        PaymentStatus.REFUNDED,
    )
    [refund] = shop.store.refunds
    ids = line_ids(shop, order_id)
    assert refund.breakdown.lines == (
        RefundLine(ids["STICKER"], 3, eur("0.30")),
        RefundLine(ids["TEE"], 2, eur("39.98")),
    )
    assert (refund.breakdown.shipping, refund.breakdown.total) == (eur("4.95"), order.total)
    assert (refund.status, refund.reason) == (RefundStatus.SUCCEEDED, "order cancelled")
    assert shop.store.order(order_id).payment_status is PaymentStatus.REFUNDED
    assert shop.store.payments[-1].amount == order.total


async def test_a_cancel_whose_refund_fails_leaves_the_order_paid_to_refund_later(
    shop: Shop, deps: Deps, gateway: FlakyRefunds
) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    total = shop.store.order(order_id).total
    gateway.failures = 1
    cancelled = await cancel_order(deps, ADMIN, order_id=order_id, reason="changed mind")
    assert (cancelled.status, cancelled.payment_status) == (
        OrderStatus.CANCELLED,
        PaymentStatus.PAID,
    )
    assert refunds_in(shop, order_id) == [(RefundStatus.FAILED, total)]
    later = await refund_order(deps, RETURNS_DESK, order_id=order_id, everything=True)
    assert (later.breakdown.total, later.order.payment_status) == (total, PaymentStatus.REFUNDED)


async def test_cancelling_after_an_appeasement_refunds_only_what_is_left(
    shop: Shop, deps: Deps
) -> None:
    order_id = await shop.paid_order([("TEE", 2)])
    total = shop.store.order(order_id).total
    await refund_order(deps, RETURNS_DESK, order_id=order_id, appeasement=eur("5.00"))
    cancelled = await cancel_order(deps, ADMIN, order_id=order_id, reason="changed mind")
    assert cancelled.payment_status is PaymentStatus.REFUNDED
    _, rest = shop.store.refunds
    assert rest.breakdown.adjustment == eur("-5.00")
    assert rest.breakdown.total == Money(total.minor_units - 500, "EUR")
    assert rest.status is RefundStatus.SUCCEEDED


async def test_a_refund_result_carries_the_order_it_changed(shop: Shop, deps: Deps) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    done: RefundResult = await refund_order(
        deps, RETURNS_DESK, order_id=order_id, appeasement=eur("1.00")
    )
    assert (done.order.id, done.order.payment_status) == (
        order_id,
        PaymentStatus.PARTIALLY_REFUNDED,
    )
    assert done.order.version == shop.store.order(order_id).version


async def test_the_fake_refund_repository_writes_back_only_status_reference_error_and_time(
    shop: Shop, deps: Deps
) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    done = await refund_order(deps, RETURNS_DESK, order_id=order_id, appeasement=eur("1.00"))
    assert done.refund is not None
    async with shop.store.unit_of_work() as uow:
        [refund] = await uow.refunds.for_order(order_id)
        refund.reason, refund.return_id = "rewritten", 99
        refund.status = RefundStatus.FAILED
        await uow.refunds.save(refund)
        await uow.commit()
    [stored] = shop.store.refunds
    assert (stored.status, stored.reason, stored.return_id) == (RefundStatus.FAILED, None, None)
    assert stored.breakdown == done.breakdown
