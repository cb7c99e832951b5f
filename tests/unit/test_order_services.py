"""Use cases: placing an order (pricing, reservation, routing, idempotency) and holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.customers import AddressFields
from ordergraph.domain.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
)
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    Channel,
    HoldType,
    IllegalTransition,
    Order,
    OrderStatus,
    OutOfStock,
    PaymentStatus,
    RequestedLine,
)
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.routing import Allocation
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.customers import create_customer
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.holds import hold_order, release_order_hold
from ordergraph.services.orders import place_order
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address, delta_of, fake_deps

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


READ_ONLY_STAFF = Principal(
    role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer", token_id=903
)
ORDER_DESK = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.ORDERS_WRITE})),
    name="desk",
    token_id=904,
)


def timeline(events: list[DomainEvent]) -> list[DomainEvent]:
    """The order's own events; stock movements also emit inventory.changed, not asserted here."""
    return [e for e in events if e.type != "inventory.changed"]


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99", weight_grams=300)
    await shop.add_product("MUG", "12.50", weight_grams=400)
    await shop.add_product("CAP", "25.00", currency="USD")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    await shop.receive("MUG", "AMS", 3)
    return shop


async def place(
    shop: Shop,
    lines: list[tuple[str, int]],
    *,
    actor: Principal = STOREFRONT,
    deps: Deps | None = None,
    email: str | None = "ann@example.com",
    customer_id: int | None = None,
    shipping_address: AddressFields | None = None,
    key: str | None = None,
) -> Order:
    return await place_order(
        deps or shop.deps,
        actor,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
        shipping_address=shipping_address or address(),
        customer_id=customer_id,
        email=email,
        idempotency_key=key,
    )


def nothing_written(shop: Shop, before: dict[str, object]) -> bool:
    return snapshot(shop) == before


def snapshot(shop: Shop) -> dict[str, object]:
    store = shop.store
    return {
        "orders": store.orders,
        "stock": shop.stock(),
        "movements": store.movements,
        "allocations": store.allocations,
        "outbox": store.outbox,
        "idempotency": store.idempotency_records,
    }


# placing an order


async def test_placing_an_order_prices_it_from_the_catalog_and_adds_shipping(shop: Shop) -> None:
    order = await place(shop, [("TEE", 2), ("MUG", 1)])
    assert order.id is not None
    assert order.number == "OG-100001"
    assert (order.status, order.payment_status) == (OrderStatus.PLACED, PaymentStatus.PENDING)
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("TEE", 2, Money(1999, "EUR")),
        ("MUG", 1, Money(1250, "EUR")),
    ]
    assert all(line.id is not None for line in order.lines)
    assert order.subtotal == Money(5248, "EUR")
    # 1000 g to EU-WEST: the region's base rate, no extra kilogram
    assert order.shipping_total == Money(495, "EUR")
    assert order.total == Money(5743, "EUR")
    assert order.currency == "EUR"
    assert (order.email, order.contact_name, order.channel) == (
        "ann@example.com",
        "Ann Smith",
        Channel.WEB,
    )
    assert order.placed_by == "storefront:web"
    assert order.created_at == shop.clock.now()
    [stored] = shop.store.orders
    assert stored.id == order.id
    assert stored.total == order.total


async def test_placing_an_order_reserves_stock_with_ledger_lines(shop: Shop) -> None:
    movements_before = len(shop.store.movements)
    order = await place(shop, [("TEE", 2), ("MUG", 1)])
    assert (shop.level("TEE", "AMS").reserved, shop.level("MUG", "AMS").reserved) == (2, 1)
    assert (shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").reserved) == (5, 0)
    movements = shop.store.movements[movements_before:]
    ams = shop.warehouses["AMS"]
    assert [
        (m.kind, m.sku, m.warehouse_id, delta_of(m, RESERVED), delta_of(m, ON_HAND))
        for m in movements
    ] == [
        (MovementKind.RESERVE, "MUG", ams, 1, 0),
        (MovementKind.RESERVE, "TEE", ams, 2, 0),
    ]
    assert {m.actor for m in movements} == {"storefront:web"}
    assert {m.reference for m in movements} == {"order:OG-100001"}
    assert {m.created_at for m in movements} == {shop.clock.now()}
    line_ids = {line.sku: line.id for line in order.lines}
    assert {(r.order_id, r.order_line_id, r.allocation) for r in shop.store.allocations} == {
        (order.id, line_ids["TEE"], Allocation("TEE", ams, 2)),
        (order.id, line_ids["MUG"], Allocation("MUG", ams, 1)),
    }


async def test_placing_an_order_records_an_order_placed_event(shop: Shop) -> None:
    events_before = len(shop.store.outbox)
    order = await place(shop, [("TEE", 2), ("MUG", 1)])
    [event] = timeline(shop.store.outbox[events_before:])
    assert event.type == "order.placed"
    assert (event.aggregate_type, event.aggregate_id, event.order_id) == (
        "Order",
        order.id,
        order.id,
    )
    assert event.actor == "storefront:web"
    assert event.payload == {
        "number": "OG-100001",
        "status": "PLACED",
        "channel": "WEB",
        "total": "57.43",
        "currency": "EUR",
        "warehouses": [shop.warehouses["AMS"]],
    }


async def test_an_unpaid_order_expires_after_the_policy_ttl(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.expires_at == shop.clock.now() + timedelta(minutes=30)
    quick = fake_deps(shop.store, shop.clock, policy=OrderPolicy(unpaid_ttl=timedelta(minutes=5)))
    shop.clock.advance(timedelta(seconds=7))
    other = await place(shop, [("TEE", 1)], deps=quick)
    assert other.expires_at == shop.clock.now() + timedelta(minutes=5)


async def test_order_numbers_count_up(shop: Shop) -> None:
    first = await place(shop, [("TEE", 1)])
    second = await place(shop, [("TEE", 1)])
    assert (first.number, second.number) == ("OG-100001", "OG-100002")


async def test_the_routing_decision_is_kept_with_the_order(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.routing is not None
    ams, ber = shop.warehouses["AMS"], shop.warehouses["BER"]
    assert [(c["warehouse_id"], c["rank"], c["chosen"]) for c in order.routing["candidates"]] == [
        (ams, 1, True),
        (ber, 2, False),
    ]
    assert order.routing["allocations"] == [{"sku": "TEE", "warehouse_id": ams, "quantity": 1}]


async def test_a_line_no_warehouse_can_ship_alone_is_split_across_warehouses(shop: Shop) -> None:
    await place(shop, [("TEE", 12)])
    assert (shop.level("TEE", "AMS").reserved, shop.level("TEE", "BER").reserved) == (5, 7)


async def test_duplicate_skus_are_reserved_as_one_line(shop: Shop) -> None:
    order = await place(shop, [("TEE", 2), ("TEE", 3)])
    assert [(line.sku, line.quantity) for line in order.lines] == [("TEE", 5)]
    assert shop.level("TEE", "AMS").reserved == 5


async def test_free_shipping_applies_over_the_regions_threshold(shop: Shop) -> None:
    order = await place(shop, [("TEE", 4)])  # 79.96 EUR, over the 75.00 threshold
    assert order.shipping_total == Money(0, "EUR")
    assert order.total == Money(7996, "EUR")


async def test_a_heavier_order_pays_for_each_extra_started_kilogram(shop: Shop) -> None:
    order = await place(shop, [("MUG", 3)])  # 1200 g
    assert order.shipping_total == Money(595, "EUR")


async def test_more_than_the_stock_is_out_of_stock_and_writes_nothing(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(OutOfStock) as caught:
        await place(shop, [("MUG", 1), ("TEE", 16)])
    assert caught.value.shortfall == {"TEE": 1}
    assert caught.value.code == "OUT_OF_STOCK"
    assert nothing_written(shop, before)


async def test_an_unknown_sku_is_not_found_at_its_line_and_writes_nothing(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(NotFound) as caught:
        await place(shop, [("TEE", 1), ("NOPE", 1)])
    assert caught.value.field == ("lines", "1", "sku")
    assert nothing_written(shop, before)


async def test_lines_in_different_currencies_are_refused(shop: Shop) -> None:
    await shop.receive("CAP", "AMS", 5)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [("TEE", 1), ("CAP", 1)])
    assert (caught.value.code, caught.value.field) == ("MIXED_CURRENCY", ("lines",))
    assert nothing_written(shop, before)


async def test_a_guest_order_without_an_email_is_refused(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [("TEE", 1)], email=None)
    assert (caught.value.code, caught.value.field) == ("REQUIRED", ("email",))
    assert nothing_written(shop, before)


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
async def test_a_bad_quantity_is_refused_and_writes_nothing(shop: Shop, quantity: int) -> None:
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [("TEE", quantity)])
    assert (caught.value.code, caught.value.field) == (
        "INVALID_QUANTITY",
        ("lines", "0", "quantity"),
    )
    assert nothing_written(shop, before)


async def test_an_empty_order_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [])
    assert caught.value.code == "REQUIRED"
    assert shop.store.orders == []


async def test_a_bad_country_is_refused_at_its_address_field(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [("TEE", 1)], shipping_address=address(country_code="XX"))
    assert caught.value.field == ("shippingAddress", "countryCode")
    assert nothing_written(shop, before)


async def test_no_shipping_rate_for_the_currency_is_refused_and_writes_nothing(shop: Shop) -> None:
    await shop.add_product("YEN", "1000", currency="JPY")
    await shop.receive("YEN", "AMS", 5)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await place(shop, [("YEN", 1)])
    assert caught.value.code == "SHIPPING_UNAVAILABLE"
    assert nothing_written(shop, before)


async def test_a_storefront_cannot_place_an_order_for_a_customer_account(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(Forbidden):
        await place(shop, [("TEE", 1)], customer_id=1)
    assert nothing_written(shop, before)


async def test_read_only_staff_cannot_place_orders(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(Forbidden):
        await place(shop, [("TEE", 1)], actor=READ_ONLY_STAFF)
    assert nothing_written(shop, before)


async def test_staff_with_orders_write_place_an_order_for_a_customer(shop: Shop) -> None:
    customer = await create_customer(shop.deps, ADMIN, email="bo@example.com", name="Bo")
    order = await place(shop, [("TEE", 1)], actor=ORDER_DESK, email=None, customer_id=customer.id)
    assert (order.customer_id, order.email) == (customer.id, "bo@example.com")
    assert order.placed_by == "staff:desk"


async def test_an_order_for_an_unknown_customer_is_not_found(shop: Shop) -> None:
    before = snapshot(shop)
    with pytest.raises(NotFound) as caught:
        await place(shop, [("TEE", 1)], actor=ORDER_DESK, customer_id=999)
    assert caught.value.field == ("customerId",)
    assert nothing_written(shop, before)


async def test_a_customer_orders_for_themselves_only(shop: Shop) -> None:
    customer = await create_customer(shop.deps, ADMIN, email="cy@example.com", name="Cy")
    assert customer.id is not None
    me = Principal(
        role=Role.CUSTOMER,
        scopes=scopes_for(Role.CUSTOMER, None),
        name="cy",
        customer_id=customer.id,
    )
    order = await place(shop, [("TEE", 1)], actor=me, email=None)
    assert (order.customer_id, order.email) == (customer.id, "cy@example.com")
    with pytest.raises(Forbidden):
        await place(shop, [("TEE", 1)], actor=me, customer_id=customer.id + 1)


async def test_the_same_key_and_input_return_the_first_order_and_change_nothing(
    shop: Shop,
) -> None:
    first = await place(shop, [("TEE", 2)], key="checkout-1")
    after_first = snapshot(shop)
    again = await place(shop, [("TEE", 2)], key="checkout-1")
    assert (again.id, again.number, again.total) == (first.id, first.number, first.total)
    assert nothing_written(shop, after_first)
    assert shop.level("TEE", "AMS").reserved == 2


async def test_the_same_key_with_other_input_is_refused(shop: Shop) -> None:
    await place(shop, [("TEE", 2)], key="checkout-1")
    after_first = snapshot(shop)
    with pytest.raises(IdempotencyKeyReused) as caught:
        await place(shop, [("TEE", 3)], key="checkout-1")
    assert caught.value.field == ("idempotencyKey",)
    assert nothing_written(shop, after_first)


async def test_a_conflicting_commit_is_retried_and_reserves_only_once(shop: Shop) -> None:
    shop.store.fail_next_commits(2)
    order = await place(shop, [("TEE", 2)])
    assert [o.id for o in shop.store.orders] == [order.id]
    assert shop.level("TEE", "AMS").reserved == 2
    reserves = [m for m in shop.store.movements if m.kind is MovementKind.RESERVE]
    assert [delta_of(m, RESERVED) for m in reserves] == [2]


async def test_a_backorderable_product_can_be_reserved_beyond_stock_up_to_its_limit(
    shop: Shop,
) -> None:
    await shop.add_product("PRE", "10.00", backorder_limit=4)
    await shop.receive("PRE", "AMS", 1)
    await place(shop, [("PRE", 5)])
    assert shop.level("PRE", "AMS").available == -4
    with pytest.raises(OutOfStock):
        await place(shop, [("PRE", 5)], shipping_address=address(country_code="DE", region=None))
    await place(shop, [("PRE", 4)], shipping_address=address(country_code="DE", region=None))
    assert shop.level("PRE", "BER").available == -4


# holds


async def test_holding_an_order_stores_the_hold_and_records_an_event(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    events_before = len(shop.store.outbox)
    shop.clock.advance(timedelta(minutes=1))
    held = await hold_order(
        shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.FRAUD_REVIEW, reason=" odd "
    )
    [stored] = held.holds
    assert stored.id is not None
    assert (stored.type, stored.reason, stored.created_by) == (
        HoldType.FRAUD_REVIEW,
        "odd",
        "admin:ops",
    )
    assert stored.created_at == shop.clock.now()
    [reloaded] = shop.store.orders
    assert [h.type for h in reloaded.active_holds] == [HoldType.FRAUD_REVIEW]
    [event] = timeline(shop.store.outbox[events_before:])
    assert (event.type, event.actor, event.payload["holdType"]) == (
        "order.hold_placed",
        "admin:ops",
        "FRAUD_REVIEW",
    )


async def test_releasing_a_hold_stamps_it_and_records_an_event(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    await hold_order(shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.STOCK_ISSUE)
    events_before = len(shop.store.outbox)
    shop.clock.advance(timedelta(minutes=3))
    released = await release_order_hold(
        shop.deps, ORDER_DESK, order_id=order.id, hold_type=HoldType.STOCK_ISSUE
    )
    assert released.active_holds == []
    [reloaded] = shop.store.orders
    [hold] = reloaded.holds
    assert (hold.released_at, hold.released_by) == (shop.clock.now(), "staff:desk")
    [event] = timeline(shop.store.outbox[events_before:])
    assert (event.type, event.actor, event.payload["holdType"]) == (
        "order.hold_released",
        "staff:desk",
        "STOCK_ISSUE",
    )


async def test_a_second_active_hold_of_one_type_is_refused(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    await hold_order(shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.OTHER)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await hold_order(shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.OTHER)
    assert caught.value.code == "DUPLICATE"
    assert nothing_written(shop, before)


async def test_releasing_a_hold_the_order_does_not_have_is_not_found(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    with pytest.raises(InvalidInput) as caught:
        await release_order_hold(shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.OTHER)
    assert caught.value.code == "NOT_FOUND"


async def test_holds_need_orders_write(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    for actor in (STOREFRONT, READ_ONLY_STAFF):
        with pytest.raises(Forbidden):
            await hold_order(shop.deps, actor, order_id=order.id, hold_type=HoldType.OTHER)
    [reloaded] = shop.store.orders
    assert reloaded.holds == []


async def test_holding_an_unknown_order_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound) as caught:
        await hold_order(shop.deps, ADMIN, order_id=404, hold_type=HoldType.OTHER)
    assert caught.value.field == ("orderId",)


async def test_a_cancelled_order_cannot_be_held(shop: Shop) -> None:
    order = await place(shop, [("TEE", 1)])
    assert order.id is not None
    await cancel_order(shop.deps, ADMIN, order_id=order.id, reason="changed mind")
    with pytest.raises(IllegalTransition):
        await hold_order(shop.deps, ADMIN, order_id=order.id, hold_type=HoldType.OTHER)
