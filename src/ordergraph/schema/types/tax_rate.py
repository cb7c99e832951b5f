"""A tax rate: a percentage for one tax class in one country, optionally one region."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.taxes import TaxRate, format_rate
from ordergraph.schema.enums import TaxClass
from ordergraph.schema.ids import encode_id


@strawberry.type(
    name="TaxRate",
    description="A percentage for one tax class in one country, country-wide or for one "
    "region. Every active rate matching a destination applies: a country rate and a region "
    "rate add up (GST + PST).",
)
class TaxRateType:
    id: strawberry.ID
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    region: str | None = strawberry.field(
        description="A state or province code (CA, ON); null for the whole country."
    )
    tax_class: TaxClass
    rate: str = strawberry.field(description='A percentage as a decimal string: "21", "7.25".')
    name: str = strawberry.field(description="Shown on receipts and invoices: VAT, GST, PST.")
    tax_shipping: bool = strawberry.field(
        description="Whether the rate applies to shipping too (STANDARD rates only)."
    )
    active: bool
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, r: TaxRate) -> TaxRateType:
        assert r.id is not None
        return cls(
            id=strawberry.ID(encode_id("TaxRate", r.id)),
            country_code=r.country_code,
            region=r.region,
            tax_class=r.tax_class,
            rate=format_rate(r.rate),
            name=r.name,
            tax_shipping=r.tax_shipping,
            active=r.active,
            version=r.version,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
