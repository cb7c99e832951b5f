"""``GET /fulfillments/{id}/packing-slip.pdf``: a fulfillment's printable packing slip.

Staff only: the slip carries the recipient's address, so it needs ``orders:read``
(``domain.access.may_print_packing_slip``). ``{id}`` is the fulfillment's API ID
(``Fulfillment.id``) or its plain number. No token is a 401, a token without the permission
(a storefront, a customer — even the order's own) a 403, an unknown fulfillment a 404; every
refusal is plain text. The PDF is drawn in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ordergraph.db.queries.packing_slip import packing_slip
from ordergraph.documents import render_packing_slip
from ordergraph.domain.access import may_print_packing_slip
from ordergraph.schema.ids import encode_id
from ordergraph.web.documents import (
    Authenticate,
    object_key,
    pdf_response,
)
from ordergraph.web.documents import (
    attachment_name as _attachment_name,
)
from ordergraph.web.documents import (
    refused as _refused,
)


def packing_slip_path(fulfillment_id: str) -> str:
    return f"/fulfillments/{fulfillment_id}/packing-slip.pdf"


def fulfillment_key(value: str) -> int | None:
    """The fulfillment's number from its API ID or the plain number; ``None`` for neither."""
    return object_key(value, "Fulfillment")


def attachment_name(number: str) -> str:
    """``packing-slip-OG-100001-F1.pdf``."""
    return _attachment_name("packing-slip", number)


def packing_slip_endpoint(
    engine: Callable[[], AsyncEngine], authenticate: Authenticate, shop_name: str
) -> Callable[[Request], Awaitable[Response]]:
    async def packing_slip_pdf(request: Request) -> Response:
        try:
            principal = await authenticate(request)
        except HTTPException as exc:
            return _refused(exc.status_code, exc.detail)
        if not principal.is_authenticated:
            return _refused(401, "authentication required: send Authorization: Bearer <token>")
        if not may_print_packing_slip(principal):
            return _refused(403, "packing slips need the orders:read permission")
        key = fulfillment_key(request.path_params["id"])
        slip = await packing_slip(engine(), key) if key is not None else None
        if slip is None:
            return _refused(404, "no such fulfillment")
        pdf = await asyncio.to_thread(
            render_packing_slip,
            slip,
            shop_name=shop_name,
            reference=encode_id("Fulfillment", slip.fulfillment_id),
        )
        return pdf_response(pdf, attachment_name(slip.number))

    return packing_slip_pdf
