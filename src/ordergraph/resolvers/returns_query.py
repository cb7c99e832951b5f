"""The ``returns`` query."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries.orders import returns_query
from ordergraph.domain.access import Reach, order_reach
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.enums import ReturnStatus
from ordergraph.schema.pagination import Connection, Edge, paginate
from ordergraph.schema.types.returns import ReturnType


@strawberry.type
class ReturnsQuery:
    @strawberry.field(description="Returns, oldest first, filtered by status or order.")
    async def returns(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: ReturnStatus | None = None,
        order_id: strawberry.ID | None = None,
    ) -> Connection[ReturnType]:
        reach = order_reach(authenticated(info))
        if reach.reach is Reach.NONE:
            require(info, Scope.ORDERS_READ)  # raises FORBIDDEN
        customer = reach.customer_id  # None for staff: every return
        order = query_id(order_id, "Order", "orderId") if order_id else None
        loader = info.context.loaders.return_by_id
        page = await paginate(
            info,
            returns_query(status.value if status else None, order, customer),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: int(row["id"]),
        )
        # the page holds ids; the loader brings each return with its lines in two queries
        found = await loader.load_many([edge.node for edge in page.edges])
        edges = []
        for edge, rma in zip(page.edges, found, strict=True):
            assert rma is not None
            edges.append(Edge(cursor=edge.cursor, node=ReturnType.from_domain(rma)))
        return Connection(edges=edges, page_info=page.page_info, _count=page._count)
