"""Read queries for price lists."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.price_lists import price_list_from_row
from ordergraph.db.tables import price_list_prices, price_lists
from ordergraph.domain.price_lists import PriceList


async def price_lists_of_market(engine: AsyncEngine, market_id: int) -> list[PriceList]:
    """A market's price lists, oldest first: one statement."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(price_lists)
                .where(price_lists.c.market_id == market_id)
                .order_by(price_lists.c.id)
            )
        ).mappings()
        return [price_list_from_row(row) for row in rows]


def prices_query(price_list_id: int) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    """A list's prices, by SKU (the keyset)."""
    stmt = sa.select(price_list_prices.c.sku, price_list_prices.c.amount_minor).where(
        price_list_prices.c.price_list_id == price_list_id
    )
    return stmt, [price_list_prices.c.sku]
