"""A price list: a market's prices for a channel and/or customer group, in a window."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.db.queries.price_lists import prices_query
from ordergraph.domain.markets import Market
from ordergraph.domain.money import Money
from ordergraph.domain.price_lists import PriceList
from ordergraph.schema.context import Info
from ordergraph.schema.enums import Channel
from ordergraph.schema.ids import encode_id
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.market import MarketType
from ordergraph.schema.types.money import MoneyType


@strawberry.type(name="PriceListPrice", description="One SKU's price on a list.")
class PriceListPriceType:
    sku: str
    amount: MoneyType = strawberry.field(
        description="In the market currency, as displayed (gross in a tax-inclusive market)."
    )


@strawberry.type(
    name="PriceList",
    description="A market's prices, for one channel and/or customer group or for all, in "
    "force from startsAt until endsAt. An order takes, per SKU, the price of the most "
    "specific list in force (channel and group, group, channel, neither; then the latest "
    "start, then the newest list), else the product's price in the market currency.",
)
class PriceListType:
    pk: strawberry.Private[int]
    currency: strawberry.Private[str]
    id: strawberry.ID
    name: str
    market: MarketType
    channel: Channel | None = strawberry.field(description="Null: every channel.")
    customer_group: str | None = strawberry.field(description="Null: every customer and guests.")
    starts_at: datetime | None = strawberry.field(description="Null: since always.")
    ends_at: datetime | None = strawberry.field(description="Null: until further notice.")
    active: bool
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, price_list: PriceList, market: Market) -> PriceListType:
        assert price_list.id is not None
        return cls(
            pk=price_list.id,
            currency=market.currency,
            id=strawberry.ID(encode_id("PriceList", price_list.id)),
            name=price_list.name,
            market=MarketType.from_domain(market),
            channel=price_list.channel,
            customer_group=price_list.customer_group,
            starts_at=price_list.starts_at,
            ends_at=price_list.ends_at,
            active=price_list.active,
            version=price_list.version,
            created_at=price_list.created_at,
            updated_at=price_list.updated_at,
        )

    @strawberry.field(description="The list's prices, by SKU.")
    async def prices(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PriceListPriceType]:
        currency = self.currency
        return await paginate(
            info,
            prices_query(self.pk),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=lambda row: PriceListPriceType(
                sku=row["sku"],
                amount=MoneyType.from_domain(Money(row["amount_minor"], currency)),
            ),
        )
