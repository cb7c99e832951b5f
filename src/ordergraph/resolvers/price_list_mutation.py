"""Price list mutations (pricing:write, checked by the use cases)."""

from __future__ import annotations

from typing import Any

import strawberry

from ordergraph.db.queries import markets as market_reads
from ordergraph.domain.errors import DomainError
from ordergraph.domain.price_lists import PriceList, PricesRejected
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.price_list_io import (
    CreatePriceListInput,
    PriceListPayload,
    SetPricesInput,
    UpdatePriceListInput,
)
from ordergraph.schema.types.price_list import PriceListType
from ordergraph.services import price_lists

# an explicit null clears these (a blank customerGroup too); absent leaves them
_CLEARABLE = ("channel", "customer_group", "starts_at", "ends_at")


async def _payload(info: Info, done: PriceList | None, errors: list[UserError]) -> PriceListPayload:
    if done is None:
        return PriceListPayload(user_errors=errors)
    (market,) = await market_reads.markets_by_id(info.context.read_engine, [done.market_id])
    assert market is not None
    return PriceListPayload(price_list=PriceListType.from_domain(done, market))


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


@strawberry.type
class PriceListMutation:
    @strawberry.mutation(
        description="Add an empty price list to a market, for one channel and/or customer "
        "group or for all, in force from startsAt until endsAt (pricing:write)."
    )
    async def create_price_list(self, info: Info, input: CreatePriceListInput) -> PriceListPayload:
        actor = authenticated(info)

        async def run() -> PriceList:
            return await price_lists.create_price_list(
                info.context.deps,
                actor,
                name=input.name,
                market_id=input_id(input.market_id, "Market", ["marketId"]),
                channel=input.channel,
                customer_group=input.customer_group,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                active=input.active,
            )

        return await _payload(info, *await attempt(run))

    @strawberry.mutation(
        description="Change a price list (pricing:write); expectedVersion → CONFLICT with the "
        "current version. Orders placed before keep what they were charged."
    )
    async def update_price_list(self, info: Info, input: UpdatePriceListInput) -> PriceListPayload:
        actor = authenticated(info)
        given = {name: getattr(input, name) for name in _CLEARABLE}
        cleared = frozenset(
            name
            for name, value in given.items()
            if value is None or (isinstance(value, str) and not value.strip())
        )

        async def run() -> PriceList:
            return await price_lists.update_price_list(
                info.context.deps,
                actor,
                price_list_id=input_id(input.id, "PriceList", ["id"]),
                expected_version=input.expected_version,
                name=input.name,
                channel=_given(input.channel),
                customer_group=_given(input.customer_group),
                starts_at=_given(input.starts_at),
                ends_at=_given(input.ends_at),
                active=input.active,
                clear=cleared,
            )

        return await _payload(info, *await attempt(run))

    @strawberry.mutation(
        description="Set or remove (amount: null) up to 1,000 prices of a list, all or "
        "nothing: one userError per refused row, field ['input', 'prices', '<index>', …] "
        "(unknown SKU NOT_FOUND, bad or too precise amount INVALID_AMOUNT) (pricing:write)."
    )
    async def set_prices(self, info: Info, input: SetPricesInput) -> PriceListPayload:
        actor = authenticated(info)
        try:
            done = await price_lists.set_prices(
                info.context.deps,
                actor,
                price_list_id=input_id(input.price_list_id, "PriceList", ["priceListId"]),
                prices=[(row.sku, row.amount) for row in input.prices],
            )
        except PricesRejected as rejected:
            return PriceListPayload(
                user_errors=[UserError.from_domain(error) for error in rejected.errors]
            )
        except DomainError as error:
            return PriceListPayload(user_errors=[UserError.from_domain(error)])
        return await _payload(info, done, [])
