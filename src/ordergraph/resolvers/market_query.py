"""Queries for markets: the list, and which market sells to a country."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import markets as reads
from ordergraph.domain.errors import DomainError
from ordergraph.schema.context import Info
from ordergraph.schema.pagination import Connection, Edge, paginate
from ordergraph.schema.types.market import MarketType
from ordergraph.services.markets import resolve_market


@strawberry.type
class MarketQuery:
    @strawberry.field(description="Markets, oldest first (catalog:read).")
    async def markets(
        self,
        info: Info,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MarketType]:
        page = await paginate(
            info,
            reads.markets_query(active),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: int(row["id"]),
        )
        found = await reads.markets_by_id(info.context.read_engine, [e.node for e in page.edges])
        edges = []
        for edge, market in zip(page.edges, found, strict=True):
            assert market is not None
            edges.append(Edge(cursor=edge.cursor, node=MarketType.from_domain(market)))
        return Connection(edges=edges, page_info=page.page_info, _count=page._count)

    @strawberry.field(
        description="The market that sells to this shipping country (catalog:read, so "
        "storefronts may ask): its currency, tax display and rounding. The default market "
        "(isDefault) where no active market claims the country."
    )
    async def market_for(self, info: Info, country_code: str) -> MarketType:
        try:
            market = resolve_market(
                country_code,
                await reads.active_markets(info.context.read_engine),
                info.context.deps,
            )
        except DomainError as exc:
            # a query has no userErrors: bad input is BAD_USER_INPUT, the precise code beside it
            raise GraphQLError(
                f"countryCode: {exc.message}",
                extensions={"code": "BAD_USER_INPUT", "reason": exc.code},
            ) from exc
        return MarketType.from_domain(market)
