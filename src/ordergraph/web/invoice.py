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

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ordergraph.db.queries.invoice import order_customer
from ordergraph.db.repositories.invoices import invoice_for_order
from ordergraph.documents import render_invoice
from ordergraph.domain.access import Reach, may_read_invoice, order_reach
from ordergraph.domain.clock import Clock
from ordergraph.domain.invoices import OrderNotPaid, Seller
from ordergraph.web.documents import (
    Authenticate,
    attachment_name,
    object_key,
    pdf_response,
    refused,
)


def invoice_path(order_id: str) -> str:
    return f"/orders/{order_id}/invoice.pdf"


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
            invoice = await invoice_for_order(engine(), key, seller, clock.now)
        except LookupError:
            return refused(404, "no such order")
        except OrderNotPaid as exc:
            return refused(409, str(exc))
        pdf = await asyncio.to_thread(render_invoice, invoice)
        return pdf_response(pdf, attachment_name("invoice", invoice.number))

    return invoice_pdf
