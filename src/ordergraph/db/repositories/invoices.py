"""Issued invoices (``invoices``): found by order, or issued with the next gap-free number."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories.transfers import next_counter
from ordergraph.db.tables import invoices
from ordergraph.domain.invoices import (
    Invoice,
    InvoiceSource,
    Seller,
    invoice_counter,
    invoice_number,
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
