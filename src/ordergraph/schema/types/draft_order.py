"""A draft order as the API shows it: its saved input, its live quote, the order it became."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.drafts import DraftOrder, DraftStatus
from ordergraph.domain.orders import Channel
from ordergraph.schema.context import Info
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.quote import QuoteType
from ordergraph.services.draft_orders import quote_draft

strawberry.enum(DraftStatus, name="DraftOrderStatus", description="OPEN, COMPLETED or DELETED.")


@strawberry.type(name="DraftOrderLine")
class DraftOrderLineType:
    sku: str
    quantity: int


@strawberry.type(name="DraftOrder", description="A cart staff built for a customer (staff only).")
class DraftOrderType:
    id: strawberry.ID
    status: DraftStatus
    version: int = strawberry.field(description="Goes up with every change (expectedVersion).")
    channel: Channel
    email: str | None
    sales_rep: str | None
    created_by: str
    lines: list[DraftOrderLineType]
    created_at: datetime
    updated_at: datetime
    order_id: strawberry.ID | None = strawberry.field(description="The order it became.")
    draft: strawberry.Private[DraftOrder]

    @strawberry.field(
        description="What completing the draft would charge now: quoteOrder for its input "
        "(null once it is completed or deleted; the order then has the money)."
    )
    async def quote(self, info: Info) -> QuoteType | None:
        if self.draft.status is not DraftStatus.OPEN:
            return None
        priced = await quote_draft(info.context.deps, info.context.principal, self.draft)
        return QuoteType.from_domain(priced)

    @classmethod
    def from_domain(cls, draft: DraftOrder) -> DraftOrderType:
        assert draft.id is not None
        r = draft.request
        return cls(
            id=strawberry.ID(encode_id("DraftOrder", draft.id)),
            status=draft.status,
            version=draft.version,
            channel=Channel(r["channel"]),
            email=r["email"],
            sales_rep=r["sales_rep"] or draft.created_by,
            created_by=draft.created_by,
            lines=[DraftOrderLineType(sku=s, quantity=q) for s, q in r["lines"]],
            created_at=draft.created_at,
            updated_at=draft.updated_at,
            order_id=(
                strawberry.ID(encode_id("Order", draft.order_id))
                if draft.order_id is not None
                else None
            ),
            draft=draft,
        )
