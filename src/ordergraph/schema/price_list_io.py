"""Inputs and payloads of the price list mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.enums import Channel
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.price_list import PriceListType


@strawberry.input
class CreatePriceListInput:
    name: str
    market_id: strawberry.ID
    channel: Channel | None = strawberry.field(default=None, description="Null: every channel.")
    customer_group: str | None = strawberry.field(
        default=None, description="A customer group handle (e.g. wholesale); null: everyone."
    )
    starts_at: datetime | None = None
    ends_at: datetime | None = strawberry.field(
        default=None, description="After startsAt; the list is in force until (excluding) it."
    )
    active: bool = True


@strawberry.input(description="Absent fields stay; null clears channel, group and dates.")
class UpdatePriceListInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    channel: Channel | None = strawberry.UNSET
    customer_group: str | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    active: bool | None = None


@strawberry.input
class PriceInput:
    sku: str
    amount: str | None = strawberry.field(
        description='A decimal amount in the market currency, e.g. "19.99" (no more places '
        "than the currency has); null removes the SKU's price from the list."
    )


@strawberry.input
class SetPricesInput:
    price_list_id: strawberry.ID
    prices: list[PriceInput] = strawberry.field(description="At most 1,000 rows.")


@strawberry.type
class PriceListPayload:
    price_list: PriceListType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
