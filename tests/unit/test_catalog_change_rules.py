"""Domain rules for changing and retiring products, warehouses and customers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.catalog import (
    Product,
    ProductNotSellable,
    ProductStatus,
    Warehouse,
    clean_attributes,
    clean_group,
)
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.errors import InvalidInput, VersionConflict, check_version
from ordergraph.domain.money import Money
from ordergraph.domain.routing import Destination, plan_routing
from tests.unit.fakes import DEFAULT_NOW

LATER = DEFAULT_NOW + timedelta(hours=1)


def product() -> Product:
    made = Product.create(
        sku="TEE-M",
        name="Tee",
        price=Money(1999, "EUR"),
        weight_grams=300,
        allow_backorder=False,
        now=DEFAULT_NOW,
    )
    made.id = 1
    return made


def warehouse(warehouse_id: int = 1, region: str = "EU-WEST", priority: int = 10) -> Warehouse:
    made = Warehouse.create(
        code=f"W{warehouse_id}",
        name=f"Warehouse {warehouse_id}",
        region=region,
        country_code="NL",
        priority=priority,
        now=DEFAULT_NOW,
    )
    made.id = warehouse_id
    return made


def customer() -> Customer:
    address = Address.create(
        name="Ann",
        line1="Damrak 1",
        line2=None,
        city="Amsterdam",
        region="EU-WEST",
        postal_code="1012 LG",
        country_code="NL",
        phone=None,
    )
    made = Customer.create(
        email="ann@example.com", name="Ann", phone=None, address=address, now=DEFAULT_NOW
    )
    made.id = 7
    made.email_verified_at = DEFAULT_NOW
    return made


# versions


def test_an_absent_or_matching_expected_version_passes() -> None:
    check_version(None, 3, "product")
    check_version(3, 3, "product")


def test_a_stale_expected_version_is_a_conflict_carrying_the_current_version() -> None:
    with pytest.raises(VersionConflict) as caught:
        check_version(2, 3, "product")
    assert caught.value.code == "CONFLICT"
    assert caught.value.current_version == 3
    assert caught.value.field == ("expectedVersion",)
    assert "version 3" in caught.value.message


# products


def test_new_products_are_active_at_version_one_without_attributes() -> None:
    made = product()
    assert (made.version, made.status, made.attributes, made.group_handle) == (
        1,
        ProductStatus.ACTIVE,
        {},
        None,
    )
    assert made.sellable


def test_updating_a_product_changes_only_the_given_fields_and_bumps_the_version_once() -> None:
    made = product()
    changed = made.update(
        now=LATER,
        name=" Classic tee ",
        price=Money(2499, "EUR"),
        attributes=[("Size", "M"), ("colour", "red")],
        group="Classic-Tee",
    )
    assert changed == ["name", "price", "attributes", "group_handle"]
    assert made.version == 2
    assert (made.name, made.price, made.weight_grams) == ("Classic tee", Money(2499, "EUR"), 300)
    assert made.attributes == {"size": "M", "colour": "red"}
    assert made.group_handle == "classic-tee"


def test_an_update_that_changes_nothing_keeps_the_version() -> None:
    made = product()
    assert made.update(now=LATER, name="Tee", weight_grams=300) == []
    assert made.version == 1


def test_one_invalid_field_applies_nothing() -> None:
    made = product()
    with pytest.raises(InvalidInput) as caught:
        made.update(now=LATER, name="New name", weight_grams=-1)
    assert caught.value.field == ("weightGrams",)
    assert (made.name, made.version) == ("Tee", 1)


def test_a_negative_price_is_refused_at_the_amount() -> None:
    with pytest.raises(InvalidInput) as caught:
        product().update(now=LATER, price=Money(-1, "EUR"))
    assert caught.value.field == ("price", "amount")


def test_the_group_can_be_cleared() -> None:
    made = product()
    made.update(now=LATER, group="tees")
    assert made.update(now=LATER, clear_group=True) == ["group_handle"]
    assert made.group_handle is None
    assert made.version == 3


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("size", "M"), ("SIZE", "L")], ("attributes", "1", "key")),
        ([("1size", "M")], ("attributes", "0", "key")),
        ([("size", "")], ("attributes", "0", "value")),
        ([("size", "M\x00")], ("attributes", "0", "value")),
        ([("size", "x" * 201)], ("attributes", "0", "value")),
        ([(f"k{i}", "v") for i in range(51)], ("attributes",)),
    ],
)
def test_bad_attributes_are_refused_at_the_offending_entry(
    pairs: list[tuple[str, str]], field: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_attributes(pairs, ["attributes"])
    assert caught.value.field == field


def test_a_group_handle_is_a_lower_case_slug() -> None:
    assert clean_group(" Classic-Tee ", ["group"]) == "classic-tee"
    assert clean_group("", ["group"]) is None
    with pytest.raises(InvalidInput):
        clean_group("classic tee", ["group"])


def test_archiving_sets_the_status_and_time_once() -> None:
    made = product()
    assert made.archive(LATER)
    assert (made.status, made.archived_at, made.version) == (ProductStatus.ARCHIVED, LATER, 2)
    assert not made.archive(LATER + timedelta(hours=1))
    assert (made.archived_at, made.version) == (LATER, 2)


def test_reactivating_an_archived_product_clears_the_archive_time() -> None:
    made = product()
    made.archive(LATER)
    assert made.update(now=LATER, status=ProductStatus.ACTIVE) == ["status"]
    assert (made.status, made.archived_at, made.sellable) == (ProductStatus.ACTIVE, None, True)


@pytest.mark.parametrize(
    ("status", "code"),
    [(ProductStatus.ARCHIVED, "PRODUCT_ARCHIVED"), (ProductStatus.DRAFT, "PRODUCT_DRAFT")],
)
def test_only_active_products_may_go_on_a_new_order(status: ProductStatus, code: str) -> None:
    made = product()
    made.update(now=LATER, status=status)
    with pytest.raises(ProductNotSellable) as caught:
        made.check_sellable(["lines", "0", "sku"])
    assert caught.value.code == code
    assert caught.value.field == ("lines", "0", "sku")


# warehouses


def test_updating_a_warehouse_validates_like_creating_one() -> None:
    made = warehouse()
    assert made.update(name="Amsterdam DC", region="eu-north", priority=5) == [
        "name",
        "region",
        "priority",
    ]
    assert (made.region, made.version) == ("EU-NORTH", 2)
    with pytest.raises(InvalidInput) as caught:
        made.update(priority=-1)
    assert caught.value.field == ("priority",)
    with pytest.raises(InvalidInput) as caught:
        made.update(name="Changed", country_code="XX")
    assert caught.value.field == ("countryCode",)
    assert made.name == "Amsterdam DC"
    assert made.version == 2


def test_deactivating_a_warehouse_happens_once() -> None:
    made = warehouse()
    assert made.deactivate(LATER)
    assert (made.active, made.deactivated_at, made.version) == (False, LATER, 2)
    assert not made.deactivate(LATER + timedelta(hours=1))
    assert made.version == 2


def test_routing_skips_inactive_warehouses_even_when_they_are_preferred() -> None:
    near, far = warehouse(1, "EU-WEST", priority=1), warehouse(2, "US-EAST", priority=50)
    near.deactivate(LATER)
    available = {("TEE", 1): 10, ("TEE", 2): 10}
    plan = plan_routing({"TEE": 2}, available, [near, far], Destination("EU-WEST", "NL"))
    assert plan.warehouse_ids == (2,)
    assert [c.warehouse_id for c in plan.candidates] == [2]


def test_routing_with_only_inactive_stock_is_a_shortfall() -> None:
    only = warehouse(1)
    only.deactivate(LATER)
    plan = plan_routing({"TEE": 1}, {("TEE", 1): 5}, [only], Destination("EU-WEST", "NL"))
    assert not plan.complete
    assert plan.shortfall == {"TEE": 1}


# customers


def test_updating_a_customer_changes_the_given_fields_and_bumps_the_version() -> None:
    made = customer()
    changed = made.update(name="Ann Smith", phone="020 123 4567", locale="nl_nl")
    assert changed == ["name", "phone", "locale"]
    assert (made.phone, made.locale, made.version) == ("+31201234567", "nl-NL", 2)


def test_a_new_email_is_unverified_and_cleared_fields_become_none() -> None:
    made = customer()
    made.update(phone="+31201234567", timezone="Europe/Amsterdam")
    changed = made.update(email="Ann.New@Example.com", clear=frozenset({"phone", "timezone"}))
    assert changed == ["email", "phone", "timezone"]
    assert (made.email, made.phone, made.timezone) == ("ann.new@example.com", None, None)
    assert made.email_verified_at is None


def test_a_bad_customer_field_applies_nothing() -> None:
    made = customer()
    with pytest.raises(InvalidInput) as caught:
        made.update(name="Changed", timezone="Mars/Olympus")
    assert caught.value.field == ("timezone",)
    assert (made.name, made.version) == ("Ann", 1)
