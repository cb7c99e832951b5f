"""Queries for carrier services and the checkout's ``shippingOptions``."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import carrier_services as reads
from ordergraph.domain.errors import DomainError
from ordergraph.domain.orders import RequestedLine
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import input_id
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.enums import Channel
from ordergraph.schema.order_inputs import OrderLineInput
from ordergraph.schema.pagination import Connection, Edge, paginate
from ordergraph.schema.types.carrier_service import CarrierServiceType
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.shipping_option import ShippingOptionType
from ordergraph.services.shipping_options import shipping_options


@strawberry.type
class CarrierQuery:
    @strawberry.field(description="Carrier services, oldest first (orders:read).")
    async def carrier_services(
        self,
        info: Info,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CarrierServiceType]:
        require(info, Scope.ORDERS_READ)
        page = await paginate(
            info,
            reads.carrier_services_query(active),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: int(row["id"]),
        )
        # the page holds ids; the services come with lanes and rates in three more statements
        found = await reads.services_by_id(info.context.read_engine, [e.node for e in page.edges])
        edges = []
        for edge, service in zip(page.edges, found, strict=True):
            assert service is not None
            edges.append(Edge(cursor=edge.cursor, node=CarrierServiceType.from_domain(service)))
        return Connection(edges=edges, page_info=page.page_info, _count=page._count)

    @strawberry.field(
        description="The ways this cart can ship to this address, cheapest first: routed as "
        "placeOrder would route it, priced by each carrier service's rates, with a delivery "
        "window from cut-offs, working days and (once 20 deliveries exist) transit history."
    )
    async def shipping_options(
        self,
        info: Info,
        lines: list[OrderLineInput],
        shipping_address: AddressInput,
        channel: Channel = Channel.WEB,
        market_id: strawberry.ID | None = None,
    ) -> list[ShippingOptionType]:
        actor = authenticated(info)
        try:
            quotes = await shipping_options(
                info.context.deps,
                actor,
                lines=[RequestedLine(line.sku, line.quantity) for line in lines],
                shipping_address=shipping_address.to_fields(),
                channel=channel,
                market_id=(
                    input_id(market_id, "Market", ["marketId"]) if market_id is not None else None
                ),
            )
        except DomainError as exc:
            where = ".".join(exc.field or ())
            # a query has no userErrors: bad input is BAD_USER_INPUT, the precise code beside it
            raise GraphQLError(
                f"{where}: {exc.message}" if where else exc.message,
                extensions={"code": "BAD_USER_INPUT", "reason": exc.code},
            ) from exc
        return [ShippingOptionType.from_domain(q) for q in quotes]
