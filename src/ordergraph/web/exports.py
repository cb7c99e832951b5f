"""``GET /exports/orders.csv`` and ``GET /exports/orders.jsonl``: the finance export, streamed.

Staff with ``orders:read`` only (``domain.access.may_export_orders``). ``since`` (inclusive) and
``until`` (exclusive) bound ``created_at``; both are optional ISO 8601 dates or times (UTC
without an offset). No token or an unknown one is a 401, a token that may not export (a
customer's, a storefront's) a 403, a bad date a 400 — each a small JSON error. The body is
written batch by batch (``db.queries.order_export``), so memory stays flat for any range.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ordergraph.db.queries.order_export import export_chunks
from ordergraph.domain.access import may_export_orders
from ordergraph.domain.order_export import ExportFormat, check_range, parse_moment
from ordergraph.web.documents import Authenticate


def _error(status: int, code: str, message: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _moment(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    return parse_moment(value, name) if value else None


def orders_export_endpoint(
    engine: Callable[[], AsyncEngine], authenticate: Authenticate, fmt: ExportFormat
) -> Callable[[Request], Awaitable[Response]]:
    async def export_orders(request: Request) -> Response:
        try:
            principal = await authenticate(request)
        except HTTPException as exc:
            code = "UNAUTHENTICATED" if exc.status_code == 401 else "THROTTLED"
            return _error(exc.status_code, code, str(exc.detail))
        if not principal.is_authenticated:
            return _error(
                401, "UNAUTHENTICATED", "send Authorization: Bearer <token> (a staff token)"
            )
        if not may_export_orders(principal):
            return _error(403, "FORBIDDEN", "exporting orders needs the orders:read permission")
        try:
            since, until = (_moment(request, "since"), _moment(request, "until"))
            check_range(since, until)
        except ValueError as exc:
            return _error(400, "BAD_USER_INPUT", str(exc))
        filename = f"orders.{fmt.value}"
        return StreamingResponse(
            export_chunks(engine(), fmt, since, until),
            media_type=fmt.media_type,
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )

    return export_orders
