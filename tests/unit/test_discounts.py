"""Discounts: validation with codes, why a discount is unusable, and the use cases on the fake
unit of work (create and update, the checkout lookup, taking and giving back uses)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordergraph.domain.discounts import (
    Discount,
    DiscountInvalid,
    DiscountKind,
    DiscountScope,
    customer_key,
    new_discount,
    unusable_reason,
)
from ordergraph.domain.errors import DomainError, Duplicate, Forbidden, VersionConflict
from ordergraph.domain.money import Money
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.services.discounts import (
    create_discount,
    discounts_for_checkout,
    give_back_uses,
    take_uses,
    update_discount,
)
from tests.unit.fakes import DEFAULT_NOW, FakeStore, FakeUnitOfWork, fake_deps

NOW = DEFAULT_NOW
PRICER = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.PRICING_WRITE})),
    name="pricing",
    token_id=3,
)
STAFF = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="ro", token_id=2)


def make(**overrides: Any) -> Discount:
    terms: dict[str, Any] = {
        "code": "save10",
        "name": "Save 10",
        "kind": DiscountKind.PERCENTAGE,
        "value": "10",
        "currency": None,
        "now": NOW,
    }
    return new_discount(**(terms | overrides))


def refusal(**overrides: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        make(**overrides)
    return caught.value


# --- validation ---------------------------------------------------------------------------


def test_a_code_is_stored_in_upper_case_and_a_percentage_without_trailing_zeros() -> None:
    discount = make(code="  summer-Sale_1 ", value="12.50")
    assert (discount.code, discount.value, discount.automatic) == (
        "SUMMER-SALE_1",
        Decimal("12.5"),
        False,
    )


def test_a_code_has_one_to_64_plain_characters() -> None:
    assert make(code="A" * 64).code == "A" * 64
    assert refusal(code="A" * 65).code == "TOO_LONG"
    assert refusal(code="   ").code == "REQUIRED"
    assert refusal(code="TEN OFF").field == ("code",)


@pytest.mark.parametrize("value", ["0", "-5", "100.01", "12.345", "abc", "NaN", "Infinity"])
def test_a_percentage_is_above_zero_and_at_most_100_with_two_places(value: str) -> None:
    error = refusal(value=value)
    assert (error.code, error.field) == ("DISCOUNT_INVALID", ("value",))


def test_a_percentage_of_exactly_100_is_allowed() -> None:
    assert make(value="100").value == Decimal(100)


def test_a_fixed_amount_needs_a_currency_and_its_precision() -> None:
    fixed = {"kind": DiscountKind.FIXED_AMOUNT}
    assert make(**fixed, value="5", currency="eur").value == Decimal("5.00")
    assert make(**fixed, value="500", currency="JPY").value == Decimal(500)
    assert refusal(**fixed, value="5").field == ("currency",)
    assert refusal(**fixed, value="5.5", currency="JPY").code == "DISCOUNT_INVALID"
    assert refusal(**fixed, value="0", currency="EUR").code == "DISCOUNT_INVALID"
    assert refusal(**fixed, value="5", currency="XXQ").code == "INVALID_CURRENCY"
    assert refusal(**fixed, value=None, currency="EUR").field == ("value",)


def test_free_shipping_has_no_value_and_covers_the_whole_order() -> None:
    free = make(kind=DiscountKind.FREE_SHIPPING, value=None)
    assert free.value == 0
    assert refusal(kind=DiscountKind.FREE_SHIPPING, value="5").field == ("value",)
    products = {"scope": DiscountScope.PRODUCTS, "skus": ["A"]}
    assert refusal(kind=DiscountKind.FREE_SHIPPING, value=None, **products).field == ("scope",)


def test_a_products_discount_needs_skus_or_groups_and_an_order_one_none() -> None:
    by_group = make(scope=DiscountScope.PRODUCTS, groups=["tees"])
    assert by_group.covers("TEE-M", "tees")
    assert not by_group.covers("MUG", None)
    assert refusal(scope=DiscountScope.PRODUCTS).field == ("skus",)
    assert refusal(skus=["TEE-M"]).field == ("scope",)
    assert refusal(scope=DiscountScope.PRODUCTS, skus=["ok", "bad sku"]).field == ("skus", "1")


def test_a_window_ends_after_it_starts_and_limits_are_at_least_one() -> None:
    assert refusal(starts_at=NOW, ends_at=NOW).field == ("endsAt",)
    assert refusal(starts_at=NOW.replace(tzinfo=None)).field == ("startsAt",)
    assert refusal(usage_limit=0).field == ("usageLimit",)
    assert refusal(per_customer_limit=-1).field == ("perCustomerLimit",)
    assert make(usage_limit=1, per_customer_limit=1).usage_limit == 1


def test_a_minimum_subtotal_sets_or_must_match_the_currency() -> None:
    assert make(minimum_subtotal=Money(5000, "USD")).currency == "USD"
    fixed = {"kind": DiscountKind.FIXED_AMOUNT, "value": "5", "currency": "EUR"}
    assert refusal(**fixed, minimum_subtotal=Money(5000, "USD")).field == (
        "minimumSubtotal",
        "currency",
    )
    assert refusal(minimum_subtotal=Money(0, "EUR")).code == "DISCOUNT_INVALID"


# --- unusable_reason ------------------------------------------------------------------------


def test_a_fresh_active_discount_is_usable() -> None:
    assert unusable_reason(make(), NOW, "EUR") is None


@pytest.mark.parametrize(
    ("overrides", "currency", "reason"),
    [
        ({"active": False}, "EUR", "is not active"),
        ({"starts_at": NOW + timedelta(seconds=1)}, "EUR", "has not started yet"),
        ({"ends_at": NOW}, "EUR", "has ended"),
        (
            {"kind": DiscountKind.FIXED_AMOUNT, "value": "5", "currency": "USD"},
            "EUR",
            "is in USD, not EUR",
        ),
        ({"minimum_subtotal": Money(100, "USD")}, "EUR", "has a minimum subtotal in USD"),
    ],
)
def test_why_a_discount_is_unusable(overrides: dict[str, Any], currency: str, reason: str) -> None:
    found = unusable_reason(make(**overrides), NOW, currency)
    assert found is not None
    assert found.startswith(reason)


def test_a_discount_whose_uses_are_all_taken_is_used_up() -> None:
    discount = make(usage_limit=2)
    discount.times_used = 2
    assert unusable_reason(discount, NOW, "EUR") == "has been used up"
    discount.times_used = 1
    assert unusable_reason(discount, NOW, "EUR") is None


def test_a_window_includes_its_start_and_excludes_its_end() -> None:
    discount = make(starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert unusable_reason(discount, NOW, "EUR") is None
    assert unusable_reason(discount, NOW + timedelta(hours=1), "EUR") == "has ended"


def test_a_customer_key_names_the_customer_else_the_lower_cased_email() -> None:
    assert customer_key(7, "A@B.example") == "customer:7"
    assert customer_key(None, " Ann@Example.COM ") == "email:ann@example.com"


# --- use cases ------------------------------------------------------------------------------


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


async def stored(store: FakeStore, **overrides: Any) -> Discount:
    terms: dict[str, Any] = {"code": "SAVE10", "name": "Save", "kind": DiscountKind.PERCENTAGE}
    terms |= {"value": "10"} | overrides
    return await create_discount(fake_deps(store), PRICER, **terms)


async def test_creating_needs_pricing_write_and_refuses_a_taken_code_in_any_case(
    store: FakeStore,
) -> None:
    with pytest.raises(Forbidden):
        await create_discount(
            fake_deps(store), STAFF, code="X", name="x", kind=DiscountKind.PERCENTAGE, value="5"
        )
    created = await stored(store, code="save10")
    assert created.id is not None
    assert store.state.discounts[created.id].code == "SAVE10"
    assert [e.type for e in store.state.outbox] == ["discount.created"]
    with pytest.raises(Duplicate):
        await stored(store, code="Save10")


async def test_updating_changes_terms_checks_the_version_and_keeps_the_window_valid(
    store: FakeStore,
) -> None:
    created = await stored(store, ends_at=NOW + timedelta(days=1))
    assert created.id is not None
    deps = fake_deps(store)
    updated = await update_discount(
        deps, PRICER, discount_id=created.id, expected_version=1, usage_limit=5, active=False
    )
    assert (updated.usage_limit, updated.active, updated.version) == (5, False, 2)
    with pytest.raises(VersionConflict):
        await update_discount(deps, PRICER, discount_id=created.id, expected_version=1)
    with pytest.raises(DiscountInvalid) as caught:
        await update_discount(
            deps, PRICER, discount_id=created.id, starts_at=NOW + timedelta(days=2)
        )
    assert caught.value.field == ("endsAt",)


async def test_checkout_finds_codes_in_any_case_once_plus_usable_automatic_ones(
    store: FakeStore,
) -> None:
    code = await stored(store, code="SAVE10")
    auto = await stored(store, code=None, name="Everyone 5 %", value="5")
    await stored(store, code=None, name="USD only", value="5", minimum_subtotal=("10", "USD"))
    await stored(store, code=None, name="Later", value="5", starts_at=NOW + timedelta(days=1))
    async with FakeUnitOfWork(store) as uow:
        found = await discounts_for_checkout(
            uow, codes=["save10", "SAVE10 "], currency="EUR", now=NOW
        )
    assert [d.id for d in found] == [code.id, auto.id]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["SAVE10", "NOPE"], "NOPE is not a discount code"),
        (["SAVE10", "not a code!"], "is not a discount code"),
        (["SAVE10", "OLD"], "OLD has ended"),
    ],
)
async def test_an_unknown_or_unusable_code_names_its_index_and_why(
    store: FakeStore, codes: list[str], message: str
) -> None:
    await stored(store, code="SAVE10")
    await stored(store, code="OLD", ends_at=NOW - timedelta(seconds=1), starts_at=None)
    async with FakeUnitOfWork(store) as uow:
        with pytest.raises(DiscountInvalid) as caught:
            await discounts_for_checkout(uow, codes=codes, currency="EUR", now=NOW)
    assert caught.value.field == ("discountCodes", "1")
    assert caught.value.message == message


async def test_uses_are_taken_within_the_limits_and_given_back_exactly_once(
    store: FakeStore,
) -> None:
    limited = await stored(store, usage_limit=2, per_customer_limit=1)
    assert limited.id is not None

    async def take(order_id: int, who: str) -> None:
        async with FakeUnitOfWork(store) as uow:
            await take_uses(uow, discounts=[limited], order_id=order_id, customer_key=who, now=NOW)
            await uow.commit()

    await take(1, "email:a@example.com")
    await take(1, "email:a@example.com")  # the same order again: nothing more is taken
    assert store.state.discounts[limited.id].times_used == 1
    with pytest.raises(DiscountInvalid, match="used up for this customer"):
        await take(2, "email:a@example.com")
    await take(3, "customer:9")
    with pytest.raises(DiscountInvalid, match="SAVE10 has been used up") as caught:
        await take(4, "customer:10")
    assert caught.value.field == ("discountCodes",)
    assert store.state.discounts[limited.id].times_used == 2
    async with FakeUnitOfWork(store) as uow:
        assert await give_back_uses(uow, order_id=3, now=NOW) == [limited.id]
        assert await give_back_uses(uow, order_id=3, now=NOW) == []
        await uow.commit()
    assert store.state.discounts[limited.id].times_used == 1
    await take(4, "customer:10")
    assert store.state.discounts[limited.id].times_used == 2
