"""DataLoader batch functions: one query per batch, results in the order of the keys.

Each batch opens its own connection, so loaders never share a transaction with a mutation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.accounts import address_row
from ordergraph.db.repositories.customers import customer_from_row
from ordergraph.db.repositories.inventory import level_from_row
from ordergraph.db.repositories.products import product_from_row
from ordergraph.db.repositories.warehouses import warehouse_from_row
from ordergraph.db.tables import (
    addresses,
    customers,
    inventory_levels,
    products,
    warehouses,
)
from ordergraph.domain.accounts import StoredAddress
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Customer
from ordergraph.domain.inventory import InventoryLevel


async def warehouses_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Warehouse | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(warehouses).where(warehouses.c.id.in_(ids)))
        found = {r.id: warehouse_from_row(r) for r in rows}
    return [found.get(i) for i in ids]


async def products_by_sku(engine: AsyncEngine, skus: Sequence[str]) -> list[Product | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(products).where(products.c.sku.in_(skus)))
        found = {r.sku: product_from_row(r) for r in rows}
    return [found.get(s) for s in skus]


async def products_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Product | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(products).where(products.c.id.in_(ids)))
        found = {r.id: product_from_row(r) for r in rows}
    return [found.get(i) for i in ids]


async def levels_by_sku(engine: AsyncEngine, skus: Sequence[str]) -> list[list[InventoryLevel]]:
    t = inventory_levels.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(inventory_levels).where(t.sku.in_(skus)).order_by(t.sku, t.warehouse_id)
        )
        grouped: dict[str, list[InventoryLevel]] = defaultdict(list)
        for r in rows:
            grouped[r.sku].append(level_from_row(r))
    return [grouped.get(s, []) for s in skus]


async def levels_by_key(
    engine: AsyncEngine, keys: Sequence[tuple[str, int]]
) -> list[InventoryLevel | None]:
    t = inventory_levels.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(inventory_levels).where(sa.tuple_(t.sku, t.warehouse_id).in_(list(keys)))
        )
        found = {(r.sku, r.warehouse_id): level_from_row(r) for r in rows}
    return [found.get(k) for k in keys]


async def customers_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Customer | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(customers).where(customers.c.id.in_(ids)))
        found = {r.id: customer_from_row(r, None) for r in rows}
    return [found.get(i) for i in ids]


async def addresses_by_customer_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[list[StoredAddress]]:
    """Each customer's address book, the default shipping address first."""
    t = addresses.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(addresses)
            .where(t.customer_id.in_(ids))
            .order_by(t.customer_id, t.is_default.desc(), t.id)
        )
        grouped: dict[int, list[StoredAddress]] = defaultdict(list)
        for r in rows:
            grouped[r.customer_id].append(address_row(r))
    return [grouped.get(i, []) for i in ids]
