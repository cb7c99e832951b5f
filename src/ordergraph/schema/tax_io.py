"""Inputs and payloads of the tax rate mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import TaxClass
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.tax_rate import TaxRateType


@strawberry.input
class CreateTaxRateInput:
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    region: str | None = strawberry.field(
        default=None, description="A state or province code (CA, ON); absent: the country."
    )
    tax_class: TaxClass = TaxClass.STANDARD
    rate: str = strawberry.field(
        description='A percentage from 0 to 100, at most 4 decimals: "21" = 21 %.'
    )
    name: str = strawberry.field(description="Shown on receipts: VAT, GST, PST.")
    tax_shipping: bool = strawberry.field(
        default=False, description="Apply it to shipping too (STANDARD rates only)."
    )


@strawberry.input(description="Absent fields stay; country, region and class never change.")
class UpdateTaxRateInput:
    id: strawberry.ID
    expected_version: int | None = None
    rate: str | None = None
    name: str | None = None
    tax_shipping: bool | None = None
    active: bool | None = None


@strawberry.type
class TaxRatePayload:
    tax_rate: TaxRateType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
