"""Transfers between warehouses (``inventory_transfers``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import insert_ignoring_conflict
from ordergraph.db.tables import counters, inventory_transfers
from ordergraph.domain.transfers import InventoryTransfer, TransferStatus


async def next_counter(conn: AsyncConnection, name: str) -> int:
    """The next value of a named counter. Transfers and inbound shipments are created by staff
    at human pace, so one counter row (locked until commit) is no bottleneck."""
    await insert_ignoring_conflict(conn, counters, {"name": name, "value": 0}, ["name"])
    value = await conn.scalar(
        sa.update(counters)
        .where(counters.c.name == name)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    )
    return int(value or 0)


def transfer_from_row(m: sa.RowMapping) -> InventoryTransfer:
    return InventoryTransfer(
        id=m["id"],
        number=m["number"],
        sku=m["sku"],
        from_warehouse_id=m["from_warehouse_id"],
        to_warehouse_id=m["to_warehouse_id"],
        quantity=m["quantity"],
        status=TransferStatus(m["status"]),
        actor=m["actor"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        received_at=m["received_at"],
        cancelled_at=m["cancelled_at"],
        version=m["version"],
    )


class SqlTransferRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_number(self) -> str:
        return f"TR-{await next_counter(self._conn, 'transfer_number'):06d}"

    async def add(self, transfer: InventoryTransfer) -> InventoryTransfer:
        transfer.id = await self._conn.scalar(
            sa.insert(inventory_transfers)
            .values(
                number=transfer.number,
                sku=transfer.sku,
                from_warehouse_id=transfer.from_warehouse_id,
                to_warehouse_id=transfer.to_warehouse_id,
                quantity=transfer.quantity,
                status=transfer.status.value,
                actor=transfer.actor,
                created_at=transfer.created_at,
                updated_at=transfer.updated_at,
                received_at=transfer.received_at,
                cancelled_at=transfer.cancelled_at,
                version=transfer.version,
            )
            .returning(inventory_transfers.c.id)
        )
        return transfer

    async def get(self, transfer_id: int, *, for_update: bool = False) -> InventoryTransfer | None:
        stmt = sa.select(inventory_transfers).where(inventory_transfers.c.id == transfer_id)
        if for_update and self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).mappings().first()
        return transfer_from_row(row) if row is not None else None

    async def save(self, transfer: InventoryTransfer) -> None:
        await self._conn.execute(
            sa.update(inventory_transfers)
            .where(inventory_transfers.c.id == transfer.id)
            .values(
                status=transfer.status.value,
                updated_at=transfer.updated_at,
                received_at=transfer.received_at,
                cancelled_at=transfer.cancelled_at,
                version=transfer.version,
            )
        )
