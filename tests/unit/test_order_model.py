"""The order aggregate: line validation, its lifecycle, holds and the events it records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    MAX_LINES,
    MAX_QUANTITY,
    TRANSITIONS,
    Channel,
    Hold,
    HoldType,
    IllegalTransition,
    Order,
    OrderLine,
    OrderNotCancellable,
    OrderNotPayable,
    OrderOnHold,
    OrderStatus,
    OutOfStock,
    PaymentStatus,
    RequestedLine,
    merge_lines,
)
from tests.unit.fakes import DEFAULT_NOW

LATER = DEFAULT_NOW + timedelta(minutes=5)


def make_order(status: OrderStatus = OrderStatus.PLACED) -> Order:
    address = Address("Ann", "Main 1", None, "Amsterdam", "EU-WEST", "1011", "NL", None)
    return Order(
        id=7,
        number="OG-100007",
        status=status,
        payment_status=PaymentStatus.PENDING,
        channel=Channel.WEB,
        customer_id=None,
        email="ann@example.com",
        contact_name="Ann",
        phone=None,
        currency="EUR",
        lines=[
            OrderLine(1, "TEE", "Tee", 2, Money(1999, "EUR")),
            OrderLine(2, "MUG", "Mug", 1, Money(1250, "EUR")),
        ],
        shipping_total=Money(495, "EUR"),
        shipping_address=address,
        placed_by="storefront:shop",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
        expires_at=DEFAULT_NOW + timedelta(minutes=30),
    )


def hold(hold_type: HoldType = HoldType.FRAUD_REVIEW) -> Hold:
    return Hold(None, hold_type, "looks odd", DEFAULT_NOW, "staff:ann")


# merge_lines


def test_an_order_without_lines_is_refused_as_required() -> None:
    with pytest.raises(InvalidInput) as caught:
        merge_lines([])
    assert (caught.value.code, caught.value.field) == ("REQUIRED", ("lines",))


def test_more_than_the_maximum_number_of_lines_is_refused() -> None:
    lines = [RequestedLine(f"SKU-{i}", 1) for i in range(MAX_LINES + 1)]
    with pytest.raises(InvalidInput) as caught:
        merge_lines(lines)
    assert (caught.value.code, caught.value.field) == ("TOO_MANY_LINES", ("lines",))


def test_the_maximum_number_of_lines_is_accepted() -> None:
    lines = [RequestedLine(f"SKU-{i}", 1) for i in range(MAX_LINES)]
    assert len(merge_lines(lines)) == MAX_LINES


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1])
def test_a_quantity_outside_the_allowed_range_is_refused_at_its_line(quantity: int) -> None:
    lines = [RequestedLine("TEE", 1), RequestedLine("MUG", quantity)]
    with pytest.raises(InvalidInput) as caught:
        merge_lines(lines)
    assert caught.value.code == "INVALID_QUANTITY"
    assert caught.value.field == ("lines", "1", "quantity")


def test_duplicate_skus_are_merged_in_order_of_first_appearance() -> None:
    lines = [RequestedLine("TEE", 2), RequestedLine("MUG", 1), RequestedLine("TEE", 3)]
    merged = merge_lines(lines)
    assert merged == {"TEE": 5, "MUG": 1}
    assert list(merged) == ["TEE", "MUG"]


def test_duplicate_skus_merged_up_to_the_maximum_quantity_are_accepted() -> None:
    lines = [RequestedLine("TEE", MAX_QUANTITY - 1), RequestedLine("TEE", 1)]
    assert merge_lines(lines) == {"TEE": MAX_QUANTITY}


def test_duplicate_skus_merged_over_the_maximum_quantity_are_refused() -> None:
    lines = [RequestedLine("TEE", 6000), RequestedLine("MUG", 1), RequestedLine("TEE", 4001)]
    with pytest.raises(InvalidInput) as caught:
        merge_lines(lines)
    assert caught.value.code == "INVALID_QUANTITY"
    assert caught.value.field == ("lines", "2", "quantity")


# totals


def test_totals_are_computed_from_the_lines_and_shipping() -> None:
    order = make_order()
    assert order.lines[0].total == Money(3998, "EUR")
    assert order.subtotal == Money(5248, "EUR")
    assert order.total == Money(5743, "EUR")


# lifecycle

ILLEGAL_MOVES = [
    (current, wanted)
    for current in OrderStatus
    for wanted in OrderStatus
    if wanted not in TRANSITIONS[current]
]
LEGAL_MOVES = [(current, wanted) for current in OrderStatus for wanted in TRANSITIONS[current]]


def test_every_status_has_its_transitions_declared() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert TRANSITIONS[OrderStatus.DELIVERED] == frozenset()
    assert TRANSITIONS[OrderStatus.CANCELLED] == frozenset()


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL_MOVES)
def test_every_illegal_move_raises_illegal_transition_and_changes_nothing(
    current: OrderStatus, wanted: OrderStatus
) -> None:
    order = make_order(current)
    with pytest.raises(IllegalTransition) as caught:
        order._move(wanted, LATER)
    assert (caught.value.current, caught.value.wanted) == (current, wanted)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert (order.status, order.updated_at, order.version) == (current, DEFAULT_NOW, 1)


@pytest.mark.parametrize(("current", "wanted"), LEGAL_MOVES)
def test_every_legal_move_changes_status_time_and_version(
    current: OrderStatus, wanted: OrderStatus
) -> None:
    order = make_order(current)
    order._move(wanted, LATER)
    assert (order.status, order.updated_at, order.version) == (wanted, LATER, 2)


def test_confirming_a_placed_order_records_payment_and_stops_the_expiry_clock() -> None:
    order = make_order()
    order.confirm(PaymentStatus.AUTHORIZED, LATER, "storefront:shop")
    assert order.status is OrderStatus.CONFIRMED
    assert order.payment_status is PaymentStatus.AUTHORIZED
    assert (order.confirmed_at, order.expires_at) == (LATER, None)
    [event] = order.pending_events
    assert event.type == "order.confirmed"
    assert (event.aggregate_type, event.aggregate_id, event.order_id) == ("Order", 7, 7)
    assert event.actor == "storefront:shop"
    assert event.payload == {
        "number": "OG-100007",
        "status": "CONFIRMED",
        "paymentStatus": "AUTHORIZED",
    }


@pytest.mark.parametrize("status", [s for s in OrderStatus if s is not OrderStatus.PLACED])
def test_only_a_placed_order_can_be_confirmed(status: OrderStatus) -> None:
    order = make_order(status)
    with pytest.raises(IllegalTransition):
        order.confirm(PaymentStatus.PAID, LATER, "staff:ann")
    assert order.pending_events == []


def test_cancelling_records_when_and_why() -> None:
    order = make_order()
    order.cancel("customer changed their mind", LATER, "staff:ann")
    assert order.status is OrderStatus.CANCELLED
    assert (order.cancelled_at, order.cancel_reason, order.expires_at) == (
        LATER,
        "customer changed their mind",
        None,
    )
    [event] = order.pending_events
    assert (event.type, event.actor) == ("order.cancelled", "staff:ann")
    assert event.payload == {
        "number": "OG-100007",
        "status": "CANCELLED",
        "reason": "customer changed their mind",
    }


@pytest.mark.parametrize(
    "status",
    [s for s in OrderStatus if OrderStatus.CANCELLED not in TRANSITIONS[s]],
)
def test_an_order_past_its_cancellable_states_cannot_be_cancelled(status: OrderStatus) -> None:
    order = make_order(status)
    with pytest.raises(OrderNotCancellable) as caught:
        order.cancel("too late", LATER, "staff:ann")
    assert caught.value.code == "ORDER_NOT_CANCELLABLE"
    assert order.status is status
    assert order.pending_events == []


def test_a_failed_payment_marks_the_payment_but_keeps_the_order_placed() -> None:
    order = make_order()
    order.payment_failed(LATER, "storefront:shop", "card_declined")
    assert (order.status, order.payment_status) == (OrderStatus.PLACED, PaymentStatus.FAILED)
    assert order.can_take_payment()
    [event] = order.pending_events
    assert event.type == "order.payment_failed"
    assert event.payload == {"number": "OG-100007", "status": "PLACED", "code": "card_declined"}


@pytest.mark.parametrize(
    ("status", "payment", "payable"),
    [
        (OrderStatus.PLACED, PaymentStatus.PENDING, True),
        (OrderStatus.PLACED, PaymentStatus.FAILED, True),
        (OrderStatus.PLACED, PaymentStatus.AUTHORIZED, False),
        (OrderStatus.CONFIRMED, PaymentStatus.PENDING, False),
        (OrderStatus.CANCELLED, PaymentStatus.PENDING, False),
    ],
)
def test_only_a_placed_order_without_a_secured_payment_can_take_one(
    status: OrderStatus, payment: PaymentStatus, payable: bool
) -> None:
    order = make_order(status)
    order.payment_status = payment
    assert order.can_take_payment() is payable


def test_capturing_an_authorization_marks_the_order_paid() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.payment_status = PaymentStatus.AUTHORIZED
    order.mark_captured(LATER, "staff:ann")
    assert order.payment_status is PaymentStatus.PAID
    [event] = order.pending_events
    assert event.type == "order.payment_captured"
    assert event.payload == {"number": "OG-100007", "status": "CONFIRMED", "final": True}


def test_a_shipments_part_of_an_authorization_is_a_partial_capture_until_the_last() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.payment_status = PaymentStatus.AUTHORIZED
    seen = []
    for final in (False, False, True):
        order.mark_captured(LATER, "system", final=final)
        seen.append(order.payment_status)
    assert seen == [
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.PAID,
    ]
    assert [e.payload["final"] for e in order.pending_events] == [False, False, True]


CAPTURABLE = {
    PaymentStatus.AUTHORIZED,
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
}


@pytest.mark.parametrize("payment", [s for s in PaymentStatus if s not in CAPTURABLE])
def test_only_an_authorized_payment_can_be_captured(payment: PaymentStatus) -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.payment_status = payment
    with pytest.raises(OrderNotPayable):
        order.mark_captured(LATER, "staff:ann")
    assert order.payment_status is payment


def test_a_later_payment_change_is_recorded_with_its_new_status() -> None:
    order = make_order(OrderStatus.CANCELLED)
    order.payment_status = PaymentStatus.AUTHORIZED
    order.set_payment_status(PaymentStatus.VOIDED, LATER, "system")
    assert order.payment_status is PaymentStatus.VOIDED
    [event] = order.pending_events
    assert event.type == "order.payment_updated"
    assert event.payload == {
        "number": "OG-100007",
        "status": "CANCELLED",
        "paymentStatus": "VOIDED",
    }


def test_events_need_a_stored_order() -> None:
    order = make_order()
    order.id = None
    with pytest.raises(AssertionError):
        order.cancel("no id yet", LATER, "staff:ann")


# holds


def test_placing_a_hold_records_it_and_an_event_by_its_creator() -> None:
    order = make_order()
    order.place_hold(hold(), LATER)
    assert [h.type for h in order.active_holds] == [HoldType.FRAUD_REVIEW]
    assert (order.updated_at, order.version) == (LATER, 2)
    [event] = order.pending_events
    assert (event.type, event.actor) == ("order.hold_placed", "staff:ann")
    assert event.payload == {"number": "OG-100007", "status": "PLACED", "holdType": "FRAUD_REVIEW"}


def test_a_second_active_hold_of_the_same_type_is_refused() -> None:
    order = make_order()
    order.place_hold(hold(), LATER)
    with pytest.raises(InvalidInput) as caught:
        order.place_hold(hold(), LATER)
    assert (caught.value.code, caught.value.field) == ("DUPLICATE", ("type",))
    assert len(order.holds) == 1


def test_holds_of_different_types_can_be_active_together() -> None:
    order = make_order()
    order.place_hold(hold(HoldType.FRAUD_REVIEW), LATER)
    order.place_hold(hold(HoldType.ADDRESS_VERIFICATION), LATER)
    assert {h.type for h in order.active_holds} == {
        HoldType.FRAUD_REVIEW,
        HoldType.ADDRESS_VERIFICATION,
    }


def test_releasing_a_hold_stamps_it_and_records_an_event() -> None:
    order = make_order()
    order.place_hold(hold(), DEFAULT_NOW)
    released = order.release_hold(HoldType.FRAUD_REVIEW, LATER, "staff:bob")
    assert (released.released_at, released.released_by) == (LATER, "staff:bob")
    assert not released.active
    assert order.active_holds == []
    assert [e.type for e in order.pending_events] == ["order.hold_placed", "order.hold_released"]
    assert order.pending_events[1].actor == "staff:bob"
    assert order.pending_events[1].payload["holdType"] == "FRAUD_REVIEW"


def test_a_released_hold_type_can_be_placed_again() -> None:
    order = make_order()
    order.place_hold(hold(), DEFAULT_NOW)
    order.release_hold(HoldType.FRAUD_REVIEW, LATER, "staff:bob")
    order.place_hold(hold(), LATER)
    assert len(order.holds) == 2
    assert len(order.active_holds) == 1


def test_releasing_a_hold_that_is_not_active_is_not_found() -> None:
    order = make_order()
    order.place_hold(hold(HoldType.FRAUD_REVIEW), DEFAULT_NOW)
    with pytest.raises(InvalidInput) as caught:
        order.release_hold(HoldType.STOCK_ISSUE, LATER, "staff:bob")
    assert (caught.value.code, caught.value.field) == ("NOT_FOUND", ("type",))
    assert len(order.active_holds) == 1


@pytest.mark.parametrize(
    "status", [OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]
)
def test_a_finished_order_cannot_be_put_on_hold(status: OrderStatus) -> None:
    order = make_order(status)
    with pytest.raises(IllegalTransition):
        order.place_hold(hold(), LATER)
    assert order.holds == []


def test_an_order_on_hold_says_which_holds_block_it() -> None:
    order = make_order()
    order.ensure_not_on_hold()
    order.place_hold(hold(HoldType.PAYMENT_REVIEW), LATER)
    with pytest.raises(OrderOnHold, match="PAYMENT_REVIEW") as caught:
        order.ensure_not_on_hold()
    assert caught.value.code == "ORDER_ON_HOLD"


def test_out_of_stock_lists_every_short_sku() -> None:
    error = OutOfStock({"TEE": 3, "MUG": 1})
    assert error.shortfall == {"TEE": 3, "MUG": 1}
    assert error.field == ("lines",)
    assert error.message == "not enough stock: MUG short by 1, TEE short by 3"
