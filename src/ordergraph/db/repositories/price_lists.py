"""Price lists and their prices; ``candidates`` feeds the pure chooser in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import price_list_prices, price_lists
from ordergraph.domain.orders import Channel
from ordergraph.domain.price_lists import ListedPrice, PriceList


def _row(price_list: PriceList) -> dict[str, Any]:
    return {
        "name": price_list.name,
        "market_id": price_list.market_id,
        "channel": price_list.channel.value if price_list.channel else None,
        "customer_group": price_list.customer_group,
        "starts_at": price_list.starts_at,
        "ends_at": price_list.ends_at,
        "active": price_list.active,
        "created_at": price_list.created_at,
        "updated_at": price_list.updated_at,
        "version": price_list.version,
    }


def price_list_from_row(row: Any) -> PriceList:
    return PriceList(
        id=row["id"],
        name=row["name"],
        market_id=row["market_id"],
        channel=Channel(row["channel"]) if row["channel"] else None,
        customer_group=row["customer_group"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        active=row["active"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlPriceListRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, price_list: PriceList) -> PriceList:
        price_list.id = await self._conn.scalar(
            sa.insert(price_lists).values(**_row(price_list)).returning(price_lists.c.id)
        )
        return price_list

    async def get(self, price_list_id: int) -> PriceList | None:
        row = (
            (
                await self._conn.execute(
                    sa.select(price_lists).where(price_lists.c.id == price_list_id)
                )
            )
            .mappings()
            .first()
        )
        return price_list_from_row(row) if row is not None else None

    async def update(self, price_list: PriceList, *, previous_version: int) -> bool:
        values = {k: v for k, v in _row(price_list).items() if k not in ("created_at", "market_id")}
        result = await self._conn.execute(
            sa.update(price_lists)
            .where(price_lists.c.id == price_list.id, price_lists.c.version == previous_version)
            .values(**values)
        )
        return result.rowcount == 1

    async def set_prices(
        self, price_list_id: int, prices: Mapping[str, int], removed: Sequence[str]
    ) -> None:
        # delete-then-insert is the one upsert both dialects share; the rows are this list's
        # and the transaction holds them, so nobody sees the gap
        touched = sorted({*prices, *removed})
        if touched:
            await self._conn.execute(
                sa.delete(price_list_prices).where(
                    price_list_prices.c.price_list_id == price_list_id,
                    price_list_prices.c.sku.in_(touched),
                )
            )
        if prices:
            await self._conn.execute(
                sa.insert(price_list_prices),
                [
                    {"price_list_id": price_list_id, "sku": sku, "amount_minor": amount}
                    for sku, amount in sorted(prices.items())
                ],
            )

    async def candidates(
        self,
        *,
        market_id: int,
        channel: Channel,
        customer_group: str | None,
        skus: Sequence[str],
        now: datetime,
    ) -> tuple[list[PriceList], list[ListedPrice]]:
        if not skus:
            return [], []
        pl = price_lists.c
        group_matches = (
            pl.customer_group.is_(None)
            if customer_group is None
            else sa.or_(pl.customer_group.is_(None), pl.customer_group == customer_group)
        )
        stmt = (
            sa.select(
                price_lists,
                price_list_prices.c.sku,
                price_list_prices.c.amount_minor,
            )
            .join(price_list_prices, price_list_prices.c.price_list_id == pl.id)
            .where(
                pl.market_id == market_id,
                pl.active.is_(True),
                sa.or_(pl.starts_at.is_(None), pl.starts_at <= now),
                sa.or_(pl.ends_at.is_(None), pl.ends_at > now),
                sa.or_(pl.channel.is_(None), pl.channel == channel.value),
                group_matches,
                price_list_prices.c.sku.in_(sorted(set(skus))),
            )
        )
        lists: dict[int, PriceList] = {}
        listed: list[ListedPrice] = []
        for row in (await self._conn.execute(stmt)).mappings():
            if row["id"] not in lists:
                lists[row["id"]] = price_list_from_row(row)
            listed.append(ListedPrice(row["id"], row["sku"], row["amount_minor"]))
        return list(lists.values()), listed
