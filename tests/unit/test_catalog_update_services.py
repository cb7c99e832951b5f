"""Use cases: updating and retiring products, warehouses and customers (fake unit of work)."""

from __future__ import annotations

import pytest

from ordergraph.domain.catalog import ProductNotSellable, ProductStatus
from ordergraph.domain.errors import Duplicate, Forbidden, NotFound, VersionConflict
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, OutOfStock, RequestedLine
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.services import catalog_updates
from ordergraph.services.address_book import update_me
from ordergraph.services.customers import update_customer
from ordergraph.services.orders import place_order
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address

VIEWER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer", token_id=5)
CATALOG_ONLY = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.CATALOG_WRITE})),
    name="merch",
    token_id=6,
)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 5)
    return shop


def product_id(shop: Shop, sku: str = "TEE") -> int:
    (found,) = [p for p in shop.store.products if p.sku == sku]
    assert found.id is not None
    return found.id


async def place(shop: Shop, quantity: int = 1) -> int:
    order = await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.WEB,
        lines=[RequestedLine("TEE", quantity)],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    return order.id


async def test_updating_a_product_stores_it_and_records_product_updated(shop: Shop) -> None:
    updated = await catalog_updates.update_product(
        shop.deps,
        ADMIN,
        product_id=product_id(shop),
        expected_version=1,
        name="Classic tee",
        price_amount="24.99",
        price_currency="EUR",
        attributes=[("size", "M")],
        group="classic-tee",
    )
    assert updated.version == 2
    (stored,) = shop.store.products
    assert (stored.name, stored.price, stored.attributes, stored.group_handle, stored.version) == (
        "Classic tee",
        Money(2499, "EUR"),
        {"size": "M"},
        "classic-tee",
        2,
    )
    event = shop.store.outbox[-1]
    assert (event.type, event.aggregate_type, event.aggregate_id) == (
        "product.updated",
        "Product",
        stored.id,
    )
    assert event.payload["changed"] == ["name", "price", "attributes", "group_handle"]
    assert event.payload["version"] == 2


async def test_a_stale_expected_version_writes_nothing(shop: Shop) -> None:
    pid = product_id(shop)
    await catalog_updates.update_product(shop.deps, ADMIN, product_id=pid, name="First")
    events = len(shop.store.outbox)
    with pytest.raises(VersionConflict) as caught:
        await catalog_updates.update_product(
            shop.deps, ADMIN, product_id=pid, expected_version=1, name="Second"
        )
    assert caught.value.current_version == 2
    assert shop.store.products[0].name == "First"
    assert len(shop.store.outbox) == events


async def test_a_conflicting_commit_is_retried_from_a_fresh_read(shop: Shop) -> None:
    shop.store.fail_next_commits(2)
    updated = await catalog_updates.update_product(
        shop.deps, ADMIN, product_id=product_id(shop), expected_version=1, weight_grams=500
    )
    assert (updated.version, shop.store.products[0].weight_grams) == (2, 500)


async def test_catalog_changes_need_catalog_write(shop: Shop) -> None:
    pid = product_id(shop)
    warehouse_id = shop.warehouses["AMS"]
    for attempt in (
        catalog_updates.update_product(shop.deps, VIEWER, product_id=pid, name="x"),
        catalog_updates.archive_product(shop.deps, STOREFRONT, product_id=pid),
        catalog_updates.update_warehouse(shop.deps, VIEWER, warehouse_id=warehouse_id, name="x"),
        catalog_updates.deactivate_warehouse(shop.deps, VIEWER, warehouse_id=warehouse_id),
    ):
        with pytest.raises(Forbidden):
            await attempt
    assert shop.store.products[0].version == 1
    assert all(w.version == 1 for w in shop.store.warehouses)


async def test_an_unknown_product_or_warehouse_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound) as caught:
        await catalog_updates.archive_product(shop.deps, ADMIN, product_id=999)
    assert caught.value.field == ("productId",)
    with pytest.raises(NotFound) as caught:
        await catalog_updates.deactivate_warehouse(shop.deps, ADMIN, warehouse_id=999)
    assert caught.value.field == ("warehouseId",)


async def test_an_archived_product_refuses_new_orders_and_old_orders_keep_their_lines(
    shop: Shop,
) -> None:
    old = await place(shop)
    pid = product_id(shop)
    await catalog_updates.update_product(
        shop.deps, ADMIN, product_id=pid, name="Renamed", price_amount="99.00", price_currency="EUR"
    )
    archived = await catalog_updates.archive_product(shop.deps, CATALOG_ONLY, product_id=pid)
    assert archived.status is ProductStatus.ARCHIVED
    assert shop.store.outbox[-1].type == "product.archived"
    with pytest.raises(ProductNotSellable) as caught:
        await place(shop)
    assert caught.value.code == "PRODUCT_ARCHIVED"
    assert caught.value.field == ("lines", "0", "sku")
    (order,) = [o for o in shop.store.orders if o.id == old]
    (line,) = order.lines
    assert (line.name, line.unit_price) == ("Product TEE", Money(1999, "EUR"))


async def test_archiving_twice_changes_nothing_the_second_time(shop: Shop) -> None:
    pid = product_id(shop)
    await catalog_updates.archive_product(shop.deps, ADMIN, product_id=pid)
    events = len(shop.store.outbox)
    again = await catalog_updates.archive_product(shop.deps, ADMIN, product_id=pid)
    assert again.version == 2
    assert len(shop.store.outbox) == events


async def test_a_deactivated_warehouse_gets_no_new_orders(shop: Shop) -> None:
    ams = shop.warehouses["AMS"]
    deactivated = await catalog_updates.deactivate_warehouse(
        shop.deps, ADMIN, warehouse_id=ams, expected_version=1
    )
    assert (deactivated.active, deactivated.version) == (False, 2)
    assert shop.store.outbox[-1].type == "warehouse.deactivated"
    order_id = await place(shop, 2)
    (order,) = [o for o in shop.store.orders if o.id == order_id]
    assert order.routing is not None
    assert [a["warehouse_id"] for a in order.routing["allocations"]] == [shop.warehouses["BER"]]
    with pytest.raises(OutOfStock):
        await place(shop, 4)  # only BER's 3 remaining units may be sold


async def test_updating_a_warehouse_keeps_its_code(shop: Shop) -> None:
    ams = shop.warehouses["AMS"]
    updated = await catalog_updates.update_warehouse(
        shop.deps, ADMIN, warehouse_id=ams, expected_version=1, name="Amsterdam", priority=1
    )
    assert (updated.code, updated.name, updated.priority, updated.version) == (
        "AMS",
        "Amsterdam",
        1,
        2,
    )
    assert shop.store.outbox[-1].type == "warehouse.updated"
    with pytest.raises(VersionConflict) as caught:
        await catalog_updates.update_warehouse(
            shop.deps, ADMIN, warehouse_id=ams, expected_version=1, name="Stale"
        )
    assert caught.value.current_version == 2


async def test_updating_a_customer_checks_scope_email_and_version(shop: Shop) -> None:
    ann = await shop.add_customer("ann@example.com")
    await shop.add_customer("bob@example.com", "Bob")
    with pytest.raises(Forbidden):
        await update_customer(shop.deps, CATALOG_ONLY, customer_id=ann, name="x")
    with pytest.raises(Duplicate) as caught:
        await update_customer(shop.deps, ADMIN, customer_id=ann, email="BOB@example.com")
    assert caught.value.field == ("email",)
    updated = await update_customer(
        shop.deps, ADMIN, customer_id=ann, expected_version=1, email="ann.smith@example.com"
    )
    assert (updated.email, updated.version) == ("ann.smith@example.com", 2)
    assert sorted(c.email for c in shop.store.customers) == [
        "ann.smith@example.com",
        "bob@example.com",
    ]
    event = shop.store.outbox[-1]
    assert (event.type, event.payload) == ("customer.updated", {"version": 2, "changed": ["email"]})
    with pytest.raises(VersionConflict) as stale:
        await update_customer(shop.deps, ADMIN, customer_id=ann, expected_version=1, name="x")
    assert stale.value.current_version == 2


async def test_a_customer_changing_their_own_profile_bumps_the_version_too(shop: Shop) -> None:
    ann = await shop.add_customer("ann@example.com")
    me = Principal(
        role=Role.CUSTOMER,
        scopes=scopes_for(Role.CUSTOMER, None),
        name=f"customer-{ann}",
        token_id=77,
        customer_id=ann,
    )
    await update_me(shop.deps, me, name="Ann B.")
    (stored,) = shop.store.customers
    assert (stored.name, stored.version) == ("Ann B.", 2)
