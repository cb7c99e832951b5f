"""Warehouses and products: validated on creation, before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ordergraph.domain.catalog import MAX_PRIORITY, Product, Warehouse
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_warehouse(
    *,
    code: str = "ams-1",
    name: str = " Amsterdam DC ",
    region: str = "eu-west",
    country_code: str = "nl",
    priority: int = 10,
) -> Warehouse:
    return Warehouse.create(
        code=code,
        name=name,
        region=region,
        country_code=country_code,
        priority=priority,
        now=NOW,
    )


def test_a_new_warehouse_has_normalised_codes_and_no_id() -> None:
    warehouse = make_warehouse()
    assert warehouse.id is None
    assert (warehouse.code, warehouse.region, warehouse.country_code) == ("AMS-1", "EU-WEST", "NL")
    assert warehouse.name == "Amsterdam DC"
    assert warehouse.created_at == NOW


@pytest.mark.parametrize("priority", [-1, MAX_PRIORITY + 1])
def test_a_warehouse_priority_outside_the_range_is_refused(priority: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_warehouse(priority=priority)
    assert caught.value.field == ("priority",)


def test_warehouse_priority_bounds_are_inclusive() -> None:
    assert make_warehouse(priority=0).priority == 0
    assert make_warehouse(priority=MAX_PRIORITY).priority == MAX_PRIORITY


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: make_warehouse(code="AMS 1"), ("code",)),
        (lambda: make_warehouse(name=""), ("name",)),
        (lambda: make_warehouse(name="x" * 201), ("name",)),
        (lambda: make_warehouse(name="Amsterdam\x00"), ("name",)),
        (lambda: make_warehouse(region="eu west"), ("region",)),
        (lambda: make_warehouse(country_code="ZZ"), ("countryCode",)),
    ],
)
def test_invalid_warehouse_fields_are_reported_by_field(
    make: Callable[[], Warehouse], field: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.field == field


def make_product(
    *,
    sku: str = " TEE-BLK ",
    name: str = " Black Tee ",
    price: Money = Money(1999, "EUR"),
    weight_grams: int = 200,
) -> Product:
    return Product.create(
        sku=sku, name=name, price=price, weight_grams=weight_grams, allow_backorder=False, now=NOW
    )


def test_a_new_product_is_trimmed_and_keeps_its_price() -> None:
    product = make_product()
    assert product.id is None
    assert (product.sku, product.name) == ("TEE-BLK", "Black Tee")
    assert product.price == Money(1999, "EUR")
    assert product.created_at == NOW


def test_a_free_product_is_allowed_but_a_negative_price_is_refused() -> None:
    assert make_product(price=Money(0, "EUR")).price.minor_units == 0
    with pytest.raises(InvalidInput) as caught:
        make_product(price=Money(-1, "EUR"))
    assert caught.value.field == ("price", "amount")


@pytest.mark.parametrize("weight", [-1, 10_000_001])
def test_a_product_weight_outside_the_range_is_refused(weight: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_product(weight_grams=weight)
    assert caught.value.field == ("weightGrams",)


@pytest.mark.parametrize("sku", ["TEE BLK", "", "-TEE", "T" * 65, "TEE\x1f"])
def test_an_invalid_sku_is_refused(sku: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_product(sku=sku)
    assert caught.value.field == ("sku",)
