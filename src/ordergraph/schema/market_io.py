"""Inputs and payloads of the market mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import (
    Channel,
    RoundingMode,
    RoundingRule,
    TaxDisplay,
    TaxFailurePolicy,
)
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.market import MarketType


@strawberry.input(description="Where and how computed amounts are rounded to minor units.")
class MarketRoundingInput:
    mode: RoundingMode = RoundingMode.PER_LINE
    rule: RoundingRule = RoundingRule.HALF_UP


@strawberry.input
class CreateMarketInput:
    handle: str = strawberry.field(description="Lower-case letters, digits and '-': eu, us.")
    name: str
    countries: list[str] = strawberry.field(
        description="ISO 3166-1 alpha-2; each in at most one active market."
    )
    currency: str = strawberry.field(description="ISO 4217.")
    tax_display: TaxDisplay = TaxDisplay.EXCLUSIVE
    channels: list[Channel] = strawberry.field(
        default_factory=lambda: list(Channel), description="Default: every channel."
    )
    rounding: MarketRoundingInput | None = None
    tax_failure_policy: TaxFailurePolicy = strawberry.field(
        default=TaxFailurePolicy.BLOCK,
        description="When the tax provider cannot answer: BLOCK refuses (TAX_UNAVAILABLE), "
        "FALLBACK charges fallbackTaxRate on every class but ZERO.",
    )
    fallback_tax_rate: str | None = strawberry.field(
        default=None, description='A percentage, "21" = 21 %; required for FALLBACK.'
    )
    active: bool = True


@strawberry.input(description="Absent fields stay; a given list replaces the old one.")
class UpdateMarketInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    countries: list[str] | None = None
    currency: str | None = None
    tax_display: TaxDisplay | None = None
    channels: list[Channel] | None = None
    rounding: MarketRoundingInput | None = strawberry.field(
        default=None, description="Replaces the policy (mode and rule)."
    )
    tax_failure_policy: TaxFailurePolicy | None = None
    fallback_tax_rate: str | None = strawberry.field(
        default=None, description='A percentage, "21" = 21 %.'
    )
    active: bool | None = None


@strawberry.type
class MarketPayload:
    market: MarketType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
