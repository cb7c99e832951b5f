"""What the printable-document endpoints share: authentication, plain refusals, PDF answers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.principals import Principal
from ordergraph.schema.ids import decode_int_id, is_int_key

# How the app authenticates a plain HTTP request, as /graphql does: anonymous without a token;
# raises HTTPException (401, or 429 after many bad tokens) for a token it does not know.
Authenticate = Callable[[Request], Awaitable[Principal]]


def object_key(value: str, type_name: str) -> int | None:
    """An object's number from its API ID or the plain number; ``None`` for neither."""
    if is_int_key(value):
        return int(value)
    try:
        return decode_int_id(value, type_name, ("id",))
    except InvalidInput:
        return None


def attachment_name(kind: str, number: str) -> str:
    """``packing-slip-OG-100001-F1.pdf``; anything but letters, digits, ``-`` and ``_`` is
    dropped so the header can never be broken out of."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '', number)}.pdf"


def refused(status: int, message: str) -> Response:
    headers = {"Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(message + "\n", status_code=status, headers=headers)


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )
