"""Market mutations (pricing:write, checked by the use cases)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.markets import Market
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.market_io import (
    CreateMarketInput,
    MarketPayload,
    MarketRoundingInput,
    UpdateMarketInput,
)
from ordergraph.schema.types.market import MarketType
from ordergraph.services import markets


def _payload(done: Market | None, errors: list[UserError]) -> MarketPayload:
    if done is None:
        return MarketPayload(user_errors=errors)
    return MarketPayload(market=MarketType.from_domain(done))


@strawberry.type
class MarketMutation:
    @strawberry.mutation(
        description="Add a market: countries that buy in one currency, with a tax display, "
        "channels and a rounding policy (pricing:write). A country is in at most one active "
        "market (MARKET_COUNTRY_TAKEN)."
    )
    async def create_market(self, info: Info, input: CreateMarketInput) -> MarketPayload:
        actor = authenticated(info)
        rounding = input.rounding or MarketRoundingInput()

        async def run() -> Market:
            return await markets.create_market(
                info.context.deps,
                actor,
                handle=input.handle,
                name=input.name,
                countries=input.countries,
                currency=input.currency,
                tax_display=input.tax_display,
                channels=input.channels,
                rounding_mode=rounding.mode,
                rounding_rule=rounding.rule,
                tax_failure_policy=input.tax_failure_policy,
                fallback_tax_rate=input.fallback_tax_rate,
                active=input.active,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Change a market (pricing:write); expectedVersion → CONFLICT with the "
        "current version. Orders placed before keep what they were charged."
    )
    async def update_market(self, info: Info, input: UpdateMarketInput) -> MarketPayload:
        actor = authenticated(info)

        async def run() -> Market:
            return await markets.update_market(
                info.context.deps,
                actor,
                market_id=input_id(input.id, "Market", ["id"]),
                expected_version=input.expected_version,
                name=input.name,
                countries=input.countries,
                currency=input.currency,
                tax_display=input.tax_display,
                channels=input.channels,
                rounding_mode=input.rounding.mode if input.rounding else None,
                rounding_rule=input.rounding.rule if input.rounding else None,
                tax_failure_policy=input.tax_failure_policy,
                fallback_tax_rate=input.fallback_tax_rate,
                active=input.active,
            )

        return _payload(*await attempt(run))
