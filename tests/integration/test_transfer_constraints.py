"""The database refuses impossible transfers and inbound lines, whatever the code above does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inbound_shipment_lines, inbound_shipments, inventory_transfers
from ordergraph.services.deps import Deps
from tests.integration.conftest import make_product, make_warehouse

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _insert(engine: AsyncEngine, table: sa.Table, values: dict[str, Any]) -> int:
    async with engine.begin() as conn:
        return int(await conn.scalar(sa.insert(table).values(**values).returning(table.c.id)))


@pytest.mark.parametrize(
    "change",
    [{"quantity": 0}, {"to": "same"}, {"status": "LOST"}],
    ids=["zero-quantity", "same-warehouse", "unknown-status"],
)
async def test_a_transfer_row_must_make_sense(
    engine: AsyncEngine, deps: Deps, unique: str, change: dict[str, Any]
) -> None:
    source = await make_warehouse(deps, f"S-{unique}")
    destination = await make_warehouse(deps, f"D-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    values = {
        "number": f"TR-{unique}",
        "sku": product.sku,
        "from_warehouse_id": source.id,
        "to_warehouse_id": source.id if change.get("to") == "same" else destination.id,
        "quantity": change.get("quantity", 1),
        "status": change.get("status", "IN_TRANSIT"),
        "actor": "test",
        "created_at": NOW,
        "updated_at": NOW,
    }
    with pytest.raises(IntegrityError):
        await _insert(engine, inventory_transfers, values)


async def test_an_inbound_line_expects_units_and_names_each_sku_once(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    shipment = await _insert(
        engine,
        inbound_shipments,
        {
            "number": f"IN-{unique}",
            "warehouse_id": warehouse.id,
            "status": "PENDING",
            "expected_at": NOW,
            "actor": "test",
            "created_at": NOW,
            "updated_at": NOW,
        },
    )
    line = {"inbound_shipment_id": shipment, "sku": product.sku, "quantity_expected": 0}
    with pytest.raises(IntegrityError):
        await _insert(engine, inbound_shipment_lines, line)
    await _insert(engine, inbound_shipment_lines, {**line, "quantity_expected": 3})
    with pytest.raises(IntegrityError):
        await _insert(engine, inbound_shipment_lines, {**line, "quantity_expected": 1})
