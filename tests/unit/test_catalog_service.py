"""Use cases: creating warehouses and products."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Duplicate, Forbidden, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.deps import Deps
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
VIEWER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer", token_id=2)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW))


async def test_creating_a_warehouse_stores_it_and_records_an_event(
    deps: Deps, store: FakeStore
) -> None:
    created = await create_warehouse(
        deps, ADMIN, code="ams-1", name="Amsterdam DC", region="eu-west", country_code="nl"
    )
    assert created.id is not None
    assert [(w.id, w.code, w.region, w.country_code) for w in store.warehouses] == [
        (created.id, "AMS-1", "EU-WEST", "NL")
    ]
    assert store.warehouses[0].priority == 100
    assert store.warehouses[0].created_at == DEFAULT_NOW
    [event] = store.outbox
    assert (event.type, event.aggregate_type, event.aggregate_id) == (
        "warehouse.created",
        "Warehouse",
        created.id,
    )
    assert event.payload == {"code": "AMS-1"}
    assert event.actor == "admin:ops"


async def test_a_taken_warehouse_code_is_a_duplicate_and_writes_nothing(
    deps: Deps, store: FakeStore
) -> None:
    await create_warehouse(deps, ADMIN, code="AMS-1", name="A", region="EU", country_code="NL")
    with pytest.raises(Duplicate) as caught:
        await create_warehouse(deps, ADMIN, code="ams-1", name="B", region="EU", country_code="NL")
    assert caught.value.field == ("code",)
    assert [w.name for w in store.warehouses] == ["A"]
    assert len(store.outbox) == 1


async def test_invalid_warehouse_input_is_refused_before_any_transaction(
    deps: Deps, store: FakeStore
) -> None:
    with pytest.raises(InvalidInput):
        await create_warehouse(deps, ADMIN, code="AMS 1", name="A", region="EU", country_code="NL")
    assert store.commit_attempts == 0
    assert store.warehouses == []


async def test_creating_a_product_stores_its_price_in_minor_units(
    deps: Deps, store: FakeStore
) -> None:
    created = await create_product(
        deps,
        ADMIN,
        sku="TEE-BLK",
        name="Black Tee",
        price_amount=Decimal("19.99"),
        price_currency="eur",
        weight_grams=180,
        allow_backorder=True,
    )
    assert created.id is not None
    [stored] = store.products
    assert (stored.id, stored.sku, stored.price) == (created.id, "TEE-BLK", Money(1999, "EUR"))
    assert (stored.weight_grams, stored.allow_backorder) == (180, True)
    [event] = store.outbox
    assert (event.type, event.aggregate_id, event.payload) == (
        "product.created",
        created.id,
        {"sku": "TEE-BLK"},
    )


async def test_a_taken_sku_is_a_duplicate_and_writes_nothing(deps: Deps, store: FakeStore) -> None:
    await create_product(deps, ADMIN, sku="TEE", name="A", price_amount="1", price_currency="EUR")
    with pytest.raises(Duplicate) as caught:
        await create_product(
            deps, ADMIN, sku="TEE", name="B", price_amount="2", price_currency="EUR"
        )
    assert caught.value.field == ("sku",)
    assert [p.name for p in store.products] == ["A"]
    assert len(store.outbox) == 1


async def test_a_price_with_too_many_places_is_refused(deps: Deps, store: FakeStore) -> None:
    with pytest.raises(InvalidInput) as caught:
        await create_product(
            deps, ADMIN, sku="TEE", name="A", price_amount="10.5", price_currency="JPY"
        )
    assert caught.value.field == ("price", "amount")
    assert store.products == []


async def test_staff_with_default_scopes_may_not_create_products(
    deps: Deps, store: FakeStore
) -> None:
    with pytest.raises(Forbidden):
        await create_product(
            deps, VIEWER, sku="TEE", name="A", price_amount="1", price_currency="EUR"
        )
    assert store.products == []
    assert store.outbox == []
    assert store.commit_attempts == 0


async def test_staff_with_default_scopes_may_not_create_warehouses(
    deps: Deps, store: FakeStore
) -> None:
    with pytest.raises(Forbidden):
        await create_warehouse(deps, VIEWER, code="A", name="A", region="EU", country_code="NL")
    assert store.warehouses == []


async def test_staff_granted_catalog_write_may_create_products(
    deps: Deps, store: FakeStore
) -> None:
    editor = Principal(
        role=Role.STAFF, scopes=frozenset({Scope.CATALOG_WRITE}), name="editor", token_id=3
    )
    await create_product(deps, editor, sku="TEE", name="A", price_amount="1", price_currency="EUR")
    assert [e.actor for e in store.outbox] == ["staff:editor"]
