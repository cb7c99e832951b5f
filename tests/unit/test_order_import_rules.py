"""The rules an order import must meet (domain/channels.py), and who took an order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordergraph.domain.channels import (
    ImportTerms,
    RawImportLine,
    RawMoney,
    check_import,
    clean_source,
    sales_rep_for,
)
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.orders import Channel, OrderStatus, PaymentStatus
from ordergraph.domain.principals import Principal, Role, scopes_for
from tests.unit.fakes import DEFAULT_NOW

NOW = DEFAULT_NOW
DESK = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="desk")
SHOPFRONT = Principal(role=Role.STOREFRONT, scopes=scopes_for(Role.STOREFRONT, None), name="web")


def eur(amount: str) -> RawMoney:
    return RawMoney(amount, "EUR")


def terms(**changes: Any) -> ImportTerms:
    values: dict[str, Any] = {
        "source": "amazon",
        "external_id": "111-222",
        "lines": [
            RawImportLine("TEE", 2, eur("9.99")),
            RawImportLine("MUG", 1, eur("5.00")),
        ],
        "shipping_total": eur("4.50"),
        "paid_amount": None,
        "already_fulfilled": False,
        "placed_at": None,
        "now": NOW,
    }
    values.update(changes)
    return check_import(**values)


def refusal(**changes: Any) -> tuple[str, tuple[str, ...] | None]:
    with pytest.raises(InvalidInput) as caught:
        terms(**changes)
    return caught.value.code, caught.value.field


def test_totals_use_the_channels_prices_and_shipping() -> None:
    checked = terms()
    assert str(checked.total.amount) == "29.48"
    assert checked.currency == "EUR"
    assert checked.demand == {"TEE": 2, "MUG": 1}


def test_nothing_paid_is_pending_and_the_whole_total_is_paid() -> None:
    assert terms().payment_status is PaymentStatus.PENDING
    assert terms(paid_amount=eur("29.48")).payment_status is PaymentStatus.PAID


def test_a_free_order_counts_as_paid() -> None:
    free = terms(lines=[RawImportLine("TEE", 1, eur("0"))], shipping_total=None)
    assert free.payment_status is PaymentStatus.PAID


def test_goods_handed_over_make_a_delivered_order_and_others_start_placed() -> None:
    assert terms(already_fulfilled=True).status is OrderStatus.DELIVERED
    assert terms().status is OrderStatus.PLACED


def test_paying_more_than_the_total_is_refused() -> None:
    assert refusal(paid_amount=eur("30.00")) == ("INVALID_AMOUNT", ("paidAmount", "amount"))


def test_a_partial_payment_is_refused_for_now() -> None:
    assert refusal(paid_amount=eur("10.00")) == ("INVALID_AMOUNT", ("paidAmount", "amount"))


def test_every_amount_must_be_in_the_currency_of_the_first_line() -> None:
    mixed = [RawImportLine("TEE", 1, eur("1")), RawImportLine("MUG", 1, RawMoney("1", "USD"))]
    assert refusal(lines=mixed) == ("MIXED_CURRENCY", ("lines", "1", "unitPrice", "currency"))
    assert refusal(shipping_total=RawMoney("1", "USD"))[0] == "MIXED_CURRENCY"
    assert refusal(paid_amount=RawMoney("1", "GBP"))[0] == "MIXED_CURRENCY"


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
def test_quantities_must_be_positive_and_bounded(quantity: int) -> None:
    lines = [RawImportLine("TEE", quantity, eur("1"))]
    assert refusal(lines=lines) == ("INVALID_QUANTITY", ("lines", "0", "quantity"))


def test_prices_and_shipping_must_not_be_negative() -> None:
    lines = [RawImportLine("TEE", 1, eur("-0.01"))]
    assert refusal(lines=lines) == ("INVALID_AMOUNT", ("lines", "0", "unitPrice", "amount"))
    assert refusal(shipping_total=eur("-1")) == ("INVALID_AMOUNT", ("shippingTotal", "amount"))


def test_a_sku_appears_once() -> None:
    twice = [RawImportLine("TEE", 1, eur("1")), RawImportLine("TEE", 2, eur("1"))]
    assert refusal(lines=twice) == ("DUPLICATE", ("lines", "1", "sku"))


def test_an_import_needs_lines() -> None:
    assert refusal(lines=[]) == ("REQUIRED", ("lines",))


def test_placed_at_may_not_lie_in_the_future_beyond_clock_skew() -> None:
    assert terms(placed_at=NOW + timedelta(minutes=4)).placed_at is not None
    assert refusal(placed_at=NOW + timedelta(hours=1)) == ("INVALID", ("placedAt",))
    assert refusal(placed_at=NOW.replace(tzinfo=None)) == ("INVALID", ("placedAt",))


def test_sources_are_lower_case_names() -> None:
    assert clean_source(" POS-Amsterdam ") == "pos-amsterdam"
    assert clean_source("partner:acme") == "partner:acme"
    with pytest.raises(InvalidInput):
        clean_source("two words")


def test_external_ids_are_required_text() -> None:
    assert refusal(external_id="  ") == ("REQUIRED", ("externalId",))
    assert refusal(external_id="x" * 201) == ("TOO_LONG", ("externalId",))


def test_phone_and_sales_rep_orders_by_staff_default_to_that_staff_member() -> None:
    assert sales_rep_for(Channel.PHONE, DESK, None) == "desk"
    assert sales_rep_for(Channel.SALES_REP, DESK, None) == "desk"
    assert sales_rep_for(Channel.PHONE, DESK, " Kim ") == "Kim"


def test_other_channels_and_non_staff_callers_get_no_default_sales_rep() -> None:
    assert sales_rep_for(Channel.WEB, DESK, None) is None
    assert sales_rep_for(Channel.PHONE, SHOPFRONT, None) is None
    assert sales_rep_for(Channel.WEB, SHOPFRONT, "Kim") == "Kim"
