"""Invoice reads: the order facts an invoice is drawn from, and issued invoices by order."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.tables import (
    invoices,
    order_lines,
    order_tax_lines,
    orders,
    payment_transactions,
    refunds,
)
from ordergraph.domain.customers import Address
from ordergraph.domain.invoices import NO_TAX, InvoiceLine, InvoiceSource, IssuedInvoice
from ordergraph.domain.payment_status import PaymentStatus
from ordergraph.domain.payments import CHARGES, TransactionStatus
from ordergraph.domain.refunds import RefundStatus


def _paid() -> sa.ScalarSelect[int]:
    charged = payment_transactions
    return (
        sa.select(sa.func.coalesce(sa.func.sum(charged.c.amount_minor), 0))
        .where(
            charged.c.order_id == orders.c.id,
            charged.c.kind.in_([kind.value for kind in CHARGES]),
            charged.c.status == TransactionStatus.SUCCESS.value,
        )
        .scalar_subquery()
    )


def _refunded() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.coalesce(sa.func.sum(refunds.c.total_minor), 0))
        .where(refunds.c.order_id == orders.c.id, refunds.c.status == RefundStatus.SUCCEEDED.value)
        .scalar_subquery()
    )


async def invoice_source(conn: AsyncConnection, order_id: int) -> InvoiceSource | None:
    """The order as an invoice shows it, or ``None`` for no such order (three statements)."""
    found = (
        (
            await conn.execute(
                sa.select(
                    orders,
                    _paid().label("paid_minor"),
                    _refunded().label("refunded_minor"),
                ).where(orders.c.id == order_id)
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        return None
    lines = await conn.execute(
        sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id)
    )
    rates: dict[int | None, Decimal] = {}
    for t in await conn.execute(
        sa.select(order_tax_lines.c.order_line_id, order_tax_lines.c.rate).where(
            order_tax_lines.c.order_id == order_id
        )
    ):
        rates[t.order_line_id] = rates.get(t.order_line_id, NO_TAX) + Decimal(t.rate)
    included = found["prices_include_tax"]

    def net(amount: int, discount: int, tax: int) -> int:
        """What a line is on an invoice: after its discounts and without tax."""
        return amount - discount - (tax if included else 0)

    address = Address(**found["shipping_address"])
    return InvoiceSource(
        order_id=found["id"],
        order_number=found["number"],
        order_date=found["created_at"],
        customer_id=found["customer_id"],
        payment_status=PaymentStatus(found["payment_status"]),
        currency=found["currency"],
        buyer_name=found["contact_name"] or address.name,
        buyer_email=found["email"],
        buyer_phone=found["phone"],
        billing_address=address,
        lines=tuple(
            InvoiceLine(
                sku=line["sku"],
                description=line["name"],
                quantity=line["quantity"],
                unit_price_minor=line["unit_price_minor"],
                total_minor=net(line["total_minor"], line["discount_minor"], line["tax_minor"]),
                tax_rate=rates.get(line["id"], NO_TAX),
                tax_minor=line["tax_minor"],
                discount_minor=line["discount_minor"],
            )
            for line in lines.mappings()
        ),
        shipping_minor=net(
            found["shipping_minor"], found["shipping_discount_minor"], found["shipping_tax_minor"]
        ),
        shipping_tax_rate=rates.get(None, NO_TAX),
        shipping_tax_minor=found["shipping_tax_minor"],
        paid_minor=int(found["paid_minor"]),
        refunded_minor=int(found["refunded_minor"]),
    )


async def invoices_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[IssuedInvoice | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(invoices.c.order_id, invoices.c.number, invoices.c.issued_at).where(
                invoices.c.order_id.in_(ids)
            )
        )
        by_order = {r.order_id: IssuedInvoice(r.order_id, r.number, r.issued_at) for r in rows}
    return [by_order.get(i) for i in ids]


async def order_customer(engine: AsyncEngine, order_id: int) -> tuple[bool, int | None]:
    """Whether the order exists, and its customer (who, with staff, may have its invoice)."""
    async with engine.connect() as conn:
        found = (
            await conn.execute(sa.select(orders.c.customer_id).where(orders.c.id == order_id))
        ).first()
    return (found is not None, found.customer_id if found is not None else None)
