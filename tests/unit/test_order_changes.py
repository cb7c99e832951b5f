"""The pure change-set rules: what each change does to the lines, and what it refuses."""

from __future__ import annotations

import pytest

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import DomainError
from ordergraph.domain.order_changes import (
    AddLine,
    Change,
    LineState,
    MoneyAction,
    RemoveLine,
    SetQuantity,
    SetShippingAddress,
    cancellation_changes,
    money_action,
    plan_changes,
)
from ordergraph.domain.orders import PaymentStatus

LINES = [LineState(1, "A", 3), LineState(2, "B", 2, locked=1, shipped=1)]


def code_of(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


def test_changes_become_quantities_before_and_after() -> None:
    plan = plan_changes(LINES, [SetQuantity(1, 1), AddLine("C", 4), AddLine("B", 1)])
    assert [(p.sku, p.before, p.after) for p in plan.lines] == [
        ("A", 3, 1),
        ("B", 2, 3),
        ("C", 0, 4),
    ]
    assert [line.delta for line in plan.changed] == [-2, 1, 4]


def test_a_line_cannot_go_below_its_picked_units() -> None:
    with pytest.raises(DomainError) as excinfo:
        plan_changes(LINES, [RemoveLine(2)])
    assert code_of(excinfo) == "LINE_NOT_EDITABLE"
    assert plan_changes(LINES, [SetQuantity(2, 1)]).lines[1].after == 1


def test_refusals_have_codes() -> None:
    cases: list[tuple[list[Change], str]] = [
        ([], "REQUIRED"),
        ([SetQuantity(9, 1)], "NOT_FOUND"),
        ([SetQuantity(1, 2), RemoveLine(1)], "DUPLICATE"),
        ([SetQuantity(1, 3)], "NOTHING_TO_CHANGE"),
        ([SetQuantity(1, 10_001)], "INVALID_QUANTITY"),
        ([AddLine("C", 0)], "INVALID_QUANTITY"),
    ]
    for changes, code in cases:
        with pytest.raises(DomainError) as excinfo:
            plan_changes(LINES, changes)
        assert code_of(excinfo) == code, changes


def test_removing_every_unit_is_a_cancellation_not_an_edit() -> None:
    with pytest.raises(DomainError) as excinfo:
        plan_changes([LineState(1, "A", 3)], [RemoveLine(1)])
    assert code_of(excinfo) == "ORDER_WOULD_BE_EMPTY"


def test_the_address_cannot_change_once_anything_is_picked() -> None:
    address = Address.create(
        name="Ada",
        line1="1 Way",
        line2=None,
        city="Berlin",
        region=None,
        postal_code="10115",
        country_code="DE",
        phone=None,
    )
    with pytest.raises(DomainError) as excinfo:
        plan_changes(LINES, [SetShippingAddress(address)])
    assert code_of(excinfo) == "LINE_NOT_EDITABLE"
    plan = plan_changes([LineState(1, "A", 3)], [SetShippingAddress(address)])
    assert plan.address == address
    assert plan.changed == ()


def test_cancelling_the_last_open_units_of_a_partly_shipped_order_ships_it() -> None:
    changes = cancellation_changes(LINES, [(1, 3), (2, 1)])
    plan = plan_changes(LINES, changes)
    assert [p.after for p in plan.lines] == [0, 1]
    assert plan.everything_shipped
    with pytest.raises(DomainError) as excinfo:
        cancellation_changes(LINES, [(2, 2)])
    assert code_of(excinfo) == "LINE_NOT_EDITABLE"


@pytest.mark.parametrize(
    ("status", "difference", "action"),
    [
        (PaymentStatus.PENDING, 500, MoneyAction.NONE),
        (PaymentStatus.AUTHORIZED, 500, MoneyAction.AUTHORIZE),
        (PaymentStatus.AUTHORIZED, -500, MoneyAction.CAPTURE_LESS),
        (PaymentStatus.PARTIALLY_CAPTURED, 1, MoneyAction.AUTHORIZE),
        (PaymentStatus.PAID, 500, MoneyAction.CHARGE),
        (PaymentStatus.PAID, -500, MoneyAction.REFUND),
        (PaymentStatus.PARTIALLY_REFUNDED, -1, MoneyAction.REFUND),
        (PaymentStatus.PAID, 0, MoneyAction.NONE),
    ],
)
def test_money_follows_the_payment_status(
    status: PaymentStatus, difference: int, action: MoneyAction
) -> None:
    assert money_action(status, difference) is action
