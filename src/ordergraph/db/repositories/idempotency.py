from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import idempotency_keys
from ordergraph.domain.ports import IdempotencyRecord, RetryableConflict


class SqlIdempotencyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        t = idempotency_keys.c
        row = (
            await self._conn.execute(
                sa.select(idempotency_keys).where(t.scope == scope, t.key == key)
            )
        ).first()
        if row is None:
            return None
        return IdempotencyRecord(
            scope=row.scope,
            key=row.key,
            operation=row.operation,
            request_hash=row.request_hash,
            result=row.result,
            created_at=row.created_at,
        )

    async def add(self, record: IdempotencyRecord) -> None:
        # A concurrent twin with the same key trips the unique index; the service's retry then
        # finds the twin's record and answers with it.
        try:
            await self._conn.execute(
                sa.insert(idempotency_keys).values(
                    scope=record.scope,
                    key=record.key,
                    operation=record.operation,
                    request_hash=record.request_hash,
                    result=record.result,
                    created_at=record.created_at,
                )
            )
        except IntegrityError as exc:
            raise RetryableConflict("idempotency key taken concurrently") from exc
