"""The fulfillment aggregate: its lifecycle, partial shipments and the order steps they drive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.fulfillments import (
    TRANSITIONS,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    IllegalFulfillmentTransition,
)
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    Channel,
    IllegalTransition,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)
from tests.unit.fakes import DEFAULT_NOW

LATER = DEFAULT_NOW + timedelta(minutes=5)
TEE_LINE, MUG_LINE = 31, 32

# The step that asks for each target status (PENDING is never a target).
STEPS: dict[FulfillmentStatus, Callable[[Fulfillment], object]] = {
    FulfillmentStatus.PICKING: lambda f: f.start_picking(LATER),
    FulfillmentStatus.PACKED: lambda f: f.mark_packed(LATER),
    FulfillmentStatus.SHIPPED: lambda f: f.ship(None, LATER),
    FulfillmentStatus.CANCELLED: lambda f: f.cancel(LATER),
}


def make_fulfillment(status: FulfillmentStatus = FulfillmentStatus.PENDING) -> Fulfillment:
    return Fulfillment(
        id=11,
        order_id=7,
        warehouse_id=3,
        status=status,
        lines=[
            FulfillmentLine(TEE_LINE, order_line_id=1, sku="TEE", quantity=3),
            FulfillmentLine(MUG_LINE, order_line_id=2, sku="MUG", quantity=1),
        ],
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


def make_order(status: OrderStatus) -> Order:
    return Order(
        id=7,
        number="OG-100007",
        status=status,
        payment_status=PaymentStatus.AUTHORIZED,
        channel=Channel.WEB,
        customer_id=None,
        email="ann@example.com",
        contact_name="Ann",
        phone=None,
        currency="EUR",
        lines=[OrderLine(1, "TEE", "Tee", 3, Money(1999, "EUR"))],
        shipping_total=Money(495, "EUR"),
        shipping_address=Address("Ann", "Main 1", None, "Amsterdam", "EU-WEST", "1011", "NL", None),
        placed_by="storefront:shop",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


def shipped(f: Fulfillment) -> dict[int, tuple[int, int]]:
    """Line id → (shipped, remaining)."""
    return {line.id or 0: (line.shipped_quantity, line.remaining) for line in f.lines}


# PACKED → PACKED is the partial shipment, tested on its own below.
LEGAL = [
    (s, t)
    for s in FulfillmentStatus
    for t in STEPS
    if t in TRANSITIONS[s] and (s, t) != (FulfillmentStatus.PACKED, FulfillmentStatus.PACKED)
]
ILLEGAL = [(s, t) for s in FulfillmentStatus for t in STEPS if t not in TRANSITIONS[s]]


def test_the_lifecycle_table_is_pending_picking_packed_shipped_or_cancelled() -> None:
    assert {s: set(TRANSITIONS[s]) for s in FulfillmentStatus} == {
        FulfillmentStatus.PENDING: {FulfillmentStatus.PICKING, FulfillmentStatus.CANCELLED},
        FulfillmentStatus.PICKING: {FulfillmentStatus.PACKED, FulfillmentStatus.CANCELLED},
        FulfillmentStatus.PACKED: {FulfillmentStatus.SHIPPED, FulfillmentStatus.CANCELLED},
        FulfillmentStatus.SHIPPED: set(),
        FulfillmentStatus.CANCELLED: set(),
    }


@pytest.mark.parametrize(("current", "wanted"), LEGAL, ids=lambda s: s.value)
def test_every_legal_transition_moves_the_status_and_bumps_the_version(
    current: FulfillmentStatus, wanted: FulfillmentStatus
) -> None:
    fulfillment = make_fulfillment(current)
    STEPS[wanted](fulfillment)
    assert (fulfillment.status, fulfillment.updated_at, fulfillment.version) == (
        wanted,
        LATER,
        2,
    )


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_transition_is_refused_and_changes_nothing(
    current: FulfillmentStatus, wanted: FulfillmentStatus
) -> None:
    fulfillment = make_fulfillment(current)
    with pytest.raises(IllegalFulfillmentTransition) as caught:
        STEPS[wanted](fulfillment)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert caught.value.field == ("fulfillmentId",)
    assert f"is {current.value} and cannot become {wanted.value}" in caught.value.message
    assert (fulfillment.status, fulfillment.updated_at, fulfillment.version) == (
        current,
        DEFAULT_NOW,
        1,
    )
    assert shipped(fulfillment) == {TEE_LINE: (0, 3), MUG_LINE: (0, 1)}


def test_marking_an_already_packed_fulfillment_packed_again_is_refused() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    with pytest.raises(IllegalFulfillmentTransition):
        fulfillment.mark_packed(LATER)


def test_shipping_everything_at_once_ships_every_line_in_full() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    assert fulfillment.ship(None, LATER) == {TEE_LINE: 3, MUG_LINE: 1}
    assert fulfillment.status is FulfillmentStatus.SHIPPED
    assert fulfillment.shipped_now == {TEE_LINE: 3, MUG_LINE: 1}
    assert shipped(fulfillment) == {TEE_LINE: (3, 0), MUG_LINE: (1, 0)}


def test_a_partial_shipment_stays_packed_and_the_rest_then_ships() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    assert fulfillment.ship({TEE_LINE: 2}, LATER) == {TEE_LINE: 2}
    assert (fulfillment.status, fulfillment.version) == (FulfillmentStatus.PACKED, 2)
    assert shipped(fulfillment) == {TEE_LINE: (2, 1), MUG_LINE: (0, 1)}

    later = LATER + timedelta(hours=1)
    assert fulfillment.ship(None, later) == {TEE_LINE: 1, MUG_LINE: 1}
    assert fulfillment.shipped_now == {TEE_LINE: 1, MUG_LINE: 1}
    assert (fulfillment.status, fulfillment.updated_at, fulfillment.version) == (
        FulfillmentStatus.SHIPPED,
        later,
        3,
    )
    assert shipped(fulfillment) == {TEE_LINE: (3, 0), MUG_LINE: (1, 0)}


def test_shipping_the_exact_remainder_line_by_line_ends_shipped() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    statuses = []
    for line_id, units in ((MUG_LINE, 1), (TEE_LINE, 3)):
        fulfillment.ship({line_id: units}, LATER)
        statuses.append(fulfillment.status)
    assert statuses == [FulfillmentStatus.PACKED, FulfillmentStatus.SHIPPED]


@pytest.mark.parametrize("units", [0, -1, 4, 10_000])
def test_a_quantity_outside_one_to_what_is_left_is_refused(units: int) -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    with pytest.raises(InvalidInput) as caught:
        fulfillment.ship({MUG_LINE: 1, TEE_LINE: units}, LATER)
    assert caught.value.code == "INVALID_QUANTITY"
    assert caught.value.field == ("lines", "1", "quantity")
    assert "the 3 left to ship" in caught.value.message
    # validation happens before anything ships: the valid MUG line did not ship either
    assert fulfillment.status is FulfillmentStatus.PACKED
    assert shipped(fulfillment) == {TEE_LINE: (0, 3), MUG_LINE: (0, 1)}


def test_a_line_already_shipped_in_full_cannot_ship_again() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    fulfillment.ship({MUG_LINE: 1}, LATER)
    with pytest.raises(InvalidInput) as caught:
        fulfillment.ship({MUG_LINE: 1}, LATER)
    assert (caught.value.code, caught.value.field) == (
        "INVALID_QUANTITY",
        ("lines", "0", "quantity"),
    )
    assert shipped(fulfillment) == {TEE_LINE: (0, 3), MUG_LINE: (1, 0)}


def test_an_unknown_line_id_is_not_found() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    with pytest.raises(InvalidInput) as caught:
        fulfillment.ship({TEE_LINE: 1, 999: 1}, LATER)
    assert caught.value.code == "NOT_FOUND"
    assert caught.value.field == ("lines", "1", "fulfillmentLineId")
    assert shipped(fulfillment) == {TEE_LINE: (0, 3), MUG_LINE: (0, 1)}


def test_an_empty_list_of_lines_ships_nothing_and_is_refused() -> None:
    fulfillment = make_fulfillment(FulfillmentStatus.PACKED)
    with pytest.raises(InvalidInput) as caught:
        fulfillment.ship({}, LATER)
    assert (caught.value.code, caught.value.field) == ("INVALID_QUANTITY", ("lines",))
    assert fulfillment.status is FulfillmentStatus.PACKED


def test_shipping_a_fulfillment_that_is_not_packed_is_an_illegal_transition() -> None:
    for status in (FulfillmentStatus.PENDING, FulfillmentStatus.PICKING):
        fulfillment = make_fulfillment(status)
        with pytest.raises(IllegalFulfillmentTransition):
            fulfillment.ship({TEE_LINE: 1}, LATER)
        assert shipped(fulfillment)[TEE_LINE] == (0, 3)


# The order steps a fulfillment drives.


def test_the_first_pick_makes_a_confirmed_order_processing_and_later_picks_change_nothing() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.start_processing(LATER, "staff:ann")
    assert (order.status, order.version) == (OrderStatus.PROCESSING, 2)
    assert [e.type for e in order.pending_events] == ["order.processing"]
    for status in (OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED):
        again = make_order(status)
        again.start_processing(LATER, "staff:ann")
        assert (again.status, again.version, again.pending_events) == (status, 1, [])


@pytest.mark.parametrize(
    "status",
    [OrderStatus.PLACED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED],
)
def test_an_order_that_is_not_confirmed_or_in_progress_cannot_start_processing(
    status: OrderStatus,
) -> None:
    order = make_order(status)
    with pytest.raises(IllegalTransition):
        order.start_processing(LATER, "staff:ann")
    assert order.status is status


def test_shipping_part_then_everything_moves_the_order_to_partially_shipped_then_shipped() -> None:
    order = make_order(OrderStatus.PROCESSING)
    order.at_risk_reasons = ["DELIVERY_OVERDUE", "NOT_SHIPPED_IN_TIME"]
    statuses = []
    reasons = []
    for everything in (False, False, True):  # two parcels, then the last one
        order.shipped(everything, LATER, "staff:ann")
        statuses.append(order.status)
        reasons.append(order.at_risk_reasons)
    assert statuses == [
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
    ]
    assert reasons[:2] == [["DELIVERY_OVERDUE", "NOT_SHIPPED_IN_TIME"]] * 2
    # shipped in full: no longer late to ship, but the parcel may still be late
    assert order.at_risk_reasons == ["DELIVERY_OVERDUE"]
    assert [e.type for e in order.pending_events] == [
        "order.partially_shipped",
        "order.partially_shipped",
        "order.shipped",
    ]


def test_a_confirmed_order_cannot_ship_before_it_is_processing() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    with pytest.raises(IllegalTransition):
        order.shipped(True, LATER, "staff:ann")


def test_delivery_clears_the_risk_and_records_when_it_happened() -> None:
    order = make_order(OrderStatus.SHIPPED)
    order.at_risk_reasons = ["DELIVERY_OVERDUE"]
    at = LATER - timedelta(hours=2)
    order.delivered(at, LATER, "carrier:dhl")
    assert (order.status, order.delivered_at, order.at_risk) == (OrderStatus.DELIVERED, at, False)
    [event] = order.pending_events
    assert (event.type, event.payload["deliveredAt"]) == ("order.delivered", at.isoformat())


def test_only_a_shipped_order_can_be_delivered() -> None:
    order = make_order(OrderStatus.PARTIALLY_SHIPPED)
    with pytest.raises(IllegalTransition):
        order.delivered(LATER, LATER, "carrier:dhl")
    assert order.delivered_at is None


def test_flagging_at_risk_records_each_new_reason_once() -> None:
    order = make_order(OrderStatus.PROCESSING)
    assert order.flag_at_risk(["NOT_SHIPPED_IN_TIME"], LATER, "system")
    assert not order.flag_at_risk(["NOT_SHIPPED_IN_TIME"], LATER, "system")
    assert order.flag_at_risk(["SHIPMENT_EXCEPTION", "NOT_SHIPPED_IN_TIME"], LATER, "system")
    assert order.at_risk
    assert order.at_risk_reasons == ["NOT_SHIPPED_IN_TIME", "SHIPMENT_EXCEPTION"]
    assert [(e.type, e.payload["reasons"]) for e in order.pending_events] == [
        ("order.at_risk", ["NOT_SHIPPED_IN_TIME"]),
        ("order.at_risk", ["SHIPMENT_EXCEPTION"]),
    ]
