"""Markets with their countries; the partial unique index keeps a country in one active market."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories.tax_rates import rate_from_e4, rate_to_e4
from ordergraph.db.tables import market_countries, markets
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.markets import Market, MarketCountryTaken, TaxDisplay
from ordergraph.domain.orders import Channel
from ordergraph.domain.rounding import RoundingMode, RoundingPolicy, RoundingRule
from ordergraph.domain.taxes import TaxFailurePolicy


def _row(market: Market) -> dict[str, Any]:
    return {
        "handle": market.handle,
        "name": market.name,
        "currency": market.currency,
        "tax_display": market.tax_display.value,
        "channels": sorted(c.value for c in market.channels),
        "rounding_mode": market.rounding.mode.value,
        "rounding_rule": market.rounding.rule.value,
        "tax_failure_policy": market.tax_failure_policy.value,
        "fallback_tax_rate_e4": (
            None if market.fallback_tax_rate is None else rate_to_e4(market.fallback_tax_rate)
        ),
        "active": market.active,
        "created_at": market.created_at,
        "updated_at": market.updated_at,
        "version": market.version,
    }


def market_from_row(row: Any, countries: Sequence[str]) -> Market:
    return Market(
        id=row["id"],
        handle=row["handle"],
        name=row["name"],
        countries=frozenset(countries),
        currency=row["currency"],
        tax_display=TaxDisplay(row["tax_display"]),
        channels=frozenset(Channel(c) for c in row["channels"]),
        rounding=RoundingPolicy(
            RoundingMode(row["rounding_mode"]), RoundingRule(row["rounding_rule"])
        ),
        tax_failure_policy=TaxFailurePolicy(row["tax_failure_policy"]),
        fallback_tax_rate=(
            None if (e4 := row["fallback_tax_rate_e4"]) is None else rate_from_e4(e4)
        ),
        active=row["active"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load_markets(
    conn: AsyncConnection, where: sa.ColumnElement[bool] | None = None
) -> list[Market]:
    """Markets (by id) with their countries: two statements for any number."""
    stmt = sa.select(markets).order_by(markets.c.id)
    if where is not None:
        stmt = stmt.where(where)
    rows = (await conn.execute(stmt)).mappings().all()
    if not rows:
        return []
    countries: dict[int, list[str]] = {r["id"]: [] for r in rows}
    for market_id, code in await conn.execute(
        sa.select(market_countries.c.market_id, market_countries.c.country_code).where(
            market_countries.c.market_id.in_(list(countries))
        )
    ):
        countries[market_id].append(code)
    return [market_from_row(r, countries[r["id"]]) for r in rows]


class SqlMarketRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _claim(self, market: Market) -> None:
        """Write the market's countries; a country another active market holds (a concurrent
        claim that committed first) trips the partial unique index."""
        assert market.id is not None
        if not market.countries:
            return
        try:
            await self._conn.execute(
                sa.insert(market_countries),
                [
                    {"market_id": market.id, "country_code": c, "active": market.active}
                    for c in sorted(market.countries)
                ],
            )
        except IntegrityError as exc:
            raise MarketCountryTaken("one of these countries", holder=None) from exc

    async def add(self, market: Market) -> Market:
        try:
            market.id = await self._conn.scalar(
                sa.insert(markets).values(**_row(market)).returning(markets.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate(
                f"a market with handle {market.handle} exists", field=["handle"]
            ) from exc
        await self._claim(market)
        return market

    async def get(self, market_id: int) -> Market | None:
        found = await load_markets(self._conn, markets.c.id == market_id)
        return found[0] if found else None

    async def get_by_handle(self, handle: str) -> Market | None:
        found = await load_markets(self._conn, markets.c.handle == handle)
        return found[0] if found else None

    async def update(self, market: Market, *, previous_version: int) -> bool:
        try:
            result = await self._conn.execute(
                sa.update(markets)
                .where(markets.c.id == market.id, markets.c.version == previous_version)
                .values(**{k: v for k, v in _row(market).items() if k != "created_at"})
            )
        except IntegrityError as exc:
            raise Duplicate(
                f"a market with handle {market.handle} exists", field=["handle"]
            ) from exc
        if result.rowcount != 1:
            return False
        await self._conn.execute(
            sa.delete(market_countries).where(market_countries.c.market_id == market.id)
        )
        await self._claim(market)
        return True

    async def list_active(self) -> list[Market]:
        return await load_markets(self._conn, markets.c.active.is_(True))
