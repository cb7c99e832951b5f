"""``POST /carrier-events/{source}``: signed carrier and tracking-aggregator webhooks.

The answer tells a sender whether to try again: 200 (applied, stored, ignored or a duplicate),
202 (kept, no shipment has the tracking number yet), 400 (not an event of its format: retrying
will not help), 401 (bad or missing signature; nothing stored), 404 (no such source), 413 (over
256 KB), 503 (too many concurrent changes: try again). Never a 500 for what a sender sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ordergraph.domain.carrier_events import (
    EASYPOST_SIGNATURE_HEADER,
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    BadSignature,
    CarrierEvent,
    CarrierEventError,
    CarrierEventOutcome,
    is_easypost,
    is_tracker_event,
    parse_easypost,
    parse_generic,
    verify_generic_signature,
)
from ordergraph.domain.errors import Conflict, DomainError
from ordergraph.gateways.easypost_webhooks import verified_easypost_event
from ordergraph.services.carrier_events import receive_carrier_event
from ordergraph.services.deps import Deps


class TooLarge(Exception):
    pass


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _read(source: str, secret: str, request: Request, body: bytes, now: int, tolerance: int) -> Any:
    """The verified JSON document; raises BadSignature or CarrierEventError."""
    if is_easypost(source):
        return verified_easypost_event(body, request.headers.get(EASYPOST_SIGNATURE_HEADER), secret)
    verify_generic_signature(
        secret, request.headers.get(SIGNATURE_HEADER), body, now=now, tolerance=tolerance
    )
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise CarrierEventError("the body is not JSON") from exc


def _parse(source: str, document: Any) -> CarrierEvent | None:
    if is_easypost(source):
        return parse_easypost(source, document) if is_tracker_event(document) else None
    return parse_generic(source, document)


def carrier_events_endpoint(
    deps: Callable[[], Deps], secrets: Mapping[str, str], tolerance: int = 300
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        source = request.path_params["source"]
        secret = secrets.get(source)
        if not secret:
            return _error(404, "no such carrier event source")
        current = deps()
        try:
            body = await _body(request)
        except TooLarge:
            return _error(413, f"an event may be at most {MAX_BODY_BYTES} bytes")
        except ClientDisconnect:
            return _error(400, "the request ended early")
        now = int(current.clock.now().timestamp())
        try:
            event = _parse(source, _read(source, secret, request, body, now, tolerance))
        except BadSignature as exc:
            return _error(401, f"invalid signature ({exc})")
        except CarrierEventError as exc:
            return _error(400, str(exc))
        if event is None:
            return JSONResponse({"received": True, "outcome": CarrierEventOutcome.IGNORED.value})
        try:
            receipt = await receive_carrier_event(current, event)
        except Conflict as exc:
            return JSONResponse({"error": str(exc)}, 503, headers={"Retry-After": "1"})
        except DomainError as exc:  # e.g. an occurredAt in the future: nothing was stored
            return _error(400, str(exc))
        status = 202 if receipt.outcome is CarrierEventOutcome.UNMATCHED else 200
        return JSONResponse(
            {"received": True, "outcome": receipt.outcome.value, "eventId": event.event_id},
            status,
        )

    return endpoint
