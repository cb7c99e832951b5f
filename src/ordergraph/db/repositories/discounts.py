"""Discounts and their uses. A use is taken by conditional statements, so two concurrent
transactions can never both take the last one (see ``take_use``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import discount_usages, discounts
from ordergraph.domain.discounts import Discount, DiscountKind, DiscountScope, UseOutcome
from ordergraph.domain.errors import Duplicate


def _row(d: Discount) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "kind": d.kind.value,
        "value": str(d.value),
        "currency": d.currency,
        "scope": d.scope.value,
        "skus": sorted(d.skus),
        "groups": sorted(d.groups),
        "minimum_subtotal_minor": d.minimum_subtotal,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "usage_limit": d.usage_limit,
        "per_customer_limit": d.per_customer_limit,
        "combinable": d.combinable,
        "active": d.active,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "version": d.version,
    }


def discount_from_row(row: Any) -> Discount:
    return Discount(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=DiscountKind(row["kind"]),
        value=Decimal(row["value"]),
        currency=row["currency"],
        scope=DiscountScope(row["scope"]),
        skus=frozenset(row["skus"]),
        groups=frozenset(row["groups"]),
        minimum_subtotal=row["minimum_subtotal_minor"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        usage_limit=row["usage_limit"],
        per_customer_limit=row["per_customer_limit"],
        combinable=row["combinable"],
        active=row["active"],
        times_used=row["times_used"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def usable_automatic(currency: str, now: datetime) -> sa.ColumnElement[bool]:
    """Automatic discounts that may apply now in ``currency`` (``unusable_reason`` decides)."""
    c = discounts.c
    return sa.and_(
        c.code.is_(None),
        c.active.is_(True),
        sa.or_(c.currency.is_(None), c.currency == currency),
        sa.or_(c.starts_at.is_(None), c.starts_at <= now),
        sa.or_(c.ends_at.is_(None), c.ends_at > now),
        sa.or_(c.usage_limit.is_(None), c.times_used < c.usage_limit),
    )


class SqlDiscountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, where: sa.ColumnElement[bool]) -> Discount | None:
        row = (await self._conn.execute(sa.select(discounts).where(where))).mappings().first()
        return discount_from_row(row) if row is not None else None

    async def add(self, discount: Discount) -> Discount:
        try:
            discount.id = await self._conn.scalar(
                sa.insert(discounts).values(**_row(discount)).returning(discounts.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate(f"the code {discount.code} is taken", field=["code"]) from exc
        return discount

    async def get(self, discount_id: int) -> Discount | None:
        return await self._one(discounts.c.id == discount_id)

    async def get_by_code(self, code: str) -> Discount | None:
        return await self._one(discounts.c.code == code)

    async def update(self, discount: Discount, *, previous_version: int) -> bool:
        values = {k: v for k, v in _row(discount).items() if k not in ("code", "created_at")}
        result = await self._conn.execute(
            sa.update(discounts)
            .where(discounts.c.id == discount.id, discounts.c.version == previous_version)
            .values(**values)
        )
        return bool(result.rowcount == 1)

    async def for_checkout(
        self, codes: Sequence[str], currency: str, now: datetime
    ) -> list[Discount]:
        where = usable_automatic(currency, now)
        if codes:
            where = sa.or_(discounts.c.code.in_(list(codes)), where)
        stmt = sa.select(discounts).where(where).order_by(discounts.c.id)
        return [discount_from_row(r) for r in (await self._conn.execute(stmt)).mappings()]

    async def _record_use(
        self, discount_id: int, order_id: int, customer_key: str, now: datetime
    ) -> bool:
        values = {
            "discount_id": discount_id,
            "order_id": order_id,
            "customer_key": customer_key,
            "taken_at": now,
        }
        keys = ["discount_id", "order_id"]
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(discount_usages)
            .values(**values)
            .on_conflict_do_nothing(index_elements=keys)
        )
        result = await self._conn.execute(stmt.returning(discount_usages.c.id))
        return result.first() is not None

    async def take_use(
        self, discount_id: int, *, order_id: int, customer_key: str, now: datetime
    ) -> UseOutcome:
        if not await self._record_use(discount_id, order_id, customer_key, now):
            return UseOutcome.ALREADY_TAKEN
        # The conditional UPDATE both counts the use and takes the row lock: a concurrent
        # taker waits here and re-checks the limit against the committed count (READ
        # COMMITTED), so the last use goes to one of them only.
        c = discounts.c
        taken = (
            await self._conn.execute(
                sa.update(discounts)
                .where(
                    c.id == discount_id,
                    sa.or_(c.usage_limit.is_(None), c.times_used < c.usage_limit),
                )
                .values(times_used=c.times_used + 1)
                .returning(c.per_customer_limit)
            )
        ).first()
        if taken is None:
            return UseOutcome.USED_UP
        per_customer_limit = taken[0]
        if per_customer_limit is None:
            return UseOutcome.TAKEN
        # Under the discount's row lock, this statement's snapshot holds every use committed
        # by the transactions that took the lock before us; our own row counts too.
        u = discount_usages.c
        held = await self._conn.scalar(
            sa.select(sa.func.count())
            .select_from(discount_usages)
            .where(
                u.discount_id == discount_id,
                u.customer_key == customer_key,
                u.given_back_at.is_(None),
            )
        )
        if int(held or 0) > per_customer_limit:
            return UseOutcome.CUSTOMER_LIMIT_REACHED
        return UseOutcome.TAKEN

    async def give_back(self, order_id: int, now: datetime) -> list[int]:
        u = discount_usages.c
        rows = await self._conn.execute(
            sa.update(discount_usages)
            .where(u.order_id == order_id, u.given_back_at.is_(None))
            .values(given_back_at=now)
            .returning(u.discount_id)
        )
        ids = sorted(r[0] for r in rows)
        for discount_id in ids:  # in id order, as takers lock them
            await self._conn.execute(
                sa.update(discounts)
                .where(discounts.c.id == discount_id)
                .values(times_used=discounts.c.times_used - 1)
            )
        return ids
