"""The built-in tax provider: the shop's own rate table (``createTaxRate``)."""

from __future__ import annotations

from collections.abc import Collection

from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.taxes import TaxAnswer, TaxClass, normalize_region, rates_for


class TableTaxProvider:
    """Reads the destination country's rates through the unit of work, one statement per
    checkout whatever the number of classes, and applies ``rates_for``. A country without an
    active rate is not configured: nothing is charged there."""

    name = "table"

    async def rates(
        self,
        uow: UnitOfWork,
        *,
        country_code: str,
        region: str | None,
        classes: Collection[TaxClass],
    ) -> TaxAnswer:
        country = country_code.strip().upper()
        where = normalize_region(region)
        rates = await uow.tax_rates.list_for_country(country)
        return TaxAnswer(
            rates={c: rates_for(rates, country, where, c) for c in classes},
            # shipping is taxed as a standard-rated supply, by the rates that say so
            shipping=rates_for(
                [r for r in rates if r.tax_shipping], country, where, TaxClass.STANDARD
            ),
            configured=any(r.active for r in rates),
        )
