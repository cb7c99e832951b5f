from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import warehouses
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.errors import Duplicate


def warehouse_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> Warehouse:
    m = row._mapping if isinstance(row, sa.Row) else row
    return Warehouse(
        id=m["id"],
        code=m["code"],
        name=m["name"],
        region=m["region"],
        country_code=m["country_code"],
        priority=m["priority"],
        created_at=m["created_at"],
        version=m["version"],
        active=m["active"],
        deactivated_at=m["deactivated_at"],
    )


class SqlWarehouseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, warehouse: Warehouse) -> Warehouse:
        values = {k: v for k, v in asdict(warehouse).items() if k != "id"}
        # The service checks first; a concurrent twin still trips the unique index here.
        try:
            new_id = await self._conn.scalar(
                sa.insert(warehouses).values(**values).returning(warehouses.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate(
                f"a warehouse with code {warehouse.code} exists", field=["code"]
            ) from exc
        warehouse.id = new_id
        return warehouse

    async def update(self, warehouse: Warehouse, *, previous_version: int) -> bool:
        """Store the warehouse (all but its code) if it is still at ``previous_version``."""
        values = {k: v for k, v in asdict(warehouse).items() if k not in ("id", "code")}
        result = await self._conn.execute(
            sa.update(warehouses)
            .where(warehouses.c.id == warehouse.id, warehouses.c.version == previous_version)
            .values(**values)
        )
        return result.rowcount == 1

    async def get(self, warehouse_id: int) -> Warehouse | None:
        row = (
            await self._conn.execute(sa.select(warehouses).where(warehouses.c.id == warehouse_id))
        ).first()
        return warehouse_from_row(row) if row else None

    async def get_by_code(self, code: str) -> Warehouse | None:
        row = (
            await self._conn.execute(sa.select(warehouses).where(warehouses.c.code == code))
        ).first()
        return warehouse_from_row(row) if row else None

    async def list_all(self) -> list[Warehouse]:
        rows = await self._conn.execute(sa.select(warehouses).order_by(warehouses.c.id))
        return [warehouse_from_row(r) for r in rows]
