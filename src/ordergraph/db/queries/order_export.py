"""Orders for the finance export, read in keyset batches so memory stays constant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import customers, orders, refunds
from ordergraph.domain.order_export import (
    ExportFormat,
    ExportRow,
    encode_header,
    encode_row,
    export_row,
)
from ordergraph.domain.refunds import RefundStatus

BATCH_SIZE = 1000


def _batch_query(
    since: datetime | None, until: datetime | None, after_id: int, size: int
) -> sa.Select[Any]:
    o = orders.c
    refunded = (
        sa.select(sa.func.coalesce(sa.func.sum(refunds.c.total_minor), 0))
        .where(refunds.c.order_id == o.id, refunds.c.status == RefundStatus.SUCCEEDED.value)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            o.id,
            o.number,
            o.created_at,
            o.confirmed_at,
            o.cancelled_at,
            o.status,
            o.payment_status,
            o.email,
            sa.func.coalesce(o.contact_name, customers.c.name).label("customer_name"),
            o.channel,
            o.currency,
            o.subtotal_minor,
            o.discount_minor,
            o.tax_minor,
            o.shipping_minor,
            o.total_minor,
            refunded.label("refunded_minor"),
        )
        .select_from(orders.outerjoin(customers, customers.c.id == o.customer_id))
        .where(o.id > after_id)
        .order_by(o.id)
        .limit(size)
    )
    if since is not None:
        stmt = stmt.where(o.created_at >= since)
    if until is not None:
        stmt = stmt.where(o.created_at < until)
    return stmt


async def order_export_batches(
    engine: AsyncEngine,
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[list[ExportRow]]:
    """Every order created in [since, until), in number order, ``batch_size`` at a time: one
    short read per batch (no transaction held open while a slow client downloads)."""
    after_id = 0
    while True:
        async with engine.connect() as conn:
            rows = (
                (await conn.execute(_batch_query(since, until, after_id, batch_size)))
                .mappings()
                .all()
            )
        if rows:
            yield [export_row(row) for row in rows]
        if len(rows) < batch_size:
            return
        after_id = rows[-1]["id"]


async def export_chunks(
    engine: AsyncEngine,
    fmt: ExportFormat,
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[str]:
    """The export as text, one chunk per batch: the header (CSV) first, then the orders."""
    header = encode_header(fmt)
    if header:
        yield header
    async for batch in order_export_batches(engine, since, until, batch_size):
        yield "".join(encode_row(fmt, row) for row in batch)
