"""Read queries for tax rates."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.tax_rates import SqlTaxRateRepository
from ordergraph.domain.taxes import TaxRate


async def tax_rates_of(engine: AsyncEngine, country_code: str) -> list[TaxRate]:
    """Every rate of a country, active or not, oldest first: one statement."""
    async with engine.connect() as conn:
        return await SqlTaxRateRepository(conn).list_for_country(country_code)
