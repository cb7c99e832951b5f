"""Queries for transfers, inbound shipments and the storefront's ``availability``."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import transfers as reads
from ordergraph.db.queries.availability import SqlAvailabilityReader
from ordergraph.db.repositories.transfers import transfer_from_row
from ordergraph.domain.errors import DomainError
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.enums import InboundStatus, TransferStatus
from ordergraph.schema.pagination import Connection, Edge, paginate
from ordergraph.schema.types.availability import SkuAvailabilityType
from ordergraph.schema.types.inbound_shipment import InboundShipmentType
from ordergraph.schema.types.transfer import TransferType
from ordergraph.services.availability import check_availability


@strawberry.type
class TransferQuery:
    @strawberry.field(description="One transfer by its ID (inventory:read).")
    async def transfer(self, info: Info, id: strawberry.ID) -> TransferType | None:
        require(info, Scope.INVENTORY_READ)
        (found,) = await reads.transfers_by_id(
            info.context.read_engine, [query_id(id, "InventoryTransfer", "id")]
        )
        return TransferType.from_domain(found) if found else None

    @strawberry.field(description="Transfers, oldest first, optionally by status.")
    async def inventory_transfers(
        self,
        info: Info,
        status: TransferStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TransferType]:
        require(info, Scope.INVENTORY_READ)
        return await paginate(
            info,
            reads.transfers_query(status.value if status else None),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: TransferType.from_domain(transfer_from_row(row)),
        )

    @strawberry.field(description="One inbound shipment by its ID (inventory:read).")
    async def inbound_shipment(self, info: Info, id: strawberry.ID) -> InboundShipmentType | None:
        require(info, Scope.INVENTORY_READ)
        (found,) = await reads.inbound_by_id(
            info.context.read_engine, [query_id(id, "InboundShipment", "id")]
        )
        return InboundShipmentType.from_domain(found) if found else None

    @strawberry.field(description="Inbound shipments, oldest first, by status or warehouse.")
    async def inbound_shipments(
        self,
        info: Info,
        status: InboundStatus | None = None,
        warehouse_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InboundShipmentType]:
        require(info, Scope.INVENTORY_READ)
        warehouse = query_id(warehouse_id, "Warehouse", "warehouseId") if warehouse_id else None
        page = await paginate(
            info,
            reads.inbound_query(status.value if status else None, warehouse),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: int(row["id"]),
        )
        # the page holds ids; the shipments come with their lines in two more statements
        found = await reads.inbound_by_id(info.context.read_engine, [e.node for e in page.edges])
        edges = []
        for edge, shipment in zip(page.edges, found, strict=True):
            assert shipment is not None
            edges.append(Edge(cursor=edge.cursor, node=InboundShipmentType.from_domain(shipment)))
        return Connection(edges=edges, page_info=page.page_info, _count=page._count)

    @strawberry.field(
        description="For storefronts: per SKU (at most 100), in stock or not, a quantity band, "
        "the delivery promise to that country and, for a backorderable SKU that is out, when "
        "it is back in stock. Unknown SKUs are out of stock."
    )
    async def availability(
        self,
        info: Info,
        skus: list[str],
        country_code: str,
        region: Annotated[
            str | None,
            strawberry.argument(description="The address's region, if known: a same-region lane."),
        ] = None,
    ) -> list[SkuAvailabilityType]:
        actor = authenticated(info)
        try:
            found = await check_availability(
                info.context.deps,
                actor,
                SqlAvailabilityReader(info.context.read_engine),
                skus=skus,
                country_code=country_code,
                region=region,
            )
        except DomainError as exc:
            where = ".".join(exc.field or ())
            # a query has no userErrors: bad input is BAD_USER_INPUT, the precise code beside it
            raise GraphQLError(
                f"{where}: {exc.message}" if where else exc.message,
                extensions={"code": "BAD_USER_INPUT", "reason": exc.code},
            ) from exc
        return [SkuAvailabilityType.from_domain(a) for a in found]
