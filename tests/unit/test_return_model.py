"""The return (RMA) aggregate: its lifecycle, receiving units, and the return policy."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.returns import (
    TRANSITIONS,
    IllegalReturnTransition,
    RequestedReturnLine,
    Return,
    Returnable,
    ReturnDisposition,
    ReturnLine,
    ReturnNotAllowed,
    ReturnPolicy,
    ReturnReason,
    ReturnStatus,
    check_return,
    window_end,
)
from tests.unit.fakes import DEFAULT_NOW

LATER = DEFAULT_NOW + timedelta(hours=2)
RESTOCK, DISCARD = ReturnDisposition.RESTOCK, ReturnDisposition.DISCARD


def make_return(status: ReturnStatus = ReturnStatus.REQUESTED) -> Return:
    """Two lines: 2 TEE (line 11, order line 1) and 1 MUG (line 12, order line 2)."""
    return Return(
        id=5,
        order_id=7,
        number="OG-100007-R1",
        status=status,
        lines=[
            ReturnLine(11, 1, "TEE", 2, ReturnReason.SIZE_FIT, None),
            ReturnLine(12, 2, "MUG", 1, ReturnReason.DAMAGED, "chipped"),
        ],
        note=None,
        requested_by="customer:ann",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


def move(rma: Return, wanted: ReturnStatus, now: datetime) -> None:
    """Ask the return to become ``wanted`` the way the use cases do."""
    if wanted is ReturnStatus.APPROVED:
        rma.approve(now)
    elif wanted is ReturnStatus.REJECTED:
        rma.reject("too late", now)
    elif wanted is ReturnStatus.RECEIVED:
        rma.receive({line.id or 0: (line.outstanding, RESTOCK) for line in rma.lines}, now)
    elif wanted is ReturnStatus.REFUNDED:
        rma.refunded(now)
    else:  # nothing moves a return back to REQUESTED
        raise AssertionError(wanted)


def counts(rma: Return) -> list[tuple[int, int, int]]:
    return [(x.received_quantity, x.restocked_quantity, x.discarded_quantity) for x in rma.lines]


# the lifecycle


def test_the_transition_table_is_the_documented_one() -> None:
    s = ReturnStatus
    assert dict(TRANSITIONS) == {
        s.REQUESTED: {s.APPROVED, s.REJECTED},
        s.APPROVED: {s.RECEIVED},
        s.REJECTED: set(),
        s.RECEIVED: {s.REFUNDED},
        s.REFUNDED: set(),
    }


LEGAL = [(a, b) for a in ReturnStatus for b in sorted(TRANSITIONS[a])]
ILLEGAL = [
    (a, b)
    for a in ReturnStatus
    for b in ReturnStatus
    if b is not ReturnStatus.REQUESTED and b not in TRANSITIONS[a]
]


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_moves_the_return_and_stamps_it(
    current: ReturnStatus, wanted: ReturnStatus
) -> None:
    rma = make_return(current)
    move(rma, wanted, LATER)
    assert (rma.status, rma.updated_at) == (wanted, LATER)
    stamped = {
        ReturnStatus.APPROVED: rma.decided_at,
        ReturnStatus.REJECTED: rma.decided_at,
        ReturnStatus.RECEIVED: rma.received_at,
        ReturnStatus.REFUNDED: rma.refunded_at,
    }
    assert stamped[wanted] == LATER


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(
    current: ReturnStatus, wanted: ReturnStatus
) -> None:
    rma = make_return(current)
    before = dataclasses.replace(rma, lines=[dataclasses.replace(x) for x in rma.lines])
    with pytest.raises(IllegalReturnTransition) as caught:
        move(rma, wanted, LATER)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert caught.value.field == ("returnId",)
    assert current.value in caught.value.message
    assert wanted.value in caught.value.message
    assert rma == before


def test_a_rejection_keeps_its_reason() -> None:
    rma = make_return()
    rma.reject("outside the policy", LATER)
    assert (rma.status, rma.rejection_reason, rma.decided_at) == (
        ReturnStatus.REJECTED,
        "outside the policy",
        LATER,
    )


# receiving


def test_partial_receipts_keep_the_return_approved_until_every_unit_arrived() -> None:
    rma = make_return(ReturnStatus.APPROVED)
    rma.receive({11: (1, RESTOCK)}, LATER)
    assert (rma.status, rma.received_at, rma.updated_at) == (ReturnStatus.APPROVED, None, LATER)
    assert [x.outstanding for x in rma.lines] == [1, 1]
    final = LATER + timedelta(days=1)
    rma.receive({12: (1, DISCARD)}, final - timedelta(hours=1))
    assert rma.status is ReturnStatus.APPROVED
    rma.receive({11: (1, DISCARD)}, final)
    assert (rma.status, rma.received_at, rma.updated_at) == (ReturnStatus.RECEIVED, final, final)
    assert counts(rma) == [(2, 1, 1), (1, 0, 1)]
    assert [x.outstanding for x in rma.lines] == [0, 0]


def test_one_receipt_with_every_line_receives_the_return_at_once() -> None:
    rma = make_return(ReturnStatus.APPROVED)
    rma.receive({11: (2, RESTOCK), 12: (1, RESTOCK)}, LATER)
    assert (rma.status, rma.received_at) == (ReturnStatus.RECEIVED, LATER)
    assert counts(rma) == [(2, 2, 0), (1, 1, 0)]


@pytest.mark.parametrize("units", [0, -1, 3])
def test_receiving_outside_one_to_what_is_outstanding_is_refused(units: int) -> None:
    rma = make_return(ReturnStatus.APPROVED)
    with pytest.raises(InvalidInput) as caught:
        rma.receive({12: (1, RESTOCK), 11: (units, RESTOCK)}, LATER)
    assert (caught.value.code, caught.value.field) == (
        "INVALID_QUANTITY",
        ("lines", "1", "quantity"),
    )
    # the valid first receipt was not applied either
    assert counts(rma) == [(0, 0, 0), (0, 0, 0)]
    assert (rma.status, rma.updated_at) == (ReturnStatus.APPROVED, DEFAULT_NOW)


def test_receiving_more_than_is_still_outstanding_after_a_partial_receipt_is_refused() -> None:
    rma = make_return(ReturnStatus.APPROVED)
    rma.receive({11: (1, RESTOCK)}, LATER)
    with pytest.raises(InvalidInput) as caught:
        rma.receive({11: (2, RESTOCK)}, LATER)
    assert caught.value.code == "INVALID_QUANTITY"
    assert "1 still expected" in caught.value.message
    assert counts(rma)[0] == (1, 1, 0)


def test_receiving_a_line_of_another_return_is_not_found() -> None:
    rma = make_return(ReturnStatus.APPROVED)
    with pytest.raises(InvalidInput) as caught:
        rma.receive({11: (1, RESTOCK), 99: (1, RESTOCK)}, LATER)
    assert (caught.value.code, caught.value.field) == (
        "NOT_FOUND",
        ("lines", "1", "returnLineId"),
    )
    assert counts(rma) == [(0, 0, 0), (0, 0, 0)]


@pytest.mark.parametrize(
    "status", [ReturnStatus.REQUESTED, ReturnStatus.REJECTED, ReturnStatus.RECEIVED]
)
def test_only_an_approved_return_can_receive_units(status: ReturnStatus) -> None:
    rma = make_return(status)
    with pytest.raises(IllegalReturnTransition):
        rma.receive({11: (1, RESTOCK)}, LATER)
    assert counts(rma) == [(0, 0, 0), (0, 0, 0)]


# the policy

DELIVERED_AT = DEFAULT_NOW
POLICY = ReturnPolicy()
WINDOW_END = window_end(DELIVERED_AT, POLICY)


def returnable(
    *,
    delivered: int = 3,
    already_returned: int = 0,
    returnable_product: bool = True,
    window_ends_at: datetime | None = WINDOW_END,
) -> dict[int, Returnable]:
    return {
        1: Returnable(1, "TEE", delivered, already_returned, returnable_product, window_ends_at),
        2: Returnable(2, "MUG", 1, 0, True, WINDOW_END),
    }


def line(order_line_id: int = 1, quantity: int = 1) -> RequestedReturnLine:
    return RequestedReturnLine(order_line_id, quantity, ReturnReason.NO_LONGER_NEEDED)


def refused(
    lines: list[RequestedReturnLine], info: dict[int, Returnable], now: datetime = DEFAULT_NOW
) -> tuple[str, tuple[str, ...] | None]:
    with pytest.raises((ReturnNotAllowed, InvalidInput)) as caught:
        check_return(lines, info, now)
    error = caught.value
    assert isinstance(error, ReturnNotAllowed | InvalidInput)
    return error.code, error.field


def test_the_default_policy_is_thirty_days_and_auto_approves_damaged_and_wrong_items() -> None:
    assert POLICY.window_days == 30
    assert POLICY.auto_approve == {ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM}
    assert DELIVERED_AT + timedelta(days=30) == WINDOW_END
    assert window_end(DELIVERED_AT, ReturnPolicy(window_days=14)) == DELIVERED_AT + timedelta(
        days=14
    )


def test_a_return_on_the_last_instant_of_the_window_is_allowed() -> None:
    check_return([line(1, 3), line(2, 1)], returnable(), WINDOW_END)


def test_a_return_one_second_after_the_window_closed_is_refused() -> None:
    late = WINDOW_END + timedelta(seconds=1)
    assert refused([line(2, 1), line(1, 1)], returnable(), late) == (
        "RETURN_WINDOW_CLOSED",
        ("lines", "0", "orderLineId"),
    )


def test_a_final_sale_product_cannot_be_returned() -> None:
    assert refused([line(2, 1), line(1, 1)], returnable(returnable_product=False)) == (
        "NOT_RETURNABLE",
        ("lines", "1", "orderLineId"),
    )


def test_units_not_yet_delivered_cannot_be_returned() -> None:
    assert refused([line(1, 1)], returnable(delivered=0, window_ends_at=None)) == (
        "NOT_DELIVERED",
        ("lines", "0", "orderLineId"),
    )


def test_at_most_the_delivered_units_not_already_returned_can_come_back() -> None:
    info = returnable(delivered=3, already_returned=1)
    check_return([line(1, 2)], info, DEFAULT_NOW)
    assert refused([line(1, 3)], info) == ("RETURN_QUANTITY_EXCEEDED", ("lines", "0", "quantity"))


def test_two_lines_for_the_same_order_line_count_together() -> None:
    info = returnable(delivered=3, already_returned=1)
    check_return([line(1, 1), line(2, 1), line(1, 1)], info, DEFAULT_NOW)
    assert refused([line(1, 1), line(2, 1), line(1, 2)], info) == (
        "RETURN_QUANTITY_EXCEEDED",
        ("lines", "2", "quantity"),
    )


def test_an_empty_return_is_required_to_have_lines() -> None:
    assert refused([], returnable()) == ("REQUIRED", ("lines",))


def test_more_than_250_lines_are_refused() -> None:
    many = [line(1, 1)] * 251
    assert refused(many, returnable(delivered=1000)) == ("TOO_MANY_LINES", ("lines",))


def test_a_line_of_another_order_is_not_found() -> None:
    assert refused([line(1, 1), line(3, 1)], returnable()) == (
        "NOT_FOUND",
        ("lines", "1", "orderLineId"),
    )


@pytest.mark.parametrize("quantity", [0, -2])
def test_a_quantity_below_one_is_invalid(quantity: int) -> None:
    assert refused([line(1, quantity)], returnable()) == (
        "INVALID_QUANTITY",
        ("lines", "0", "quantity"),
    )
