"""``GET /orders/{id}/invoice.pdf``: an order's invoice, issued on the first request.

Staff with ``orders:read`` and the order's own customer may have it
(``domain.access.may_read_invoice``). ``{id}`` is the order's API ID (``Order.id``) or its
plain number. No token is a 401; a token that reads no orders (a storefront) a 403; an unknown
order, or another customer's, a 404; an order not paid yet a 409. Every refusal is plain text.

The first request for a paid order issues its invoice: the next gap-free number of the year and
a snapshot of the order, stored in one transaction. Every later request draws that snapshot, so
the number and the document never change. The PDF is drawn in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ordergraph.db.queries.invoice import invoice_source, order_customer
from ordergraph.db.repositories.invoices import issue_invoice, stored_invoice
from ordergraph.documents import render_invoice
from ordergraph.domain.access import Reach, may_read_invoice, order_reach
from ordergraph.domain.clock import Clock
from ordergraph.domain.invoices import Invoice, Seller, may_invoice, not_invoiceable
from ordergraph.web.documents import (
    Authenticate,
    attachment_name,
    object_key,
    pdf_response,
    refused,
)


def invoice_path(order_id: str) -> str:
    return f"/orders/{order_id}/invoice.pdf"


class NotPaid(Exception):
    pass


async def invoice_for_order(
    engine: AsyncEngine, order_id: int, seller: Seller, clock: Clock
) -> Invoice:
    """The order's invoice, issued now if it has none. Raises ``NotPaid`` for an unpaid order
    and ``LookupError`` for no such order."""
    for _ in range(2):  # a second try reads the invoice a concurrent request just issued
        try:
            async with engine.begin() as conn:
                found = await stored_invoice(conn, order_id)
                if found is not None:
                    return found
                source = await invoice_source(conn, order_id)
                if source is None:
                    raise LookupError(order_id)
                if not may_invoice(source.payment_status):
                    raise NotPaid(not_invoiceable(source.order_number, source.payment_status))
                return await issue_invoice(conn, source, seller, clock.now())
        except IntegrityError:
            continue
    raise RuntimeError(f"order {order_id}: its invoice was neither found nor issued")


def invoice_endpoint(
    engine: Callable[[], AsyncEngine],
    authenticate: Authenticate,
    seller: Seller,
    clock: Clock,
) -> Callable[[Request], Awaitable[Response]]:
    async def invoice_pdf(request: Request) -> Response:
        try:
            principal = await authenticate(request)
        except HTTPException as exc:
            return refused(exc.status_code, exc.detail)
        if not principal.is_authenticated:
            return refused(401, "authentication required: send Authorization: Bearer <token>")
        if order_reach(principal).reach is Reach.NONE:
            return refused(403, "invoices need the orders:read permission or a customer token")
        key = object_key(request.path_params["id"], "Order")
        if key is None:
            return refused(404, "no such order")
        exists, customer_id = await order_customer(engine(), key)
        if not exists or not may_read_invoice(principal, customer_id):
            return refused(404, "no such order")  # another customer's order is not there
        try:
            invoice = await invoice_for_order(engine(), key, seller, clock)
        except LookupError:
            return refused(404, "no such order")
        except NotPaid as exc:
            return refused(409, str(exc))
        pdf = await asyncio.to_thread(render_invoice, invoice)
        return pdf_response(pdf, attachment_name("invoice", invoice.number))

    return invoice_pdf
