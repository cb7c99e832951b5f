"""The Stripe adapter against localstripe: every call goes through the official SDK over HTTP.

Amounts are distinct per test so records never mix in the shared server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ordergraph.domain.money import Money
from ordergraph.domain.payments import (
    CallContext,
    PaymentGateway,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.gateways.stripe_gateway import StripeGateway
from tests.support.localstripe import (
    API_KEY,
    CHARGE_DECLINED,
    THREE_D_SECURE,
    THREE_D_SECURE_DECLINED,
    VISA,
    LocalStripe,
)
from tests.support.pg import free_port
from tests.support.server import live_server

CTX = CallContext(order_number="OG-100001", transaction_id=41)


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


async def test_the_adapter_implements_the_port(stripe_gateway: StripeGateway) -> None:
    port: PaymentGateway = stripe_gateway  # mypy checks the protocol
    assert (port.name, port.authorization_validity.days) == ("stripe", 7)


async def test_an_authorization_holds_the_amount_for_manual_capture(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    result = await stripe_gateway.authorize(
        amount=eur(1101), token=VISA, idempotency_key="auth-1101", context=CTX
    )
    assert result.status is TransactionStatus.SUCCESS
    assert result.reference is not None
    assert result.reference.startswith("pi_")
    intent = localstripe.get(f"/v1/payment_intents/{result.reference}")
    assert (intent["status"], intent["capture_method"], intent["amount"]) == (
        "requires_capture",
        "manual",
        1101,
    )
    assert intent["currency"] == "eur"
    assert intent["metadata"] == {"ordergraph_order": "OG-100001", "ordergraph_transaction": "41"}


async def test_a_sale_is_captured_at_once(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    result = await stripe_gateway.sale(
        amount=eur(1102), token=VISA, idempotency_key="sale-1102", context=CTX
    )
    assert result.status is TransactionStatus.SUCCESS
    intent = localstripe.get(f"/v1/payment_intents/{result.reference}")
    assert (intent["status"], intent["capture_method"]) == ("succeeded", "automatic")


@pytest.mark.parametrize("operation", ["authorize", "sale"])
async def test_a_declined_card_is_declined_with_the_providers_code(
    stripe_gateway: StripeGateway, operation: str
) -> None:
    charge = stripe_gateway.authorize if operation == "authorize" else stripe_gateway.sale
    result = await charge(
        amount=eur(1103), token=CHARGE_DECLINED, idempotency_key=f"d-{operation}", context=CTX
    )
    assert result.status is TransactionStatus.DECLINED
    assert result.error_code == "card_declined"
    assert result.message == "Your card was declined."


async def test_an_unknown_payment_method_is_declined_not_an_outage(
    stripe_gateway: StripeGateway,
) -> None:
    result = await stripe_gateway.authorize(
        amount=eur(1104), token="pm_nonexistent", idempotency_key="unknown", context=CTX
    )
    assert result.status is TransactionStatus.DECLINED


async def test_a_3ds_card_needs_the_customer_then_refresh_finds_it_authorized(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    card = localstripe.card(THREE_D_SECURE)
    result = await stripe_gateway.authorize(
        amount=eur(1105), token=card, idempotency_key="3ds-1105", context=CTX
    )
    assert result.status is TransactionStatus.ACTION_REQUIRED
    assert result.reference is not None
    assert result.client_secret is not None
    assert result.client_secret.startswith(f"{result.reference}_secret_")
    assert result.next_action is not None
    assert result.next_action["type"] == "use_stripe_sdk"
    still = await stripe_gateway.refresh(reference=result.reference, kind=TransactionKind.AUTHORIZE)
    assert still.status is TransactionStatus.ACTION_REQUIRED

    assert localstripe.authenticate(result.reference, result.client_secret, success=True) == 200

    done = await stripe_gateway.refresh(reference=result.reference, kind=TransactionKind.AUTHORIZE)
    assert (done.status, done.reference) == (TransactionStatus.SUCCESS, result.reference)


@pytest.mark.parametrize(
    ("number", "success"), [(THREE_D_SECURE, False), (THREE_D_SECURE_DECLINED, True)]
)
async def test_a_failed_authentication_or_a_decline_after_it_is_declined(
    stripe_gateway: StripeGateway, localstripe: LocalStripe, number: str, success: bool
) -> None:
    result = await stripe_gateway.sale(
        amount=eur(1106), token=localstripe.card(number), idempotency_key=number, context=CTX
    )
    assert result.status is TransactionStatus.ACTION_REQUIRED
    assert result.reference is not None
    assert result.client_secret is not None
    localstripe.authenticate(result.reference, result.client_secret, success=success)
    done = await stripe_gateway.refresh(reference=result.reference, kind=TransactionKind.SALE)
    assert done.status is TransactionStatus.DECLINED


async def test_full_and_partial_captures_take_what_was_asked(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    full = await stripe_gateway.authorize(
        amount=eur(1107), token=VISA, idempotency_key="full", context=CTX
    )
    part = await stripe_gateway.authorize(
        amount=eur(2000), token=VISA, idempotency_key="part", context=CTX
    )
    assert full.reference is not None
    assert part.reference is not None
    took_all = await stripe_gateway.capture(
        amount=eur(1107), authorization=full.reference, idempotency_key="c1", context=CTX
    )
    took_part = await stripe_gateway.capture(
        amount=eur(1500), authorization=part.reference, idempotency_key="c2", context=CTX
    )
    assert took_all.status is took_part.status is TransactionStatus.SUCCESS
    assert took_part.reference == part.reference
    seen = await stripe_gateway.lookup(part.reference)
    assert seen is not None
    assert (seen.status, seen.amount, seen.captured, seen.capturable) == (
        "succeeded",
        2000,
        1500,
        0,
    )
    assert (seen.refunded, seen.refunded_elsewhere) == (0, 0)
    again = await stripe_gateway.capture(
        amount=eur(100), authorization=part.reference, idempotency_key="c3", context=CTX
    )
    assert again.status is TransactionStatus.DECLINED  # nothing left to capture


async def test_a_void_releases_an_authorization_but_a_captured_payment_refuses_it(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    held = await stripe_gateway.authorize(
        amount=eur(1108), token=VISA, idempotency_key="v1", context=CTX
    )
    sold = await stripe_gateway.sale(
        amount=eur(1108), token=VISA, idempotency_key="v2", context=CTX
    )
    assert held.reference is not None
    assert sold.reference is not None
    voided = await stripe_gateway.void(
        authorization=held.reference, idempotency_key="x", context=CTX
    )
    refused = await stripe_gateway.void(
        authorization=sold.reference, idempotency_key="y", context=CTX
    )
    assert voided.status is TransactionStatus.SUCCESS
    assert localstripe.get(f"/v1/payment_intents/{held.reference}")["status"] == "canceled"
    assert refused.status is TransactionStatus.DECLINED
    assert localstripe.get(f"/v1/payment_intents/{sold.reference}")["status"] == "succeeded"


async def test_partial_refunds_add_up_and_carry_our_transaction(
    stripe_gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    sold = await stripe_gateway.sale(amount=eur(3000), token=VISA, idempotency_key="r", context=CTX)
    assert sold.reference is not None
    first = await stripe_gateway.refund(
        amount=eur(1000), capture=sold.reference, idempotency_key="r1", context=CTX
    )
    second = await stripe_gateway.refund(
        amount=eur(500), capture=sold.reference, idempotency_key="r2", context=CTX
    )
    assert first.status is second.status is TransactionStatus.SUCCESS
    assert first.reference is not None
    assert first.reference.startswith("re_")
    refund = localstripe.get(f"/v1/refunds/{first.reference}")
    assert (refund["amount"], refund["metadata"]["ordergraph_transaction"]) == (1000, "41")
    seen = await stripe_gateway.lookup(sold.reference)
    assert seen is not None
    assert (seen.captured, seen.refunded, seen.refunded_elsewhere) == (3000, 1500, 0)


async def test_an_unreachable_stripe_is_a_network_error_to_retry_with_the_same_key() -> None:
    dead = StripeGateway(API_KEY, api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    result = await dead.authorize(amount=eur(1109), token=VISA, idempotency_key="n", context=CTX)
    await dead.aclose()
    assert (result.status, result.error_code) == (TransactionStatus.ERROR, "network_error")


@pytest.fixture
def failing_stripe() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A server that answers every request as Stripe does in an outage (HTTP 503), and
    remembers the headers it got: what the SDK really sends."""
    seen: list[dict[str, str]] = []

    async def outage(request: Request) -> JSONResponse:
        seen.append(dict(request.headers))
        body = {"error": {"type": "api_error", "message": "Stripe is having trouble"}}
        return JSONResponse(body, status_code=503)

    app = Starlette(routes=[Route("/{path:path}", outage, methods=["GET", "POST"])])
    with live_server(None, app) as url:
        yield url, seen


async def test_a_stripe_outage_is_a_provider_error_and_our_key_reached_it(
    failing_stripe: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = failing_stripe
    gateway = StripeGateway(API_KEY, api_base=url, max_network_retries=1)
    result = await gateway.sale(amount=eur(1110), token=VISA, idempotency_key="ours-1", context=CTX)
    await gateway.aclose()
    assert (result.status, result.error_code) == (TransactionStatus.ERROR, "provider_error")
    # the SDK retried once, with our idempotency key both times
    assert [h.get("idempotency-key") for h in seen] == ["ours-1", "ours-1"]
    assert all(h["authorization"] == f"Bearer {API_KEY}" for h in seen)
