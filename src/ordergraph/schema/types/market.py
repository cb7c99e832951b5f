"""A market: countries, currency, tax display, channels and rounding policy."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.markets import Market
from ordergraph.domain.rounding import minor_exponent
from ordergraph.domain.taxes import format_rate
from ordergraph.schema.enums import (
    Channel,
    RoundingMode,
    RoundingRule,
    TaxDisplay,
    TaxFailurePolicy,
)
from ordergraph.schema.ids import encode_id


@strawberry.type(name="MarketRounding", description="Where and how amounts are rounded.")
class MarketRoundingType:
    mode: RoundingMode
    rule: RoundingRule


@strawberry.type(
    name="Market",
    description="Countries that buy in one currency, with a tax display, channels and a "
    "rounding policy. The built-in default market (isDefault, no id) applies where no active "
    "market sells to a country.",
)
class MarketType:
    id: strawberry.ID | None = strawberry.field(description="Null for the default market.")
    handle: str
    name: str
    countries: list[str] = strawberry.field(description="ISO 3166-1 alpha-2, sorted.")
    currency: str = strawberry.field(description="ISO 4217.")
    currency_exponent: int = strawberry.field(
        description="Decimal places of the currency's minor unit (JPY 0, EUR 2, KWD 3)."
    )
    tax_display: TaxDisplay
    channels: list[Channel]
    rounding: MarketRoundingType
    tax_failure_policy: TaxFailurePolicy = strawberry.field(
        description="When the tax provider cannot answer: BLOCK refuses the checkout "
        "(TAX_UNAVAILABLE), FALLBACK charges fallbackTaxRate."
    )
    fallback_tax_rate: str | None = strawberry.field(
        description='A percentage as a decimal string ("21" = 21 %); required for FALLBACK.'
    )
    active: bool
    is_default: bool
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, m: Market) -> MarketType:
        return cls(
            id=strawberry.ID(encode_id("Market", m.id)) if m.id is not None else None,
            handle=m.handle,
            name=m.name,
            countries=sorted(m.countries),
            currency=m.currency,
            currency_exponent=minor_exponent(m.currency),
            tax_display=m.tax_display,
            channels=sorted(m.channels),
            rounding=MarketRoundingType(mode=m.rounding.mode, rule=m.rounding.rule),
            tax_failure_policy=m.tax_failure_policy,
            fallback_tax_rate=(
                format_rate(m.fallback_tax_rate) if m.fallback_tax_rate is not None else None
            ),
            active=m.active,
            is_default=m.is_default,
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )
