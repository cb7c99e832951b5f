"""Issued invoices (``invoices``): found by order, or issued with the next gap-free number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.queries.invoice import invoice_source
from ordergraph.db.repositories.transfers import next_counter
from ordergraph.db.tables import invoices
from ordergraph.domain.invoices import (
    Invoice,
    InvoiceSource,
    OrderNotPaid,
    Seller,
    invoice_counter,
    invoice_number,
    may_invoice,
    not_invoiceable,
)


async def stored_invoice(conn: AsyncConnection, order_id: int) -> Invoice | None:
    """The order's invoice as it was issued (its snapshot), or ``None``."""
    document = await conn.scalar(
        sa.select(invoices.c.document).where(invoices.c.order_id == order_id)
    )
    return Invoice.from_snapshot(document) if document is not None else None


async def issue_invoice(
    conn: AsyncConnection, source: InvoiceSource, seller: Seller, now: datetime
) -> Invoice:
    """Number and store the order's invoice in the caller's transaction.

    The year's counter row stays locked (``UPDATE … RETURNING``) until the transaction ends,
    so concurrent issues take consecutive numbers, and a rollback hands its number back.
    Raises ``IntegrityError`` if the order got its invoice concurrently (the caller rolls
    back and reads that one).
    """
    sequence = await next_counter(conn, invoice_counter(now.year))
    invoice = Invoice(
        number=invoice_number(now.year, sequence), issued_at=now, seller=seller, source=source
    )
    await conn.execute(
        sa.insert(invoices).values(
            order_id=source.order_id,
            number=invoice.number,
            issued_at=now,
            document=invoice.to_snapshot(),
        )
    )
    return invoice


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction; on SQLite an IMMEDIATE one, so that it queues for the write lock
    instead of failing when it upgrades its read lock (as the unit of work does)."""
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
        async with conn.begin():
            yield conn


async def invoice_for_order(
    engine: AsyncEngine, order_id: int, seller: Seller, now: Callable[[], datetime]
) -> Invoice:
    """The order's invoice, issued now if it has none yet. Raises ``OrderNotPaid`` for an
    unpaid order and ``LookupError`` for no such order."""
    async with engine.connect() as conn:  # every request but the first: a plain read
        found = await stored_invoice(conn, order_id)
    if found is not None:
        return found
    for _ in range(2):  # the second try reads what a concurrent first request issued
        try:
            async with writing(engine) as conn:
                found = await stored_invoice(conn, order_id)
                if found is not None:
                    return found
                source = await invoice_source(conn, order_id)
                if source is None:
                    raise LookupError(order_id)
                if not may_invoice(source.payment_status):
                    raise OrderNotPaid(not_invoiceable(source.order_number, source.payment_status))
                return await issue_invoice(conn, source, seller, now())
        except IntegrityError:
            continue
    raise RuntimeError(f"order {order_id}: its invoice was neither found nor issued")
