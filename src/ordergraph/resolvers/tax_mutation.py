"""Tax rate mutations (pricing:write, checked by the use cases)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.taxes import TaxRate
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.tax_io import CreateTaxRateInput, TaxRatePayload, UpdateTaxRateInput
from ordergraph.schema.types.tax_rate import TaxRateType
from ordergraph.services import tax_rates


def _payload(done: TaxRate | None, errors: list[UserError]) -> TaxRatePayload:
    if done is None:
        return TaxRatePayload(user_errors=errors)
    return TaxRatePayload(tax_rate=TaxRateType.from_domain(done))


@strawberry.type
class TaxMutation:
    @strawberry.mutation(
        description="Add a tax rate for a country (or one of its regions) and tax class "
        "(pricing:write). Rates matching a destination add up; DUPLICATE for a name the "
        "country, region and class have already."
    )
    async def create_tax_rate(self, info: Info, input: CreateTaxRateInput) -> TaxRatePayload:
        actor = authenticated(info)

        async def run() -> TaxRate:
            return await tax_rates.create_tax_rate(
                info.context.deps,
                actor,
                country_code=input.country_code,
                region=input.region,
                tax_class=input.tax_class,
                rate=input.rate,
                name=input.name,
                tax_shipping=input.tax_shipping,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Change a tax rate (pricing:write); expectedVersion → CONFLICT with the "
        "current version. active: false stops it applying. Orders placed before keep their tax."
    )
    async def update_tax_rate(self, info: Info, input: UpdateTaxRateInput) -> TaxRatePayload:
        actor = authenticated(info)

        async def run() -> TaxRate:
            return await tax_rates.update_tax_rate(
                info.context.deps,
                actor,
                rate_id=input_id(input.id, "TaxRate", ["id"]),
                expected_version=input.expected_version,
                rate=input.rate,
                name=input.name,
                tax_shipping=input.tax_shipping,
                active=input.active,
            )

        return _payload(*await attempt(run))
