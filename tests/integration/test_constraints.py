"""The database itself refuses impossible rows, whatever the code above it does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, products, warehouses
from ordergraph.services.deps import Deps
from tests.integration.conftest import make_product, make_warehouse

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _execute(engine: AsyncEngine, statement: sa.Executable) -> None:
    async with engine.begin() as conn:
        await conn.execute(statement)


async def _level(engine: AsyncEngine, sku: str, warehouse_id: int) -> tuple[int, int]:
    t = inventory_levels.c
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(t.on_hand, t.reserved).where(t.sku == sku, t.warehouse_id == warehouse_id)
            )
        ).one()
    return int(row.on_hand), int(row.reserved)


async def _stocked_level(engine: AsyncEngine, deps: Deps, unique: str) -> tuple[str, int]:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    await _execute(
        engine,
        sa.insert(inventory_levels).values(
            sku=product.sku, warehouse_id=warehouse.id, on_hand=5, reserved=2, updated_at=NOW
        ),
    )
    return product.sku, warehouse.id


@pytest.mark.parametrize(
    "values",
    [{"reserved": 6}, {"reserved": -1}, {"on_hand": 1}],
    ids=["reserved-above-on-hand", "negative-reserved", "on-hand-below-reserved"],
)
async def test_inventory_level_check_refuses_reserved_outside_zero_to_on_hand(
    engine: AsyncEngine, deps: Deps, unique: str, values: dict[str, int]
) -> None:
    sku, warehouse_id = await _stocked_level(engine, deps, unique)
    t = inventory_levels.c
    with pytest.raises(IntegrityError):
        await _execute(
            engine,
            sa.update(inventory_levels)
            .where(t.sku == sku, t.warehouse_id == warehouse_id)
            .values(**values),
        )
    assert await _level(engine, sku, warehouse_id) == (5, 2)


async def test_inventory_level_check_accepts_reserved_equal_to_on_hand(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    sku, warehouse_id = await _stocked_level(engine, deps, unique)
    t = inventory_levels.c
    await _execute(
        engine,
        sa.update(inventory_levels)
        .where(t.sku == sku, t.warehouse_id == warehouse_id)
        .values(reserved=5),
    )
    assert await _level(engine, sku, warehouse_id) == (5, 5)


def _product_row(sku: str, price_minor: int = 100) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": "Raw",
        "price_minor": price_minor,
        "currency": "EUR",
        "created_at": NOW,
    }


async def test_product_skus_are_unique(engine: AsyncEngine, unique: str) -> None:
    await _execute(engine, sa.insert(products).values(**_product_row(f"SKU-{unique}")))
    with pytest.raises(IntegrityError):
        await _execute(engine, sa.insert(products).values(**_product_row(f"SKU-{unique}")))
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(products)) == 1


async def test_warehouse_codes_are_unique(engine: AsyncEngine, unique: str) -> None:
    row = {
        "code": f"W-{unique}",
        "name": "Raw",
        "region": "EU",
        "country_code": "NL",
        "priority": 1,
        "created_at": NOW,
    }
    await _execute(engine, sa.insert(warehouses).values(**row))
    with pytest.raises(IntegrityError):
        await _execute(engine, sa.insert(warehouses).values(**{**row, "name": "Other"}))
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(warehouses)) == 1


async def test_product_price_must_not_be_negative(engine: AsyncEngine, unique: str) -> None:
    with pytest.raises(IntegrityError):
        await _execute(engine, sa.insert(products).values(**_product_row(f"N-{unique}", -1)))
    await _execute(engine, sa.insert(products).values(**_product_row(f"Z-{unique}", 0)))
    async with engine.connect() as conn:
        skus = (await conn.scalars(sa.select(products.c.sku))).all()
    assert skus == [f"Z-{unique}"]
