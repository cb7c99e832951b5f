"""The discount list, for staff (orders:read): codes are not for customers to browse."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries import discounts as reads
from ordergraph.domain.discounts import clean_discount_code
from ordergraph.domain.errors import DomainError
from ordergraph.schema.context import Info
from ordergraph.schema.pagination import Connection, Edge, paginate
from ordergraph.schema.types.discount import DiscountType


@strawberry.type
class DiscountQuery:
    @strawberry.field(
        description="Discounts, oldest first (orders:read); code matches in any case, a "
        "malformed code matches none."
    )
    async def discounts(
        self,
        info: Info,
        code: str | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[DiscountType]:
        try:
            wanted = clean_discount_code(code) if code is not None else None
        except DomainError:
            wanted = ""  # no stored code is empty
        page = await paginate(
            info,
            reads.discounts_query(wanted, active),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: int(row["id"]),
        )
        found = await reads.discounts_by_id(info.context.read_engine, [e.node for e in page.edges])
        edges = []
        for edge, discount in zip(page.edges, found, strict=True):
            assert discount is not None
            edges.append(Edge(cursor=edge.cursor, node=DiscountType.from_domain(discount)))
        return Connection(edges=edges, page_info=page.page_info, _count=page._count)
