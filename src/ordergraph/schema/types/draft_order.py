"""A draft order as the API shows it: its saved input, its live quote, the order it became."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.custom_prices import CustomPrice
from ordergraph.domain.drafts import DraftOrder, DraftStatus
from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel
from ordergraph.schema.context import Info
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.quote import QuoteType
from ordergraph.services.draft_orders import custom_prices, quote_draft
from ordergraph.services.pricing import PricedOrder

strawberry.enum(DraftStatus, name="DraftOrderStatus", description="OPEN, COMPLETED or DELETED.")


class DraftPrices:
    """The draft's quote, computed at most once per request and only when a field needs it
    (``quote``, or a line's catalog price): listing drafts by sku and quantity quotes none."""

    def __init__(self, draft: DraftOrder) -> None:
        self.draft = draft
        self._priced: PricedOrder | None = None

    async def priced(self, info: Info) -> PricedOrder:
        if self._priced is None:
            principal = info.context.principal
            self._priced = await quote_draft(info.context.deps, principal, self.draft)
        return self._priced

    async def list_price(self, info: Info, sku: str) -> Money | None:
        """The market price of ``sku`` before a custom price; None once the draft is closed or
        can no longer be quoted (e.g. its product was archived)."""
        if self.draft.status is not DraftStatus.OPEN:
            return None
        try:
            priced = await self.priced(info)
        except DomainError:
            return None
        return priced.checkout.list_prices.get(sku)


@strawberry.type(name="DraftOrderLine")
class DraftOrderLineType:
    sku: str
    quantity: int
    price_reason: str | None = strawberry.field(description="Why the price is custom.")
    custom: strawberry.Private[CustomPrice | None]
    prices: strawberry.Private[DraftPrices]

    @strawberry.field(
        description="The price per unit completing would charge: the custom one, else the "
        "catalog's (null when the draft can no longer be quoted and has no custom price)."
    )
    async def unit_price(self, info: Info) -> MoneyType | None:
        if self.custom is not None:
            return MoneyType.from_domain(self.custom.unit_price)
        return await self._list_price(info)

    async def _list_price(self, info: Info) -> MoneyType | None:
        price = await self.prices.list_price(info, self.sku)
        return MoneyType.from_domain(price) if price is not None else None

    @strawberry.field(
        description="The catalog (market) price per unit, before a custom price (null once "
        "the draft is completed or deleted, or can no longer be quoted)."
    )
    async def original_unit_price(self, info: Info) -> MoneyType | None:
        return await self._list_price(info)


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
    lines: list[DraftOrderLineType] = strawberry.field(description="The saved lines.")
    draft: strawberry.Private[DraftOrder]
    prices: strawberry.Private[DraftPrices]

    @strawberry.field(
        description="What completing the draft would charge now: quoteOrder for its input "
        "(null once it is completed or deleted; the order then has the money)."
    )
    async def quote(self, info: Info) -> QuoteType | None:
        if self.draft.status is not DraftStatus.OPEN:
            return None
        return QuoteType.from_domain(await self.prices.priced(info))

    @classmethod
    def from_domain(cls, draft: DraftOrder) -> DraftOrderType:
        assert draft.id is not None
        r = draft.request
        prices = DraftPrices(draft)
        lines = [
            DraftOrderLineType(
                sku=line[0],
                quantity=line[1],
                price_reason=custom.reason if custom is not None else None,
                custom=custom,
                prices=prices,
            )
            for line, custom in zip(r["lines"], custom_prices(draft), strict=True)
        ]
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
            lines=lines,
            draft=draft,
            prices=prices,
        )
