"""Use cases: cancelling orders (stock back, money back) and expiring unpaid ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.orders import (
    Channel,
    Order,
    OrderNotCancellable,
    OrderNotPayable,
    OrderStatus,
    PaymentStatus,
    RequestedLine,
)
from ordergraph.domain.payments import PaymentDeclined, TransactionKind, TransactionStatus
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.cancellation import cancel_order, expire_unpaid_orders
from ordergraph.services.deps import OrderPolicy
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment, capture_payment
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address, delta_of, fake_deps

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


TTL = timedelta(minutes=30)


def timeline(events: list[DomainEvent]) -> list[DomainEvent]:
    """The order's own events; stock movements also emit inventory.changed, not asserted here."""
    return [e for e in events if e.type != "inventory.changed"]


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99")
    await shop.add_product("MUG", "12.50")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    await shop.receive("MUG", "AMS", 3)
    return shop


async def place(shop: Shop, lines: list[tuple[str, int]]) -> int:
    order = await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.APP,
        lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    return order.id


def stored_order(shop: Shop, order_id: int) -> Order:
    [order] = [o for o in shop.store.orders if o.id == order_id]
    return order


def reserved(shop: Shop) -> dict[tuple[str, int], int]:
    return {key: lvl.reserved for key, lvl in shop.store.levels.items()}


def nothing_reserved(shop: Shop) -> bool:
    return all(n == 0 for n in reserved(shop).values())


# cancelling


async def test_cancelling_releases_every_reservation_with_release_movements(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 12), ("MUG", 2)])
    assert not nothing_reserved(shop)
    movements_before = len(shop.store.movements)
    shop.clock.advance(timedelta(minutes=4))
    order = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason=" changed mind ")
    assert order.status is OrderStatus.CANCELLED
    assert (order.cancel_reason, order.cancelled_at) == ("changed mind", shop.clock.now())
    assert nothing_reserved(shop)
    assert (shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").on_hand) == (5, 10)
    ams, ber = shop.warehouses["AMS"], shop.warehouses["BER"]
    releases = shop.store.movements[movements_before:]
    assert sorted((m.kind, m.sku, m.warehouse_id, delta_of(m, RESERVED)) for m in releases) == [
        (MovementKind.RELEASE, "MUG", ams, -2),
        (MovementKind.RELEASE, "TEE", ams, -5),
        (MovementKind.RELEASE, "TEE", ber, -7),
    ]
    assert {(m.actor, m.reference) for m in releases} == {("admin:ops", "order:OG-100001")}
    assert all(row.released_at == shop.clock.now() for row in shop.store.allocations)


async def test_the_ledger_still_sums_to_the_levels_after_a_cancel(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 12)])
    await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="oops")
    for (sku, warehouse_id), level in shop.store.levels.items():
        ledger = [m for m in shop.store.movements if (m.sku, m.warehouse_id) == (sku, warehouse_id)]
        assert sum(delta_of(m, ON_HAND) for m in ledger) == level.on_hand
        assert sum(delta_of(m, RESERVED) for m in ledger) == level.reserved


async def test_cancelling_records_an_order_cancelled_event(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    events_before = len(shop.store.outbox)
    await cancel_order(shop.deps, STOREFRONT, order_id=order_id, reason="duplicate order")
    [event] = timeline(shop.store.outbox[events_before:])
    assert (event.type, event.actor, event.order_id) == (
        "order.cancelled",
        "storefront:web",
        order_id,
    )
    assert event.payload["reason"] == "duplicate order"


async def test_cancelling_twice_is_not_cancellable_and_releases_nothing_more(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 2)])
    await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="first")
    movements, outbox = len(shop.store.movements), len(shop.store.outbox)
    with pytest.raises(OrderNotCancellable):
        await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="second")
    assert (len(shop.store.movements), len(shop.store.outbox)) == (movements, outbox)
    assert stored_order(shop, order_id).cancel_reason == "first"
    assert nothing_reserved(shop)


async def test_a_keyed_cancel_replays_instead_of_failing(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 2)])
    first = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="x", idempotency_key="c")
    movements = len(shop.store.movements)
    again = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="x", idempotency_key="c")
    assert (again.id, again.status) == (first.id, OrderStatus.CANCELLED)
    assert len(shop.store.movements) == movements


async def test_cancelling_a_confirmed_order_cancels_its_fulfillments_and_voids_the_authorization(
    shop: Shop,
) -> None:
    order_id = await place(shop, [("TEE", 12)])
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert {f.status for f in shop.store.fulfillments} == {FulfillmentStatus.PENDING}
    events_before = len(shop.store.outbox)
    order = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="fraud")
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.VOIDED)
    assert len(shop.store.fulfillments) == 2
    assert {f.status for f in shop.store.fulfillments} == {FulfillmentStatus.CANCELLED}
    assert nothing_reserved(shop)
    auth, void = shop.store.payments
    assert (void.kind, void.status) == (TransactionKind.VOID, TransactionStatus.SUCCESS)
    assert void.amount == auth.amount
    stored = stored_order(shop, order_id)
    assert (stored.status, stored.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.VOIDED)
    types = [e.type for e in timeline(shop.store.outbox[events_before:])]
    assert types == ["order.cancelled", "order.payment_updated"]
    assert shop.store.outbox[-1].payload["paymentStatus"] == "VOIDED"


async def test_cancelling_a_captured_order_refunds_the_capture(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    captured = await capture_payment(shop.deps, ADMIN, order_id=order_id, token=None)
    order = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="out of time")
    assert order.payment_status is PaymentStatus.REFUNDED
    refund = shop.store.payments[-1]
    assert (refund.kind, refund.status) == (TransactionKind.REFUND, TransactionStatus.SUCCESS)
    assert refund.amount == captured.transaction.amount
    assert stored_order(shop, order_id).payment_status is PaymentStatus.REFUNDED


async def test_cancelling_a_sale_refunds_it(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    order = await cancel_order(shop.deps, STOREFRONT, order_id=order_id, reason="too slow")
    assert order.payment_status is PaymentStatus.REFUNDED
    assert [p.kind for p in shop.store.payments] == [TransactionKind.SALE, TransactionKind.REFUND]


async def test_cancelling_an_unpaid_order_moves_no_money(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    order = await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="no")
    assert order.payment_status is PaymentStatus.PENDING
    assert shop.store.payments == []


async def test_a_cancel_needs_a_reason(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    with pytest.raises(InvalidInput) as caught:
        await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="  ")
    assert caught.value.field == ("reason",)
    assert stored_order(shop, order_id).status is OrderStatus.PLACED


async def test_only_staff_the_owner_or_the_placing_client_may_cancel(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    stranger = Principal(
        role=Role.STOREFRONT, scopes=scopes_for(Role.STOREFRONT, None), name="app", token_id=7
    )
    viewer = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
    with pytest.raises(NotFound):
        await cancel_order(shop.deps, stranger, order_id=order_id, reason="mine now")
    with pytest.raises(Forbidden):
        await cancel_order(shop.deps, viewer, order_id=order_id, reason="just looking")
    assert stored_order(shop, order_id).status is OrderStatus.PLACED
    assert not nothing_reserved(shop)


# expiry


async def test_nothing_expires_before_the_payment_window_closes(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    shop.clock.advance(TTL - timedelta(seconds=1))
    assert await expire_unpaid_orders(shop.deps) == 0
    assert stored_order(shop, order_id).status is OrderStatus.PLACED
    assert reserved(shop)[("TEE", shop.warehouses["AMS"])] == 1


async def test_expiry_cancels_exactly_the_unpaid_placed_orders_and_releases_their_stock(
    shop: Shop,
) -> None:
    unpaid = await place(shop, [("TEE", 2)])
    declined = await place(shop, [("MUG", 1)])
    paid = await place(shop, [("TEE", 3)])
    await authorize_payment(shop.deps, STOREFRONT, order_id=paid, token="tok_ok")
    with pytest.raises(PaymentDeclined):
        await authorize_payment(shop.deps, STOREFRONT, order_id=declined, token="tok_declined")
    shop.clock.advance(TTL)
    assert await expire_unpaid_orders(shop.deps) == 2
    for order_id in (unpaid, declined):
        order = stored_order(shop, order_id)
        assert order.status is OrderStatus.CANCELLED
        assert order.cancel_reason == "expired: not paid in time"
        assert order.cancelled_at == shop.clock.now()
    untouched = stored_order(shop, paid)
    assert (untouched.status, untouched.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.AUTHORIZED,
    )
    assert reserved(shop) == {
        ("TEE", shop.warehouses["AMS"]): 3,
        ("TEE", shop.warehouses["BER"]): 0,
        ("MUG", shop.warehouses["AMS"]): 0,
    }
    assert await expire_unpaid_orders(shop.deps) == 0


async def test_expiry_is_done_by_the_system_and_shows_in_the_timeline(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    shop.clock.advance(TTL + timedelta(hours=1))
    movements, events = len(shop.store.movements), len(shop.store.outbox)
    await expire_unpaid_orders(shop.deps)
    [event] = timeline(shop.store.outbox[events:])
    assert (event.type, event.order_id, event.actor) == (
        "order.cancelled",
        order_id,
        "admin:system",
    )
    [release] = shop.store.movements[movements:]
    assert (release.kind, delta_of(release, RESERVED), release.actor) == (
        MovementKind.RELEASE,
        -1,
        "admin:system",
    )


async def test_expiry_follows_the_configured_payment_window(shop: Shop) -> None:
    quick = fake_deps(shop.store, shop.clock, policy=OrderPolicy(unpaid_ttl=timedelta(minutes=2)))
    order = await place_order(
        quick,
        STOREFRONT,
        channel=Channel.WEB,
        lines=[RequestedLine("TEE", 1)],
        shipping_address=address(),
        email="ann@example.com",
    )
    slow = await place(shop, [("TEE", 1)])
    shop.clock.advance(timedelta(minutes=2))
    assert await expire_unpaid_orders(shop.deps) == 1
    assert order.id is not None
    assert stored_order(shop, order.id).status is OrderStatus.CANCELLED
    assert stored_order(shop, slow).status is OrderStatus.PLACED


async def test_expiry_handles_at_most_the_limit_per_run(shop: Shop) -> None:
    for _ in range(3):
        await place(shop, [("TEE", 1)])
    shop.clock.advance(TTL)
    assert await expire_unpaid_orders(shop.deps, limit=2) == 2
    assert await expire_unpaid_orders(shop.deps, limit=2) == 1
    assert nothing_reserved(shop)


async def test_an_expired_order_can_no_longer_be_paid(shop: Shop) -> None:
    order_id = await place(shop, [("TEE", 1)])
    shop.clock.advance(TTL)
    await expire_unpaid_orders(shop.deps)
    with pytest.raises(OrderNotPayable):
        await authorize_payment(shop.deps, STOREFRONT, order_id=order_id, token="tok_ok")
    assert shop.store.payments == []
