"""Use cases that change or retire catalog objects: products and warehouses.

Each is one transaction: read the object, check ``expectedVersion``, apply the domain's
``update``, then store it with a compare-and-set on the version it was read at. A concurrent
writer that got there first makes the compare-and-set miss: the command runs again from a fresh
read, where a stale ``expectedVersion`` becomes ``CONFLICT`` carrying the current version.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ordergraph.domain.catalog import Product, ProductStatus, Warehouse
from ordergraph.domain.errors import NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.taxes import TaxClass
from ordergraph.services import stock_ledger
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps


async def _product(uow: UnitOfWork, product_id: int) -> Product:
    found = await uow.products.get(product_id)
    if found is None:
        raise NotFound("no such product", field=["productId"])
    return found


async def _warehouse(uow: UnitOfWork, warehouse_id: int) -> Warehouse:
    found = await uow.warehouses.get(warehouse_id)
    if found is None:
        raise NotFound("no such warehouse", field=["warehouseId"])
    return found


def _change_payload(changed: Product | Warehouse, fields: Sequence[str]) -> dict[str, object]:
    """What an event says about a change: the new version and the names of changed fields."""
    return {"version": changed.version, "changed": list(fields)}


async def update_product(
    deps: Deps,
    actor: Principal,
    *,
    product_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    price_amount: Decimal | str | None = None,
    price_currency: str | None = None,
    weight_grams: int | None = None,
    attributes: Sequence[tuple[str, str]] | None = None,
    group: str | None = None,
    clear_group: bool = False,
    status: ProductStatus | None = None,
    returnable: bool | None = None,
    tax_class: TaxClass | None = None,
    allow_backorder: bool | None = None,
    backorder_limit: int | None = None,
) -> Product:
    """Change the given fields of a product (absent: unchanged). Orders already placed keep
    the name and price they were placed at."""
    actor.require(Scope.CATALOG_WRITE)
    price = (
        Money.parse(price_amount, price_currency or "", ["price"])
        if price_amount is not None
        else None
    )

    async def run(uow: UnitOfWork) -> Product:
        product = await _product(uow, product_id)
        check_version(expected_version, product.version, "product")
        previous = product.version
        now = deps.clock.now()
        changed = product.update(
            now=now,
            name=name,
            price=price,
            weight_grams=weight_grams,
            attributes=attributes,
            group=group,
            clear_group=clear_group,
            status=status,
            returnable=returnable,
            tax_class=tax_class,
            allow_backorder=allow_backorder,
            backorder_limit=backorder_limit,
        )
        if "backorder_limit" in changed:
            await stock_ledger.set_backorder_limit(
                uow, sku=product.sku, limit=product.backorder_limit, actor=actor.actor, now=now
            )
        if changed:
            if not await uow.products.update(product, previous_version=previous):
                raise ChangedConcurrently("product changed concurrently")
            _record_product(uow, actor, product, "product.updated", changed)
            if "status" in changed and product.status is ProductStatus.ARCHIVED:
                _record_product(uow, actor, product, "product.archived", changed)
        return product

    return await in_transaction(deps, run)


async def archive_product(
    deps: Deps, actor: Principal, *, product_id: int, expected_version: int | None = None
) -> Product:
    """Retire a product: new orders refuse it (PRODUCT_ARCHIVED), orders already placed keep
    their lines. Archiving an archived product changes nothing."""
    actor.require(Scope.CATALOG_WRITE)

    async def run(uow: UnitOfWork) -> Product:
        product = await _product(uow, product_id)
        check_version(expected_version, product.version, "product")
        previous = product.version
        if product.archive(deps.clock.now()):
            if not await uow.products.update(product, previous_version=previous):
                raise ChangedConcurrently("product changed concurrently")
            _record_product(uow, actor, product, "product.archived", ["status"])
        return product

    return await in_transaction(deps, run)


def _record_product(
    uow: UnitOfWork, actor: Principal, product: Product, event: str, changed: Sequence[str]
) -> None:
    assert product.id is not None
    payload = {
        "sku": product.sku,
        "status": product.status.value,
        **_change_payload(product, changed),
    }
    uow.record(DomainEvent(event, "Product", product.id, payload, actor=actor.actor))


async def update_warehouse(
    deps: Deps,
    actor: Principal,
    *,
    warehouse_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    region: str | None = None,
    country_code: str | None = None,
    priority: int | None = None,
) -> Warehouse:
    """Change the given fields of a warehouse (absent: unchanged); its code stays."""
    actor.require(Scope.CATALOG_WRITE)

    async def run(uow: UnitOfWork) -> Warehouse:
        warehouse = await _warehouse(uow, warehouse_id)
        check_version(expected_version, warehouse.version, "warehouse")
        previous = warehouse.version
        changed = warehouse.update(
            name=name, region=region, country_code=country_code, priority=priority
        )
        if changed:
            await _store_warehouse(uow, warehouse, previous)
            _record_warehouse(uow, actor, warehouse, "warehouse.updated", changed)
        return warehouse

    return await in_transaction(deps, run)


async def deactivate_warehouse(
    deps: Deps, actor: Principal, *, warehouse_id: int, expected_version: int | None = None
) -> Warehouse:
    """Stop routing new orders to a warehouse. What it already has to do (fulfillments, pick
    lists) and its stock stay as they are and stay visible. Deactivating twice changes
    nothing."""
    actor.require(Scope.CATALOG_WRITE)

    async def run(uow: UnitOfWork) -> Warehouse:
        warehouse = await _warehouse(uow, warehouse_id)
        check_version(expected_version, warehouse.version, "warehouse")
        previous = warehouse.version
        if warehouse.deactivate(deps.clock.now()):
            await _store_warehouse(uow, warehouse, previous)
            _record_warehouse(uow, actor, warehouse, "warehouse.deactivated", ["active"])
        return warehouse

    return await in_transaction(deps, run)


async def _store_warehouse(uow: UnitOfWork, warehouse: Warehouse, previous: int) -> None:
    if not await uow.warehouses.update(warehouse, previous_version=previous):
        raise ChangedConcurrently("warehouse changed concurrently")


def _record_warehouse(
    uow: UnitOfWork, actor: Principal, warehouse: Warehouse, event: str, changed: Sequence[str]
) -> None:
    assert warehouse.id is not None
    payload = {
        "code": warehouse.code,
        "active": warehouse.active,
        **_change_payload(warehouse, changed),
    }
    uow.record(DomainEvent(event, "Warehouse", warehouse.id, payload, actor=actor.actor))
