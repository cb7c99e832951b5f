"""``RateStore`` on the database: every take is one atomic upsert, shared by every worker.

``INSERT … ON CONFLICT (key) DO UPDATE SET level = <leaked + cost if it fits, else leaked> …
RETURNING level, accepted`` runs the rule of ``ordergraph.domain.throttle.take`` inside the
database, so two workers taking from one bucket at once are serialized by the row lock the
upsert takes, and the statement needs no transaction of its own beyond autocommit. It is the
same statement on PostgreSQL and SQLite (both have ``ON CONFLICT``; the leak is float
arithmetic on epoch seconds, so no date functions differ).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import rate_buckets
from ordergraph.domain.throttle import BucketPolicy, BucketState


class SqlRateStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        dialect = engine.dialect.name
        self._insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def take(self, key: str, cost: float, policy: BucketPolicy, now: float) -> BucketState:
        t = rate_buckets.c
        now_ = sa.literal(now, sa.Float)
        cost_ = sa.literal(cost, sa.Float)
        capacity = sa.literal(policy.capacity, sa.Float)
        elapsed = sa.case((now_ > t.updated_at, now_ - t.updated_at), else_=sa.literal(0.0))
        drained = t.level - elapsed * sa.literal(policy.leak_per_second, sa.Float)
        left = sa.case((drained > 0, drained), else_=sa.literal(0.0))
        fits = left + cost_ <= capacity
        first_fits = cost <= policy.capacity
        stmt = self._insert(rate_buckets).values(
            key=key,
            level=cost if first_fits else 0.0,
            updated_at=now,
            accepted=first_fits,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.key],
            set_={
                "level": sa.case((fits, left + cost_), else_=left),
                "updated_at": sa.case((now_ > t.updated_at, now_), else_=t.updated_at),
                "accepted": fits,
            },
        ).returning(t.level, t.accepted)
        async with self._engine.begin() as conn:
            row = (await conn.execute(stmt)).one()
        return BucketState(bool(row.accepted), float(row.level), policy, cost)

    async def purge(self, now: float, idle_seconds: float = 2 * 86_400.0) -> int:
        """Forget buckets untouched for ``idle_seconds`` (they have long leaked empty)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.delete(rate_buckets).where(rate_buckets.c.updated_at < now - idle_seconds)
            )
        return int(result.rowcount or 0)
