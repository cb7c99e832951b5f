"""The database, not only the use case, keeps a country in at most one active market: two
transactions that both passed the use case's check still cannot both commit a claim."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.markets import SqlMarketRepository
from ordergraph.domain.markets import Market, MarketCountryTaken

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def market(handle: str, countries: set[str], *, active: bool = True) -> Market:
    return Market(
        id=None,
        handle=handle,
        name=handle,
        countries=frozenset(countries),
        currency="EUR",
        active=active,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_concurrent_claims_without_any_check_still_leave_one_winner(
    pg_engine: AsyncEngine,
) -> None:
    first_inserted = asyncio.Event()

    async def claim(handle: str, wait: bool) -> str:
        async with pg_engine.connect() as conn, conn.begin() as tx:
            if wait:
                await first_inserted.wait()
            try:
                await SqlMarketRepository(conn).add(market(handle, {"NL", "BE"}))
            except MarketCountryTaken:
                await tx.rollback()
                return "taken"
            if not wait:
                first_inserted.set()
                await asyncio.sleep(0.2)  # the second insert now waits on the unique index
            return "won"

    outcomes = await asyncio.gather(claim("a", wait=False), claim("b", wait=True))
    assert sorted(outcomes) == ["taken", "won"]
    async with pg_engine.connect() as conn:
        active = await SqlMarketRepository(conn).list_active()
    assert [(m.handle, set(m.countries)) for m in active] == [("a", {"NL", "BE"})]


async def test_inactive_markets_may_share_countries_until_one_is_activated(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        repo = SqlMarketRepository(conn)
        await repo.add(market("live", {"DE"}))
        idle = await repo.add(market("idle", {"DE", "AT"}, active=False))
        await repo.add(market("idle2", {"DE"}, active=False))
    async with engine.connect() as conn, conn.begin():
        repo = SqlMarketRepository(conn)
        found = await repo.get(idle.id or 0)
        assert found is not None
        assert found.countries == {"DE", "AT"}
        found.active, found.version = True, 2
        with pytest.raises(MarketCountryTaken):
            await repo.update(found, previous_version=1)
