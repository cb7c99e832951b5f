"""Exchange terms: the returned units' value, the new lines, the money and the hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.exchanges import (
    ExchangeSettlement,
    NewLine,
    check_new_lines,
    check_return_lines,
    exchange_terms,
    returned_value,
)
from ordergraph.domain.money import Money
from ordergraph.domain.refunds import RefundRequest, calculate_refund
from ordergraph.domain.returns import RequestedReturnLine, Returnable, ReturnNotAllowed
from ordergraph.domain.returns import ReturnReason as R
from tests.unit.fakes import DEFAULT_NOW
from tests.unit.test_refund_calculator import eur, make_order


def test_returned_value_is_what_a_refund_of_the_same_units_gives_back() -> None:
    order = make_order([(10, 3), (1001, 3)])
    wanted = [RequestedReturnLine(2, 2, R.SIZE_FIT), RequestedReturnLine(1, 1, R.SIZE_FIT)]
    refund = calculate_refund(
        order, RefundRequest(lines={2: 2, 1: 1}), captured=order.total, previous=[]
    )
    assert returned_value(order, wanted, {}) == refund.total
    assert returned_value(order, wanted, {}) == eur(3003 * 2 // 3 + 10)  # shares of the charge


def test_returned_value_counts_units_already_refunded() -> None:
    order = make_order([(1001, 3)])
    first = returned_value(order, [RequestedReturnLine(1, 1, R.OTHER)], {})
    rest = returned_value(order, [RequestedReturnLine(1, 2, R.OTHER)], {1: 1})
    assert first + rest == eur(3003)  # in parts, exactly what the line was charged


def test_returned_value_refuses_a_line_of_another_order() -> None:
    with pytest.raises(InvalidInput) as caught:
        returned_value(make_order(), [RequestedReturnLine(99, 1, R.OTHER)], {})
    assert caught.value.field == ("returnLines", "0", "orderLineId")


@pytest.mark.parametrize(
    ("new", "settlement", "minor"),
    [
        (5000, ExchangeSettlement.CHARGE, 1000),
        (3000, ExchangeSettlement.REFUND_ON_RECEIPT, -1000),
        (4000, ExchangeSettlement.NONE, 0),
    ],
)
def test_the_difference_decides_how_money_moves(
    new: int, settlement: ExchangeSettlement, minor: int
) -> None:
    terms = exchange_terms(eur(4000), eur(new), ship_before_return_received=False)
    assert terms.settlement is settlement
    assert terms.difference == eur(minor)


def test_the_replacement_waits_for_the_return_unless_asked_to_ship_first() -> None:
    assert exchange_terms(eur(1), eur(1), ship_before_return_received=False).hold_replacement
    assert not exchange_terms(eur(1), eur(1), ship_before_return_received=True).hold_replacement


def test_terms_refuse_another_currency() -> None:
    with pytest.raises(InvalidInput) as caught:
        exchange_terms(eur(1), Money(1, "USD"), ship_before_return_received=True)
    assert caught.value.code == "INVALID_CURRENCY"


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        ([], "REQUIRED", ("newLines",)),
        ([NewLine("TEE-M", 0)], "INVALID_QUANTITY", ("newLines", "0", "quantity")),
        ([NewLine("TEE-M", 1), NewLine("TEE-M", 2)], "DUPLICATE", ("newLines", "1", "sku")),
        ([NewLine(f"S{i}", 1) for i in range(51)], "TOO_MANY_LINES", ("newLines",)),
    ],
)
def test_bad_new_lines_are_refused(lines: list[NewLine], code: str, field: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_new_lines(lines)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_good_new_lines_pass() -> None:
    check_new_lines([NewLine("TEE-M", 1), NewLine("TEE-L", 2)])


def test_return_lines_follow_the_return_policy_with_errors_under_return_lines() -> None:
    returnable = {
        1: Returnable(1, "TEE", 2, 1, True, DEFAULT_NOW + timedelta(days=3)),
        2: Returnable(2, "MUG", 0, 0, True, None),
    }
    check_return_lines([RequestedReturnLine(1, 1, R.SIZE_FIT)], returnable, DEFAULT_NOW)
    with pytest.raises(ReturnNotAllowed) as too_many:
        check_return_lines([RequestedReturnLine(1, 2, R.SIZE_FIT)], returnable, DEFAULT_NOW)
    assert too_many.value.code == "RETURN_QUANTITY_EXCEEDED"
    assert too_many.value.field == ("returnLines", "0", "quantity")
    with pytest.raises(ReturnNotAllowed) as undelivered:
        check_return_lines([RequestedReturnLine(2, 1, R.SIZE_FIT)], returnable, DEFAULT_NOW)
    assert undelivered.value.code == "NOT_DELIVERED"
    assert undelivered.value.field == ("returnLines", "0", "orderLineId")
