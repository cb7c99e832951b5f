"""Read queries for transfers and inbound shipments (lists, and loading by id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.inbound import load_inbound
from ordergraph.db.repositories.transfers import transfer_from_row
from ordergraph.db.tables import inbound_shipments, inventory_transfers
from ordergraph.domain.inbound import InboundShipment
from ordergraph.domain.transfers import InventoryTransfer


def transfers_query(status: str | None) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(inventory_transfers)
    if status is not None:
        stmt = stmt.where(inventory_transfers.c.status == status)
    return stmt, [inventory_transfers.c.id]


def inbound_query(
    status: str | None, warehouse_id: int | None
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(inbound_shipments.c.id)
    if status is not None:
        stmt = stmt.where(inbound_shipments.c.status == status)
    if warehouse_id is not None:
        stmt = stmt.where(inbound_shipments.c.warehouse_id == warehouse_id)
    return stmt, [inbound_shipments.c.id]


async def transfers_by_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[InventoryTransfer | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(inventory_transfers).where(inventory_transfers.c.id.in_(ids))
        )
        found = {r["id"]: transfer_from_row(r) for r in rows.mappings()}
    return [found.get(i) for i in ids]


async def inbound_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[InboundShipment | None]:
    """Shipments with their lines, in the order of ``ids``: two statements for any number."""
    async with engine.connect() as conn:
        found = {s.id: s for s in await load_inbound(conn, inbound_shipments.c.id.in_(ids))}
    return [found.get(i) for i in ids]
