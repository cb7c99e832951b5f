"""Queries for tax rates."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.tax_rates import tax_rates_of
from ordergraph.domain.errors import DomainError
from ordergraph.domain.validation import clean_country
from ordergraph.schema.context import Info
from ordergraph.schema.types.tax_rate import TaxRateType


@strawberry.type
class TaxQuery:
    @strawberry.field(
        description="Every tax rate of a country, active or not, every region and class, "
        "oldest first (catalog:read)."
    )
    async def tax_rates(self, info: Info, country_code: str) -> list[TaxRateType]:
        try:
            code = clean_country(country_code, ["countryCode"])
        except DomainError as exc:
            # a query has no userErrors: bad input is BAD_USER_INPUT, the precise code beside it
            raise GraphQLError(
                f"countryCode: {exc.message}",
                extensions={"code": "BAD_USER_INPUT", "reason": exc.code},
            ) from exc
        rates = await tax_rates_of(info.context.read_engine, code)
        return [TaxRateType.from_domain(r) for r in rates]
