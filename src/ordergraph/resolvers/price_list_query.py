"""Queries for price lists."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries import markets as market_reads
from ordergraph.db.queries import price_lists as reads
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import Info
from ordergraph.schema.types.price_list import PriceListType


@strawberry.type
class PriceListQuery:
    @strawberry.field(
        description="A market's price lists, oldest first (orders:read, as carrier rates: "
        "prices by channel and customer group are staff business); empty for no such market."
    )
    async def price_lists(self, info: Info, market_id: strawberry.ID) -> list[PriceListType]:
        (market,) = await market_reads.markets_by_id(
            info.context.read_engine, [query_id(market_id, "Market", "marketId")]
        )
        if market is None:
            return []
        assert market.id is not None
        found = await reads.price_lists_of_market(info.context.read_engine, market.id)
        return [PriceListType.from_domain(price_list, market) for price_list in found]
