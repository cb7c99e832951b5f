"""Use cases on the warehouse floor: picking, packing and shipping, with stock leaving the shelf."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from ordergraph.domain.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidInput,
    NotFound,
)
from ordergraph.domain.fulfillments import FulfillmentStatus, IllegalFulfillmentTransition
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.orders import HoldType, OrderOnHold, OrderStatus
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.promises import TransitTimes
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import OrderPolicy
from ordergraph.services.fulfillment import (
    FulfillmentStep,
    mark_packed,
    ship_fulfillment,
    start_picking,
)
from ordergraph.services.holds import hold_order, release_order_hold
from tests.unit.fakes import ADMIN, Shop, delta_of, fake_deps

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


FLOOR = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.FULFILLMENT_WRITE})),
    name="floor",
    token_id=910,
)
READ_ONLY = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
CARRIER_BOT = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.SHIPMENTS_WRITE})),
    name="dhl-feed",
    token_id=911,
)


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


def fulfillment_id(shop: Shop, order_id: int, warehouse: str = "AMS") -> int:
    found = shop.fulfillments_of(order_id)[warehouse].id
    assert found is not None
    return found


def line_ids(shop: Shop, order_id: int, warehouse: str = "AMS") -> dict[str, int]:
    """SKU → fulfillment line id."""
    lines = shop.fulfillments_of(order_id)[warehouse].lines
    return {line.sku: line.id for line in lines if line.id is not None}


async def pack(shop: Shop, fid: int) -> None:
    await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)


async def ship(shop: Shop, fid: int, lines: dict[int, int] | None = None) -> FulfillmentStep:
    return await ship_fulfillment(
        shop.deps, FLOOR, fulfillment_id=fid, carrier="DHL", tracking_number="JD0001", lines=lines
    )


def snapshot(shop: Shop) -> tuple[Any, ...]:
    """Everything a failed step must leave alone."""
    store = shop.store
    return (
        store.orders,
        store.fulfillments,
        store.levels,
        store.movements,
        store.shipments,
        store.outbox,
        store.idempotency_records,
    )


def ledger_matches_levels(shop: Shop) -> bool:
    sums: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for m in shop.store.movements:
        sums[(m.sku, m.warehouse_id)][0] += delta_of(m, ON_HAND)
        sums[(m.sku, m.warehouse_id)][1] += delta_of(m, RESERVED)
    return {k: tuple(v) for k, v in sums.items()} == {
        k: (lvl.on_hand, lvl.reserved) for k, lvl in shop.store.levels.items()
    }


def status(shop: Shop, order_id: int) -> OrderStatus:
    return shop.store.order(order_id).status


async def test_starting_to_pick_makes_the_fulfillment_picking_and_the_order_processing(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    events_before = len(shop.store.outbox)
    shop.clock.advance(timedelta(minutes=7))
    step = await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    assert (step.fulfillment.status, step.order.status) == (
        FulfillmentStatus.PICKING,
        OrderStatus.PROCESSING,
    )
    stored = shop.store.fulfillment(fid)
    assert (stored.status, stored.updated_at) == (FulfillmentStatus.PICKING, shop.clock.now())
    assert status(shop, order_id) is OrderStatus.PROCESSING
    events = shop.store.outbox[events_before:]
    assert [(e.type, e.actor) for e in events] == [
        ("order.processing", "staff:floor"),
        ("fulfillment.picking", "staff:floor"),
    ]
    assert events[1].payload["fulfillmentId"] == fid


async def test_packing_after_picking_leaves_the_order_processing(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    step = await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
    assert step.fulfillment.status is FulfillmentStatus.PACKED
    assert shop.store.fulfillment(fid).status is FulfillmentStatus.PACKED
    assert status(shop, order_id) is OrderStatus.PROCESSING
    assert shop.store.outbox[-1].type == "fulfillment.packed"


async def test_steps_taken_out_of_order_are_illegal_and_change_nothing(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    before = snapshot(shop)
    with pytest.raises(IllegalFulfillmentTransition):
        await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
    with pytest.raises(IllegalFulfillmentTransition):
        await ship(shop, fid)
    assert snapshot(shop) == before
    await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    with pytest.raises(IllegalFulfillmentTransition):
        await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    with pytest.raises(IllegalFulfillmentTransition):
        await ship(shop, fid)
    assert shop.store.fulfillment(fid).status is FulfillmentStatus.PICKING


async def test_an_unknown_fulfillment_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound) as caught:
        await start_picking(shop.deps, FLOOR, fulfillment_id=999)
    assert caught.value.field == ("fulfillmentId",)


async def test_a_cancelled_order_has_nothing_left_to_pick(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    await cancel_order(shop.deps, ADMIN, order_id=order_id, reason="changed my mind")
    with pytest.raises(IllegalFulfillmentTransition):
        await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    assert status(shop, order_id) is OrderStatus.CANCELLED


@pytest.mark.parametrize("step", ["pick", "pack", "ship"])
async def test_an_order_on_hold_cannot_be_picked_packed_or_shipped(shop: Shop, step: str) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    if step in {"pack", "ship"}:
        await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    if step == "ship":
        await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
    await hold_order(shop.deps, ADMIN, order_id=order_id, hold_type=HoldType.FRAUD_REVIEW)
    before = snapshot(shop)

    async def take_step() -> None:
        if step == "pick":
            await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
        elif step == "pack":
            await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
        else:
            await ship(shop, fid)

    with pytest.raises(OrderOnHold) as caught:
        await take_step()
    assert caught.value.code == "ORDER_ON_HOLD"
    assert "FRAUD_REVIEW" in caught.value.message
    assert snapshot(shop) == before

    await release_order_hold(shop.deps, ADMIN, order_id=order_id, hold_type=HoldType.FRAUD_REVIEW)
    await take_step()
    expected = {
        "pick": FulfillmentStatus.PICKING,
        "pack": FulfillmentStatus.PACKED,
        "ship": FulfillmentStatus.SHIPPED,
    }
    assert shop.store.fulfillment(fid).status is expected[step]


async def test_shipping_takes_the_units_off_hand_and_out_of_reservation_with_ship_movements(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 2), ("MUG", 1)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    tee, mug = shop.level("TEE", "AMS"), shop.level("MUG", "AMS")
    assert ((tee.on_hand, tee.reserved), (mug.on_hand, mug.reserved)) == ((5, 2), (3, 1))
    movements_before = len(shop.store.movements)

    step = await ship(shop, fid)

    tee, mug = shop.level("TEE", "AMS"), shop.level("MUG", "AMS")
    assert ((tee.on_hand, tee.reserved), (mug.on_hand, mug.reserved)) == ((3, 0), (2, 0))
    assert shop.level("TEE", "BER").on_hand == 10  # the other warehouse is untouched
    shipped = shop.store.movements[movements_before:]
    assert [(m.kind, m.sku, m.field, m.delta) for m in shipped] == [
        (MovementKind.SHIP, "MUG", ON_HAND, -1),
        (MovementKind.SHIP, "MUG", RESERVED, -1),
        (MovementKind.SHIP, "TEE", ON_HAND, -2),
        (MovementKind.SHIP, "TEE", RESERVED, -2),
    ]
    number = shop.store.order(order_id).number
    assert {(m.warehouse_id, m.reference, m.actor) for m in shipped} == {
        (shop.warehouses["AMS"], f"order:{number}", "staff:floor")
    }
    assert ledger_matches_levels(shop)
    assert step.order.status is OrderStatus.SHIPPED
    assert status(shop, order_id) is OrderStatus.SHIPPED
    stored = shop.store.fulfillment(fid)
    assert stored.status is FulfillmentStatus.SHIPPED
    assert sorted((line.sku, line.shipped_quantity, line.remaining) for line in stored.lines) == [
        ("MUG", 1, 0),
        ("TEE", 2, 0),
    ]


async def test_a_partial_shipment_leaves_the_order_partially_shipped_until_the_rest_ships(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 3), ("MUG", 2)])
    fid = fulfillment_id(shop, order_id)
    ids = line_ids(shop, order_id)
    await pack(shop, fid)

    first = await ship(shop, fid, {ids["TEE"]: 1})
    assert first.fulfillment.status is FulfillmentStatus.PACKED
    assert first.shipment is not None
    assert [(line.sku, line.quantity) for line in first.shipment.lines] == [("TEE", 1)]
    assert status(shop, order_id) is OrderStatus.PARTIALLY_SHIPPED
    stored = shop.store.fulfillment(fid)
    assert stored.status is FulfillmentStatus.PACKED
    assert {line.sku: (line.shipped_quantity, line.remaining) for line in stored.lines} == {
        "TEE": (1, 2),
        "MUG": (0, 2),
    }
    tee = shop.level("TEE", "AMS")
    assert (tee.on_hand, tee.reserved) == (4, 2)

    shop.clock.advance(timedelta(hours=2))
    rest = await ship(shop, fid)
    assert rest.shipment is not None
    assert sorted((line.sku, line.quantity) for line in rest.shipment.lines) == [
        ("MUG", 2),
        ("TEE", 2),
    ]
    assert status(shop, order_id) is OrderStatus.SHIPPED
    assert shop.store.fulfillment(fid).status is FulfillmentStatus.SHIPPED
    assert [(s.code, s.fulfillment_id) for s in shop.store.shipments] == [
        ("TRK-0001", fid),
        ("TRK-0002", fid),
    ]
    tee, mug = shop.level("TEE", "AMS"), shop.level("MUG", "AMS")
    assert ((tee.on_hand, tee.reserved), (mug.on_hand, mug.reserved)) == ((2, 0), (1, 0))
    assert ledger_matches_levels(shop)
    order_events = [e.type for e in shop.store.outbox if e.order_id == order_id]
    assert order_events.count("order.partially_shipped") == 1
    assert order_events.count("order.shipped") == 1


@pytest.mark.parametrize("units", [0, -2, 4])
async def test_an_invalid_quantity_ships_nothing(shop: Shop, units: int) -> None:
    order_id = await shop.confirmed_order([("TEE", 3)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await ship(shop, fid, {line_ids(shop, order_id)["TEE"]: units})
    assert (caught.value.code, caught.value.field) == (
        "INVALID_QUANTITY",
        ("lines", "0", "quantity"),
    )
    assert snapshot(shop) == before


async def test_a_line_of_another_fulfillment_is_not_found_and_nothing_ships(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 12)])  # AMS 5 + BER 7
    ams = fulfillment_id(shop, order_id, "AMS")
    await pack(shop, ams)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await ship(shop, ams, {line_ids(shop, order_id, "BER")["TEE"]: 1})
    assert (caught.value.code, caught.value.field) == (
        "NOT_FOUND",
        ("lines", "0", "fulfillmentLineId"),
    )
    assert snapshot(shop) == before


async def test_a_blank_tracking_number_is_refused_before_anything_changes(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await ship_fulfillment(
            shop.deps, FLOOR, fulfillment_id=fid, carrier="DHL", tracking_number="   "
        )
    assert (caught.value.code, caught.value.field) == ("REQUIRED", ("trackingNumber",))
    with pytest.raises(InvalidInput) as bad_url:
        await ship_fulfillment(
            shop.deps,
            FLOOR,
            fulfillment_id=fid,
            carrier="Acme",
            tracking_number="A1",
            tracking_url="javascript:alert(1)",
        )
    assert bad_url.value.field == ("trackingUrl",)
    assert snapshot(shop) == before


async def test_a_split_order_ships_from_each_warehouse_and_is_shipped_after_both(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 12)])
    ams, ber = fulfillment_id(shop, order_id, "AMS"), fulfillment_id(shop, order_id, "BER")
    await pack(shop, ams)
    await pack(shop, ber)

    from_ams = await ship(shop, ams)
    assert status(shop, order_id) is OrderStatus.PARTIALLY_SHIPPED
    assert shop.store.fulfillment(ber).status is FulfillmentStatus.PACKED
    assert (shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").on_hand) == (0, 10)

    shop.clock.advance(timedelta(hours=3))
    from_ber = await ship(shop, ber)
    assert status(shop, order_id) is OrderStatus.SHIPPED
    assert (shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").on_hand) == (0, 3)
    assert from_ams.shipment is not None
    assert from_ber.shipment is not None
    assert [
        (s.warehouse_id, sum(line.quantity for line in s.lines)) for s in shop.store.shipments
    ] == [
        (shop.warehouses["AMS"], 5),
        (shop.warehouses["BER"], 7),
    ]
    # AMS is in the address's region (2 days); BER is in another country (5 days)
    assert from_ams.shipment.promised_delivery_at == from_ams.shipment.shipped_at + timedelta(
        days=2
    )
    assert from_ber.shipment.promised_delivery_at == shop.clock.now() + timedelta(days=5)
    assert ledger_matches_levels(shop)


async def test_the_shipment_gets_the_injected_code_the_carrier_link_and_a_promise(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    shop.clock.advance(timedelta(hours=5))
    deps = fake_deps(shop.store, shop.clock, tracking_codes=lambda: "Fixed-Code_1")
    events_before = len(shop.store.outbox)

    step = await ship_fulfillment(
        deps,
        FLOOR,
        fulfillment_id=fid,
        carrier="ups",
        tracking_number="1Z 999/AA",
        service="  Express Saver ",
    )

    shipment = step.shipment
    assert shipment is not None
    assert shipment.id is not None
    now = shop.clock.now()
    assert (shipment.code, shipment.carrier, shipment.carrier_name, shipment.service) == (
        "Fixed-Code_1",
        "UPS",
        "UPS",
        "Express Saver",
    )
    assert shipment.tracking_number == "1Z 999/AA"
    assert (
        shipment.tracking_url == f"https://www.ups.com/track?tracknum={quote('1Z 999/AA', safe='')}"
    )
    assert (shipment.status, shipment.shipped_at, shipment.promised_delivery_at) == (
        ShipmentStatus.LABEL_CREATED,
        now,
        now + timedelta(days=2),
    )
    assert [(e.status, e.occurred_at, e.location, e.applied) for e in shipment.events] == [
        (ShipmentStatus.LABEL_CREATED, now, "AMS", True)
    ]
    assert (shipment.order_id, shipment.fulfillment_id, shipment.warehouse_id) == (
        order_id,
        fid,
        shop.warehouses["AMS"],
    )
    [stored] = shop.store.shipments
    assert (stored.id, stored.code, stored.tracking_url) == (
        shipment.id,
        "Fixed-Code_1",
        shipment.tracking_url,
    )
    assert [e.status for e in stored.events] == [ShipmentStatus.LABEL_CREATED]
    created = [e for e in shop.store.outbox[events_before:] if e.type == "shipment.created"]
    assert [e.payload for e in created] == [
        {
            "number": shop.store.order(order_id).number,
            "status": "SHIPPED",
            "shipmentId": shipment.id,
            "fulfillmentId": fid,
            "carrier": "UPS",
            "trackingNumber": "1Z 999/AA",
        }
    ]


async def test_the_shipment_promise_follows_the_configured_transit_times(shop: Shop) -> None:
    shop.policy = OrderPolicy(transit=TransitTimes(overrides={("EU-WEST", "EU-WEST"): 1}))
    order_id = await shop.confirmed_order([("TEE", 1)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    step = await ship(shop, fid)
    assert step.shipment is not None
    assert step.shipment.promised_delivery_at == shop.clock.now() + timedelta(days=1)


async def test_placing_an_order_promises_handling_plus_the_slowest_lane(shop: Shop) -> None:
    placed_at = shop.clock.now()
    near = await shop.confirmed_order([("TEE", 2)])
    split = await shop.confirmed_order([("TEE", 11)])  # AMS has 3 left: BER ships the rest
    assert set(shop.fulfillments_of(split)) == {"AMS", "BER"}
    handling = timedelta(hours=24)
    assert shop.store.order(near).promised_delivery_at == placed_at + handling + timedelta(days=2)
    assert shop.store.order(split).promised_delivery_at == placed_at + handling + timedelta(days=5)


async def test_confirmation_sets_the_ship_by_time_one_handling_period_later(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    order = shop.store.order(order_id)
    assert order.confirmed_at is not None
    assert order.ship_by_at == order.confirmed_at + timedelta(hours=24)


async def test_backordered_units_not_on_hand_cannot_ship_and_nothing_changes() -> None:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL")
    await shop.add_product("TEE", "19.99")
    await shop.add_product("ZINE", "5.00", backorder_limit=10)  # sorts after TEE: ships second
    await shop.receive("TEE", "AMS", 5)
    order_id = await shop.confirmed_order([("TEE", 1), ("ZINE", 2)])
    zine = shop.level("ZINE", "AMS")
    assert (zine.on_hand, zine.reserved) == (0, 2)
    fid = fulfillment_id(shop, order_id)
    ids = line_ids(shop, order_id)
    await pack(shop, fid)
    before = snapshot(shop)

    with pytest.raises(InsufficientStock) as caught:
        await ship(shop, fid)
    assert caught.value.code == "INSUFFICIENT_STOCK"
    assert "ZINE" in caught.value.message
    assert snapshot(shop) == before  # the TEE that left first is back on the shelf

    await ship(shop, fid, {ids["TEE"]: 1})  # what is on hand can go
    assert status(shop, order_id) is OrderStatus.PARTIALLY_SHIPPED
    await shop.receive("ZINE", "AMS", 2)
    await ship(shop, fid)
    assert status(shop, order_id) is OrderStatus.SHIPPED
    zine = shop.level("ZINE", "AMS")
    assert (zine.on_hand, zine.reserved) == (0, 0)
    assert ledger_matches_levels(shop)


@pytest.mark.parametrize("who", [READ_ONLY, CARRIER_BOT], ids=["read-only staff", "carrier feed"])
async def test_without_fulfillment_write_nobody_picks_packs_or_ships(
    shop: Shop, who: Principal
) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    fid = fulfillment_id(shop, order_id)
    before = snapshot(shop)
    with pytest.raises(Forbidden):
        await start_picking(shop.deps, who, fulfillment_id=fid)
    await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    with pytest.raises(Forbidden):
        await mark_packed(shop.deps, who, fulfillment_id=fid)
    await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
    packed = snapshot(shop)
    assert packed != before
    with pytest.raises(Forbidden) as caught:
        await ship_fulfillment(
            shop.deps, who, fulfillment_id=fid, carrier="DHL", tracking_number="1"
        )
    assert caught.value.code == "FORBIDDEN"
    assert snapshot(shop) == packed


async def test_replaying_a_keyed_shipment_returns_the_first_and_creates_one_shipment(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 3)])
    fid = fulfillment_id(shop, order_id)
    tee_line = line_ids(shop, order_id)["TEE"]
    await pack(shop, fid)

    async def send(tracking: str = "JD1") -> FulfillmentStep:
        return await ship_fulfillment(
            shop.deps,
            FLOOR,
            fulfillment_id=fid,
            carrier="DHL",
            tracking_number=tracking,
            lines={tee_line: 1},
            idempotency_key="ship-1",
        )

    first = await send()
    after_first = snapshot(shop)
    shop.clock.advance(timedelta(minutes=1))
    again = await send()
    assert snapshot(shop) == after_first
    assert first.shipment is not None
    assert again.shipment is not None
    assert (again.shipment.id, again.shipment.code) == (first.shipment.id, first.shipment.code)
    assert (again.fulfillment.id, again.order.status) == (fid, OrderStatus.PARTIALLY_SHIPPED)
    assert len(shop.store.shipments) == 1
    assert shop.level("TEE", "AMS").on_hand == 4
    with pytest.raises(IdempotencyKeyReused):
        await send("JD2")
    assert len(shop.store.shipments) == 1


async def test_a_custom_carrier_without_a_tracking_url_ships_without_a_link(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    fid = fulfillment_id(shop, order_id)
    await pack(shop, fid)
    step = await ship_fulfillment(
        shop.deps, FLOOR, fulfillment_id=fid, carrier="Acme Post", tracking_number="AP-1"
    )
    assert step.shipment is not None
    [stored] = shop.store.shipments
    assert (stored.carrier, stored.carrier_name, stored.tracking_url, stored.code) == (
        "ACME_POST",
        "Acme Post",
        None,
        shop.tracking_codes.issued[-1],
    )
