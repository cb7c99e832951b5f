"""Use cases for the catalog: warehouses and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.errors import Duplicate, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.taxes import TaxClass
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps


async def create_warehouse(
    deps: Deps,
    actor: Principal,
    *,
    code: str,
    name: str,
    region: str,
    country_code: str,
    priority: int = 100,
    idempotency_key: str | None = None,
) -> Warehouse:
    actor.require(Scope.CATALOG_WRITE)
    warehouse = Warehouse.create(
        code=code,
        name=name,
        region=region,
        country_code=country_code,
        priority=priority,
        now=deps.clock.now(),
    )

    async def run(uow: UnitOfWork) -> Warehouse:
        if await uow.warehouses.get_by_code(warehouse.code) is not None:
            raise Duplicate(f"a warehouse with code {warehouse.code} exists", field=["code"])
        stored = await uow.warehouses.add(warehouse)
        assert stored.id is not None
        uow.record(
            DomainEvent(
                "warehouse.created",
                "Warehouse",
                stored.id,
                {"code": stored.code},
                actor=actor.actor,
            )
        )
        return stored

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> Warehouse:
        found = await uow.warehouses.get(result["id"])
        if found is None:
            raise NotFound("the warehouse this key created no longer exists")
        return found

    return await run_command(
        deps,
        actor,
        operation="createWarehouse",
        request={
            "code": code,
            "name": name,
            "region": region,
            "cc": country_code,
            "p": priority,
        },
        run=run,
        remember=lambda w: {"id": w.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


async def create_product(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    name: str,
    price_amount: Decimal | str,
    price_currency: str,
    weight_grams: int = 0,
    allow_backorder: bool = False,
    backorder_limit: int | None = None,
    returnable: bool = True,
    tax_class: TaxClass = TaxClass.STANDARD,
    idempotency_key: str | None = None,
) -> Product:
    actor.require(Scope.CATALOG_WRITE)
    product = Product.create(
        sku=sku,
        name=name,
        price=Money.parse(price_amount, price_currency, ["price"]),
        weight_grams=weight_grams,
        allow_backorder=allow_backorder,
        now=deps.clock.now(),
        backorder_limit=backorder_limit,
        returnable=returnable,
        tax_class=tax_class,
    )

    async def run(uow: UnitOfWork) -> Product:
        if await uow.products.get_by_sku(product.sku) is not None:
            raise Duplicate(f"a product with SKU {product.sku} exists", field=["sku"])
        stored = await uow.products.add(product)
        assert stored.id is not None
        uow.record(
            DomainEvent(
                "product.created",
                "Product",
                stored.id,
                {"sku": stored.sku},
                actor=actor.actor,
            )
        )
        return stored

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> Product:
        found = await uow.products.get_by_sku(result["sku"])
        if found is None:
            raise NotFound("the product this key created no longer exists")
        return found

    return await run_command(
        deps,
        actor,
        operation="createProduct",
        request={
            "sku": sku,
            "name": name,
            "price": [str(price_amount), price_currency],
            "weight": weight_grams,
            "backorder": allow_backorder,
            "limit": backorder_limit,
            "returnable": returnable,
            # only when not the default: keys stored before tax classes keep their fingerprint
            **({"taxClass": tax_class.value} if tax_class is not TaxClass.STANDARD else {}),
        },
        run=run,
        remember=lambda p: {"sku": p.sku},
        recall=recall,
        idempotency_key=idempotency_key,
    )
