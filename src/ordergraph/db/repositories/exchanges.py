"""The ``exchanges`` rows: an original order, its linked return and the replacement order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import exchanges
from ordergraph.domain.exchanges import Exchange, ExchangeSettlement
from ordergraph.domain.money import Money


def exchange_from_row(m: sa.RowMapping) -> Exchange:
    return Exchange(
        id=m["id"],
        original_order_id=m["original_order_id"],
        replacement_order_id=m["replacement_order_id"],
        return_id=m["return_id"],
        returned=Money(m["returned_minor"], m["currency"]),
        new_total=Money(m["new_total_minor"], m["currency"]),
        settlement=ExchangeSettlement(m["settlement"]),
        hold_replacement=m["hold_replacement"],
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


async def load_exchanges(
    conn: AsyncConnection, column: sa.Column[int], ids: Sequence[int]
) -> list[Exchange]:
    """The exchanges whose ``column`` is one of ``ids``, oldest first (one query)."""
    rows = await conn.execute(
        sa.select(exchanges).where(column.in_(list(ids))).order_by(exchanges.c.id)
    )
    return [exchange_from_row(m) for m in rows.mappings()]


class SqlExchangeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, exchange: Exchange) -> Exchange:
        new_id = await self._conn.scalar(
            sa.insert(exchanges)
            .values(
                original_order_id=exchange.original_order_id,
                replacement_order_id=exchange.replacement_order_id,
                return_id=exchange.return_id,
                returned_minor=exchange.returned.minor_units,
                new_total_minor=exchange.new_total.minor_units,
                currency=exchange.returned.currency,
                settlement=exchange.settlement.value,
                hold_replacement=exchange.hold_replacement,
                created_by=exchange.created_by,
                created_at=exchange.created_at,
            )
            .returning(exchanges.c.id)
        )
        return replace(exchange, id=int(new_id or 0))

    async def for_original(self, order_id: int) -> list[Exchange]:
        return await load_exchanges(self._conn, exchanges.c.original_order_id, [order_id])

    async def for_replacement(self, order_id: int) -> Exchange | None:
        found = await load_exchanges(self._conn, exchanges.c.replacement_order_id, [order_id])
        return found[0] if found else None

    async def for_return(self, return_id: int) -> Exchange | None:
        found = await load_exchanges(self._conn, exchanges.c.return_id, [return_id])
        return found[0] if found else None
