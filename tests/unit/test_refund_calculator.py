"""The refund calculator: exact money, never more than was captured, shipping only once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, Order, OrderLine, OrderStatus, PaymentStatus
from ordergraph.domain.refunds import (
    Refund,
    RefundBreakdown,
    RefundLine,
    RefundNotPossible,
    RefundRequest,
    RefundStatus,
    calculate_refund,
)
from tests.unit.fakes import DEFAULT_NOW


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


ZERO = eur(0)


def make_order(
    lines: list[tuple[int, int]] | None = None, *, shipping: int = 495, currency: str = "EUR"
) -> Order:
    """Lines as (unit price in minor units, quantity), with ids 1, 2, …; by default three
    stickers at 0.10 and two tees at 19.99, shipping 4.95."""
    priced = lines if lines is not None else [(10, 3), (1999, 2)]
    return Order(
        id=7,
        number="OG-100007",
        status=OrderStatus.DELIVERED,
        payment_status=PaymentStatus.PAID,
        channel=Channel.WEB,
        customer_id=None,
        email="ann@example.com",
        contact_name="Ann",
        phone=None,
        currency=currency,
        lines=[
            OrderLine(i, f"SKU{i}", f"Item {i}", quantity, Money(price, currency))
            for i, (price, quantity) in enumerate(priced, start=1)
        ],
        shipping_total=Money(shipping, currency),
        shipping_address=Address("Ann", "Main 1", None, "Amsterdam", "EU-WEST", "1011", "NL", None),
        placed_by="storefront:shop",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


def previous(
    status: RefundStatus,
    *,
    lines: dict[int, tuple[int, int]] | None = None,
    shipping: int = 0,
    appeasement: int = 0,
) -> Refund:
    """An earlier refund: lines as order line id → (units, amount in minor units)."""
    refund_lines = tuple(
        RefundLine(i, units, eur(amount)) for i, (units, amount) in (lines or {}).items()
    )
    total = sum(x.amount.minor_units for x in refund_lines) + shipping + appeasement
    return Refund(
        id=None,
        order_id=7,
        return_id=None,
        status=status,
        reason=None,
        breakdown=RefundBreakdown(
            refund_lines, eur(shipping), eur(appeasement), ZERO, eur(total), eur(10**9)
        ),
        created_at=DEFAULT_NOW,
        created_by="admin:ops",
    )


def refund(
    order: Order,
    *,
    lines: dict[int, int] | None = None,
    shipping: bool = False,
    appeasement: Money | None = None,
    everything: bool = False,
    captured: int | None = None,
    before: list[Refund] | None = None,
) -> RefundBreakdown:
    return calculate_refund(
        order,
        RefundRequest(lines or {}, shipping, appeasement, everything),
        captured=eur(captured) if captured is not None else order.total,
        previous=before or [],
    )


def parts(breakdown: RefundBreakdown) -> int:
    return (
        sum(x.amount.minor_units for x in breakdown.lines)
        + breakdown.shipping.minor_units
        + breakdown.appeasement.minor_units
        + breakdown.adjustment.minor_units
    )


# exact money


def test_three_units_at_ten_cents_refund_exactly_thirty_cents() -> None:
    breakdown = refund(make_order(), lines={1: 3})
    assert breakdown.lines == (RefundLine(1, 3, eur(30)),)
    assert breakdown.total == eur(30)
    assert breakdown.total.amount == Decimal("0.30")
    assert (breakdown.shipping, breakdown.appeasement, breakdown.adjustment) == (ZERO, ZERO, ZERO)


def test_mixed_lines_and_shipping_add_up_to_the_cent() -> None:
    order = make_order()
    breakdown = refund(order, lines={1: 3, 2: 2}, shipping=True)
    assert [(x.order_line_id, x.quantity, x.amount.amount) for x in breakdown.lines] == [
        (1, 3, Decimal("0.30")),
        (2, 2, Decimal("39.98")),
    ]
    assert breakdown.shipping.amount == Decimal("4.95")
    assert breakdown.total.amount == Decimal("45.23")
    assert breakdown.total == order.total
    assert breakdown.refundable_before == order.total


def test_lines_with_no_units_are_left_out_of_the_breakdown() -> None:
    breakdown = refund(make_order(), lines={1: 0, 2: 1})
    assert breakdown.lines == (RefundLine(2, 1, eur(1999)),)


ORDER_LINES = st.lists(
    st.tuples(st.integers(0, 500_000), st.integers(1, 50)), min_size=1, max_size=5
)


@settings(database=None, max_examples=200)
@given(
    priced=ORDER_LINES,
    shipping=st.integers(0, 5_000),
    data=st.data(),
)
def test_the_breakdown_total_is_the_sum_of_its_parts_and_never_exceeds_what_is_left(
    priced: list[tuple[int, int]], shipping: int, data: st.DataObject
) -> None:
    order = make_order(priced, shipping=shipping)
    total = order.total.minor_units
    captured = data.draw(st.integers(0, total + 1_000), label="captured")
    earlier = data.draw(st.integers(0, captured), label="earlier appeasement")
    before = [previous(RefundStatus.SUCCEEDED, appeasement=earlier)] if earlier else []
    units = {
        i: data.draw(st.integers(0, quantity), label=f"units of line {i}")
        for i, (_, quantity) in enumerate(priced, start=1)
    }
    with_shipping = data.draw(st.booleans(), label="shipping")
    appeasement = data.draw(st.integers(0, 10_000), label="appeasement")
    everything = data.draw(st.booleans(), label="everything")
    asked = (
        sum(price * units[i] for i, (price, _) in enumerate(priced, start=1))
        + (shipping if with_shipping else 0)
        + appeasement
    )
    if everything:  # every unit and the shipping, whatever was asked
        asked = total + appeasement
    left = captured - earlier

    def attempt() -> RefundBreakdown:
        return refund(
            order,
            lines=units,
            shipping=with_shipping,
            appeasement=eur(appeasement),
            everything=everything,
            captured=captured,
            before=before,
        )

    refusal = (
        "NOTHING_TO_REFUND"
        if asked == 0 or (everything and left == 0)
        else ("REFUND_EXCEEDS_CAPTURED" if not everything and asked > left else None)
    )
    if refusal is not None:
        with pytest.raises(RefundNotPossible) as caught:
            attempt()
        assert caught.value.code == refusal
        return
    breakdown = attempt()
    assert breakdown.total.minor_units == parts(breakdown)
    assert 0 < breakdown.total.minor_units <= breakdown.refundable_before.minor_units
    assert breakdown.refundable_before == eur(left)
    assert breakdown.adjustment.minor_units <= 0
    assert breakdown.total == eur(min(asked, left) if everything else asked)
    if not everything:
        assert breakdown.adjustment == ZERO


# never more than was paid


def test_pending_and_succeeded_refunds_use_up_the_capture_but_failed_ones_do_not() -> None:
    order = make_order()  # 45.23
    before = [
        previous(RefundStatus.SUCCEEDED, appeasement=2000),
        previous(RefundStatus.PENDING, appeasement=1523),
        previous(RefundStatus.FAILED, appeasement=4000),
    ]
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, appeasement=eur(1001), before=before)
    assert caught.value.code == "REFUND_EXCEEDS_CAPTURED"
    breakdown = refund(order, appeasement=eur(1000), before=before)
    assert (breakdown.total, breakdown.refundable_before) == (eur(1000), eur(1000))


def test_nothing_can_be_refunded_once_everything_captured_was_refunded() -> None:
    order = make_order()
    before = [previous(RefundStatus.SUCCEEDED, appeasement=order.total.minor_units)]
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, appeasement=eur(1), before=before)
    assert caught.value.code == "REFUND_EXCEEDS_CAPTURED"
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, everything=True, before=before)
    assert caught.value.code == "NOTHING_TO_REFUND"


def test_a_partial_capture_limits_the_refund_to_what_was_captured() -> None:
    order = make_order()
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, lines={2: 2}, captured=3000)
    assert caught.value.code == "REFUND_EXCEEDS_CAPTURED"
    assert refund(order, lines={2: 1}, captured=3000).total == eur(1999)


def test_an_empty_request_has_nothing_to_refund() -> None:
    with pytest.raises(RefundNotPossible) as caught:
        refund(make_order())
    assert caught.value.code == "NOTHING_TO_REFUND"


def test_units_per_line_never_exceed_those_ordered_minus_those_refunded() -> None:
    order = make_order()
    before = [
        previous(RefundStatus.SUCCEEDED, lines={1: (2, 20)}),
        previous(RefundStatus.FAILED, lines={2: (2, 3998)}),
    ]
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, lines={2: 1, 1: 2}, before=before)
    assert (caught.value.code, caught.value.field) == (
        "REFUND_QUANTITY_EXCEEDED",
        ("lines", "1", "quantity"),
    )
    # the failed refund's units are still there to refund
    breakdown = refund(order, lines={2: 2, 1: 1}, before=before)
    assert breakdown.lines == (RefundLine(2, 2, eur(3998)), RefundLine(1, 1, eur(10)))


def test_more_units_than_ordered_or_negative_units_are_refused() -> None:
    for units in (4, -1):
        with pytest.raises(RefundNotPossible) as caught:
            refund(make_order(), lines={1: units})
        assert (caught.value.code, caught.value.field) == (
            "REFUND_QUANTITY_EXCEEDED",
            ("lines", "0", "quantity"),
        )


def test_a_line_of_another_order_is_not_found() -> None:
    with pytest.raises(InvalidInput) as caught:
        refund(make_order(), lines={1: 1, 9: 1})
    assert (caught.value.code, caught.value.field) == ("NOT_FOUND", ("lines", "1", "orderLineId"))


def test_shipping_is_refunded_only_once() -> None:
    order = make_order()
    before = [previous(RefundStatus.SUCCEEDED, shipping=495)]
    again = refund(order, lines={1: 1}, shipping=True, before=before)
    assert (again.shipping, again.total) == (ZERO, eur(10))
    with pytest.raises(RefundNotPossible) as caught:
        refund(order, shipping=True, before=before)
    assert caught.value.code == "NOTHING_TO_REFUND"
    # a failed shipping refund did not pay it back
    failed = [previous(RefundStatus.FAILED, shipping=495)]
    assert refund(order, shipping=True, before=failed).shipping == eur(495)


# appeasements


def test_an_appeasement_is_added_on_top_of_the_lines() -> None:
    breakdown = refund(make_order(), lines={1: 1}, appeasement=eur(250))
    assert (breakdown.appeasement, breakdown.total) == (eur(250), eur(260))


def test_an_appeasement_in_another_currency_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        refund(make_order(), appeasement=Money(500, "USD"))
    assert (caught.value.code, caught.value.field) == (
        "INVALID_CURRENCY",
        ("appeasement", "currency"),
    )


def test_a_negative_appeasement_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        refund(make_order(), lines={2: 1}, appeasement=eur(-500))
    assert (caught.value.code, caught.value.field) == ("INVALID_AMOUNT", ("appeasement", "amount"))


# everything (a cancelled order)


def test_everything_refunds_every_line_and_the_shipping() -> None:
    order = make_order()
    breakdown = refund(order, everything=True)
    assert breakdown.lines == (RefundLine(1, 3, eur(30)), RefundLine(2, 2, eur(3998)))
    assert (breakdown.shipping, breakdown.adjustment, breakdown.total) == (
        eur(495),
        ZERO,
        order.total,
    )


def test_everything_after_an_appeasement_adjusts_down_to_what_is_left() -> None:
    order = make_order()  # 45.23 captured
    before = [previous(RefundStatus.SUCCEEDED, appeasement=500)]
    breakdown = refund(order, everything=True, before=before)
    assert sum(x.amount.minor_units for x in breakdown.lines) + breakdown.shipping.minor_units == (
        order.total.minor_units
    )
    assert breakdown.adjustment == eur(-500)
    assert breakdown.total == breakdown.refundable_before == eur(4023)
    assert breakdown.total.minor_units == parts(breakdown)


def test_everything_after_a_line_refund_refunds_only_the_remaining_units() -> None:
    order = make_order()
    before = [previous(RefundStatus.SUCCEEDED, lines={2: (1, 1999)})]
    breakdown = refund(order, everything=True, before=before)
    assert breakdown.lines == (RefundLine(1, 3, eur(30)), RefundLine(2, 1, eur(1999)))
    assert (breakdown.adjustment, breakdown.total) == (ZERO, eur(30 + 1999 + 495))


def test_amounts_stay_in_the_currencys_minor_units() -> None:
    order = make_order([(1500, 3)], shipping=700, currency="JPY")
    breakdown = calculate_refund(
        order, RefundRequest({1: 2}), captured=Money(5200, "JPY"), previous=[]
    )
    assert breakdown.total == Money(3000, "JPY")
    assert breakdown.total.amount == Decimal("3000")
