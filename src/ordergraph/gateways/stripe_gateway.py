"""The Stripe adapter, on the official SDK: PaymentIntents with manual capture.

The SDK's native async client (``StripeClient`` with ``HTTPXClient``, ``*_async`` methods) is
used rather than sync calls in a thread: no thread pool to size, and a slow Stripe costs a
suspended coroutine, not a blocked worker thread. The SDK retries network failures itself
(``max_network_retries``) with the same idempotency key; what still fails reaches us as an
ERROR answer: ``network_error`` (the call may have happened: ask again with the same key) or
``provider_error`` (Stripe answered 5xx: ask again with a new one).

- authorize: ``capture_method=manual``, confirmed at once; ``requires_capture`` → SUCCESS.
- sale: ``capture_method=automatic``; ``succeeded`` → SUCCESS.
- ``requires_action`` (3-D Secure) → ACTION_REQUIRED with ``client_secret`` and ``next_action``.
- capture: ``amount_to_capture`` (partial capture releases the rest); a part of several
  (``final=False``) uses multicapture (``final_capture=false``), requested at authorization.
- void: cancel the PaymentIntent; refund: a Refund of the PaymentIntent, partial allowed.
- Card declines and refusals (4xx) → DECLINED; outages, rate limits, 5xx → ERROR.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import stripe

from ordergraph.domain.money import Money
from ordergraph.domain.payments import (
    CallContext,
    GatewayResult,
    ProviderPayment,
    TransactionKind,
    TransactionStatus,
)

TRANSACTION_METADATA = "ordergraph_transaction"
ORDER_METADATA = "ordergraph_order"


def _metadata(context: CallContext) -> dict[str, str]:
    return {ORDER_METADATA: context.order_number, TRANSACTION_METADATA: str(context.transaction_id)}


def _failure(exc: stripe.StripeError) -> GatewayResult:
    """A Stripe exception as an answer: refusals are DECLINED, outages ERROR."""
    message = (exc.user_message or str(exc) or type(exc).__name__)[:500]
    code = getattr(exc, "code", None)
    if isinstance(exc, stripe.CardError):
        decline = getattr(exc, "decline_code", None)
        return GatewayResult(
            TransactionStatus.DECLINED,
            error_code=code or decline or "card_declined",
            message=message,
        )
    if isinstance(exc, stripe.InvalidRequestError | stripe.IdempotencyError):
        return GatewayResult(
            TransactionStatus.DECLINED, error_code=code or "invalid_request", message=message
        )
    if isinstance(exc, stripe.APIConnectionError):
        return GatewayResult(TransactionStatus.ERROR, error_code="network_error", message=message)
    if isinstance(exc, stripe.RateLimitError):
        return GatewayResult(TransactionStatus.ERROR, error_code="rate_limited", message=message)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return GatewayResult(
            TransactionStatus.ERROR, error_code="provider_authentication", message=message
        )
    return GatewayResult(TransactionStatus.ERROR, error_code="provider_error", message=message)


def _field(obj: Any, name: str) -> Any:
    """A field of a Stripe object, or None where the server did not send it."""
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return data.get(name) if isinstance(data, dict) else None


def intent_result(intent: Any) -> GatewayResult:
    """A PaymentIntent's state as an answer."""
    status = intent.status
    reference = intent.id
    if status in {"requires_capture", "succeeded"}:
        return GatewayResult(TransactionStatus.SUCCESS, reference)
    if status == "requires_action":
        next_action = _field(intent, "next_action")
        return GatewayResult(
            TransactionStatus.ACTION_REQUIRED,
            reference,
            error_code="authentication_required",
            message="the customer must authenticate the payment",
            client_secret=intent.client_secret,
            next_action=next_action if isinstance(next_action, dict) else None,
        )
    if status == "processing":
        return GatewayResult(TransactionStatus.PENDING, reference, message="processing")
    error = _field(intent, "last_payment_error") or {}
    return GatewayResult(
        TransactionStatus.DECLINED,
        reference,
        error_code=error.get("code") or status,
        message=(error.get("message") or f"payment is {status}")[:500],
    )


class _HTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx client, sending the encoded form body as ``content=``: httpx deprecates
    raw bytes passed as ``data=`` (what the SDK does) with a warning on every request."""

    def _get_request_args_kwargs(  # type: ignore[no-untyped-def]
        self, method: str, url: str, headers: Any, post_data: Any
    ):
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        body = kwargs.pop("data", None)
        if body:
            kwargs["content"] = body
        return args, kwargs


class StripeGateway:
    name = "stripe"
    authorization_validity = timedelta(days=7)  # card authorizations lapse after 7 days

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        timeout_seconds: float = 30,
        max_network_retries: int = 2,
    ) -> None:
        self._http = _HTTPXClient(timeout=timeout_seconds)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def aclose(self) -> None:
        """Close the connection pool (the app's lifespan does, on shutdown)."""
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _intent(
        self,
        *,
        amount: Money,
        token: str,
        idempotency_key: str,
        context: CallContext,
        capture_method: str,
    ) -> GatewayResult:
        params: dict[str, Any] = {
            "amount": amount.minor_units,
            "currency": amount.currency.lower(),
            "payment_method": token,
            "payment_method_types": ["card"],
            "capture_method": capture_method,
            "confirm": True,
            "metadata": _metadata(context),
        }
        if capture_method == "manual":
            params["payment_method_options"] = {"card": {"request_multicapture": "if_available"}}
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            return _failure(exc)
        return intent_result(intent)

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._intent(
            amount=amount,
            token=token,
            idempotency_key=idempotency_key,
            context=context,
            capture_method="manual",
        )

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._intent(
            amount=amount,
            token=token,
            idempotency_key=idempotency_key,
            context=context,
            capture_method="automatic",
        )

    async def capture(
        self,
        *,
        amount: Money,
        authorization: str,
        idempotency_key: str,
        context: CallContext,
        final: bool = True,
    ) -> GatewayResult:
        params: dict[str, Any] = {"amount_to_capture": amount.minor_units}
        if not final:
            params["final_capture"] = False
        try:
            intent = await self.client.v1.payment_intents.capture_async(
                authorization,
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            return _failure(exc)
        return GatewayResult(TransactionStatus.SUCCESS, intent.id)

    async def void(
        self, *, authorization: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        try:
            intent = await self.client.v1.payment_intents.cancel_async(
                authorization, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            return _failure(exc)
        return GatewayResult(TransactionStatus.SUCCESS, intent.id)

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        try:
            refund = await self.client.v1.refunds.create_async(
                params={
                    "payment_intent": capture,
                    "amount": amount.minor_units,
                    "metadata": _metadata(context),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            return _failure(exc)
        if refund.status in {"succeeded", "pending"}:
            return GatewayResult(TransactionStatus.SUCCESS, refund.id)
        return GatewayResult(
            TransactionStatus.DECLINED, refund.id, error_code=refund.status, message="refund failed"
        )

    async def refresh(self, *, reference: str, kind: TransactionKind) -> GatewayResult:
        try:
            intent = await self.client.v1.payment_intents.retrieve_async(reference)
        except stripe.StripeError as exc:
            return _failure(exc)
        return intent_result(intent)

    async def lookup(self, reference: str) -> ProviderPayment | None:
        """The PaymentIntent and its refunds, in minor units. Stripe reports what was captured
        as ``amount_received``; a server without it (localstripe) records a partial capture as
        a refund of the rest, which we then count against ``captured``, not as a refund."""
        intent = await self.client.v1.payment_intents.retrieve_async(
            reference, params={"expand": ["latest_charge"]}
        )
        refunds = await self.client.v1.refunds.list_async(
            params={"payment_intent": reference, "limit": 100}
        )
        ours = sum(r.amount for r in refunds.data if TRANSACTION_METADATA in (r.metadata or {}))
        others = sum(r.amount for r in refunds.data) - ours
        charge = _field(intent, "latest_charge")
        received = _field(intent, "amount_received")
        if received is None:  # no amount_received: work it out from the charge
            captured_charge = isinstance(charge, dict) and charge.get("captured")
            received = (int(charge["amount"]) - others) if captured_charge else 0
            others = 0
        capturable = _field(intent, "amount_capturable")
        if capturable is None:
            capturable = intent.amount if intent.status == "requires_capture" else 0
        return ProviderPayment(
            reference=intent.id,
            status=intent.status,
            currency=intent.currency.upper(),
            amount=intent.amount,
            capturable=int(capturable),
            captured=int(received),
            refunded=ours,
            refunded_elsewhere=others,
        )
