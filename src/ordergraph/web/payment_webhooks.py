"""``POST /payments/webhooks/stripe``: Stripe's signed events, verified with the SDK."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordergraph.gateways.stripe_webhooks import parse_webhook
from ordergraph.services.deps import Deps
from ordergraph.services.provider_events import handle_provider_event

MAX_EVENT_BYTES = 512 * 1024


def stripe_webhook_endpoint(
    deps: Callable[[], Deps], secret: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        current = deps()
        if secret is None or current.gateway.name != "stripe":
            return JSONResponse({"error": "stripe webhooks are not configured"}, 404)
        payload = await request.body()
        if len(payload) > MAX_EVENT_BYTES:
            return JSONResponse({"error": "event too large"}, 413)
        try:
            event = parse_webhook(payload, request.headers.get("stripe-signature"), secret)
        except stripe.SignatureVerificationError:
            return JSONResponse({"error": "invalid signature"}, 400)
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse({"error": "not a Stripe event"}, 400)
        outcome = await handle_provider_event(current, event)
        return JSONResponse({"received": True, "outcome": outcome})

    return endpoint
