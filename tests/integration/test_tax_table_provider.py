"""The built-in tax provider on PostgreSQL: the rates of a destination in one SQL statement
whatever the number of classes, additive country and region rates, and the database's unique
indexes on (country, region, class, name) with NULL regions included."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.domain.errors import Duplicate
from ordergraph.domain.markets import Market
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.taxes import AppliedRate, TaxClass, TaxFailurePolicy, TaxPolicyUsed
from ordergraph.gateways import TableTaxProvider
from ordergraph.services.deps import Deps
from ordergraph.services.markets import create_market
from ordergraph.services.tax_rates import create_tax_rate, update_tax_rate
from ordergraph.services.taxes import resolve_taxes

ALL = (TaxClass.STANDARD, TaxClass.REDUCED, TaxClass.ZERO)


async def add(deps: Deps, country: str, percent: str, name: str, **extra: Any) -> int:
    created = await create_tax_rate(
        deps,
        SYSTEM,
        country_code=country,
        tax_class=extra.pop("tax_class", TaxClass.STANDARD),
        rate=percent,
        name=name,
        **extra,
    )
    assert created.id is not None
    return created.id


def counting(engine: AsyncEngine) -> list[str]:
    statements: list[str] = []

    def on_execute(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return statements


async def test_the_rates_of_a_destination_take_one_statement(
    pg_engine: AsyncEngine, pg_deps: Deps
) -> None:
    await add(pg_deps, "CA", "5", "GST", tax_shipping=True)
    await add(pg_deps, "CA", "8", "PST", region="ON", tax_shipping=True)
    await add(pg_deps, "CA", "9.975", "QST", region="QC")
    await add(pg_deps, "CA", "2.5", "Books", tax_class=TaxClass.REDUCED)
    await add(pg_deps, "US", "6", "Sales")
    statements = counting(pg_engine)
    async with pg_deps.uow() as uow:
        statements.clear()
        answer = await TableTaxProvider().rates(
            uow, country_code="CA", region="on", classes=frozenset(ALL)
        )
        asked = [s for s in statements if "tax_rates" in s]
    assert len(asked) == 1, statements
    assert answer.configured
    assert answer.rates == {
        TaxClass.STANDARD: (AppliedRate("GST", Decimal(5)), AppliedRate("PST", Decimal(8))),
        TaxClass.REDUCED: (AppliedRate("Books", Decimal("2.5")),),
        TaxClass.ZERO: (),
    }
    assert answer.shipping == (AppliedRate("GST", Decimal(5)), AppliedRate("PST", Decimal(8)))


async def test_resolution_through_the_unit_of_work_and_deactivation(pg_deps: Deps) -> None:
    market = await create_market(
        pg_deps,
        SYSTEM,
        handle="de",
        name="Germany",
        countries=["DE"],
        currency="EUR",
        tax_failure_policy=TaxFailurePolicy.FALLBACK,
        fallback_tax_rate="19",
    )
    assert (market.tax_failure_policy, market.fallback_tax_rate) == (
        TaxFailurePolicy.FALLBACK,
        Decimal(19),
    )
    vat = await add(pg_deps, "DE", "19", "MwSt")

    async def resolved(m: Market) -> tuple[TaxPolicyUsed, tuple[AppliedRate, ...]]:
        async with pg_deps.uow() as uow:
            found = await resolve_taxes(
                uow, pg_deps, market=m, country_code="DE", region=None, classes=ALL
            )
        return found.policy, found.rates[TaxClass.STANDARD]

    assert await resolved(market) == (
        TaxPolicyUsed.PROVIDER,
        (AppliedRate("MwSt", Decimal(19)),),
    )
    await update_tax_rate(pg_deps, SYSTEM, rate_id=vat, active=False)
    assert await resolved(market) == (TaxPolicyUsed.NONE, ())


async def test_the_unique_indexes_hold_names_per_country_region_and_class(
    pg_deps: Deps,
) -> None:
    await add(pg_deps, "CA", "5", "GST")
    await add(pg_deps, "CA", "8", "PST", region="ON")
    with pytest.raises(Duplicate):
        await add(pg_deps, "CA", "6", "GST")  # NULL regions are not distinct here
    with pytest.raises(Duplicate):
        await add(pg_deps, "CA", "7", "PST", region="ON")
    await add(pg_deps, "CA", "7", "PST", region="BC")
    await add(pg_deps, "CA", "1", "GST", tax_class=TaxClass.REDUCED)
    async with pg_deps.uow() as uow:
        stored = await uow.tax_rates.list_for_country("CA")
    assert [(r.name, r.region, r.tax_class, r.rate) for r in stored] == [
        ("GST", None, TaxClass.STANDARD, Decimal(5)),
        ("PST", "ON", TaxClass.STANDARD, Decimal(8)),
        ("PST", "BC", TaxClass.STANDARD, Decimal(7)),
        ("GST", None, TaxClass.REDUCED, Decimal(1)),
    ]
