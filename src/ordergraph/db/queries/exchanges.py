"""Read queries for exchanges: the DataLoader batches by original, replacement and return."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.orders import by_order
from ordergraph.db.repositories.exchanges import load_exchanges
from ordergraph.db.tables import exchanges
from ordergraph.domain.exchanges import Exchange


async def exchanges_by_original_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[Exchange]]:
    """The exchanges made from each order, oldest first (one query)."""
    async with engine.connect() as conn:
        found = await load_exchanges(conn, exchanges.c.original_order_id, ids)
    return by_order(found, ids, lambda e: e.original_order_id)


async def exchanges_by_replacement_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[Exchange | None]:
    """The exchange each order is the replacement of, else None (one query)."""
    async with engine.connect() as conn:
        found = await load_exchanges(conn, exchanges.c.replacement_order_id, ids)
    by_id = {e.replacement_order_id: e for e in found}
    return [by_id.get(i) for i in ids]


async def exchanges_by_return_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Exchange | None]:
    """The exchange each return belongs to, else None (one query)."""
    async with engine.connect() as conn:
        found = await load_exchanges(conn, exchanges.c.return_id, ids)
    by_id = {e.return_id: e for e in found}
    return [by_id.get(i) for i in ids]
