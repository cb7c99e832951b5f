"""A draft order as the API shows it: its saved input, its live quote, the order it became."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from ordergraph.domain.drafts import DraftOrder, DraftStatus
from ordergraph.domain.errors import DomainError
from ordergraph.domain.orders import Channel
from ordergraph.schema.context import Info
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.quote import QuoteType
from ordergraph.services.draft_orders import custom_prices, quote_draft
from ordergraph.services.pricing import PricedOrder

strawberry.enum(DraftStatus, name="DraftOrderStatus", description="OPEN, COMPLETED or DELETED.")


@strawberry.type(name="DraftOrderLine")
class DraftOrderLineType:
    sku: str
    quantity: int
    unit_price: MoneyType | None = strawberry.field(
        description="The price per unit completing would charge: the custom one, else the "
        "catalog's (null when the draft can no longer be quoted and has no custom price)."
    )
    price_reason: str | None = strawberry.field(description="Why the price is custom.")
    original_unit_price: MoneyType | None = strawberry.field(
        description="The catalog (market) price per unit, before a custom price (null when "
        "the draft can no longer be quoted)."
    )


@strawberry.type(name="DraftOrder", description="A cart staff built for a customer (staff only).")
class DraftOrderType:
    id: strawberry.ID
    status: DraftStatus
    version: int = strawberry.field(description="Goes up with every change (expectedVersion).")
    channel: Channel
    email: str | None
    sales_rep: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    order_id: strawberry.ID | None = strawberry.field(description="The order it became.")
    reserved_until: datetime | None = strawberry.field(
        description="Until when the draft holds its lines' stock (reserveInventoryUntil); "
        "null when it holds none."
    )
    draft: strawberry.Private[DraftOrder]
    # one quote per draft per request, shared by quote and lines
    priced: strawberry.Private[list[PricedOrder]] = dataclasses.field(default_factory=list)

    async def _quote(self, info: Info) -> PricedOrder:
        if not self.priced:
            principal = info.context.principal
            self.priced.append(await quote_draft(info.context.deps, principal, self.draft))
        return self.priced[0]

    @strawberry.field(
        description="What completing the draft would charge now: quoteOrder for its input "
        "(null once it is completed or deleted; the order then has the money)."
    )
    async def quote(self, info: Info) -> QuoteType | None:
        if self.draft.status is not DraftStatus.OPEN:
            return None
        return QuoteType.from_domain(await self._quote(info))

    @strawberry.field(description="The saved lines, with their prices.")
    async def lines(self, info: Info) -> list[DraftOrderLineType]:
        catalog: dict[str, MoneyType] = {}
        if self.draft.status is DraftStatus.OPEN:
            try:
                priced = await self._quote(info)
            except DomainError:  # no longer placeable (e.g. archived product): no prices
                pass
            else:
                catalog = {
                    sku: MoneyType.from_domain(p) for sku, p in priced.checkout.list_prices.items()
                }
        lines = []
        for line, custom in zip(
            self.draft.request["lines"], custom_prices(self.draft), strict=True
        ):
            sku, quantity = line[0], line[1]
            original = catalog.get(sku)
            lines.append(
                DraftOrderLineType(
                    sku=sku,
                    quantity=quantity,
                    unit_price=(
                        MoneyType.from_domain(custom.unit_price) if custom is not None else original
                    ),
                    price_reason=custom.reason if custom is not None else None,
                    original_unit_price=original,
                )
            )
        return lines

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
            created_at=draft.created_at,
            updated_at=draft.updated_at,
            order_id=(
                strawberry.ID(encode_id("Order", draft.order_id))
                if draft.order_id is not None
                else None
            ),
            reserved_until=draft.reservation_expires_at if draft.reservation else None,
            draft=draft,
        )
