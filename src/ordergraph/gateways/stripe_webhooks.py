"""Stripe's webhook events, verified with the SDK and read into ``ProviderEvent``."""

from __future__ import annotations

import stripe

from ordergraph.domain.payments import ProviderEvent, ProviderEventKind
from ordergraph.gateways.stripe_gateway import TRANSACTION_METADATA

KINDS = {
    "payment_intent.succeeded": ProviderEventKind.SUCCEEDED,
    "payment_intent.amount_capturable_updated": ProviderEventKind.AUTHORIZED,
    "payment_intent.payment_failed": ProviderEventKind.FAILED,
    "payment_intent.canceled": ProviderEventKind.CANCELED,
    "charge.refunded": ProviderEventKind.REFUNDED,
}


def parse_webhook(payload: bytes, signature: str | None, secret: str) -> ProviderEvent:
    """Verify the ``Stripe-Signature`` header with the SDK and read the event; raises
    ``stripe.SignatureVerificationError`` (or ``ValueError`` for a body that is not JSON)."""
    event = stripe.Webhook.construct_event(payload, signature, secret)
    kind = KINDS.get(event.type, ProviderEventKind.OTHER)
    obj = event.data.object
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    is_charge = data.get("object") == "charge"
    reference = data.get("payment_intent") if is_charge else data.get("id")
    metadata = data.get("metadata") or {}
    ours = str(metadata.get(TRANSACTION_METADATA) or "")
    error = data.get("last_payment_error") or {}
    return ProviderEvent(
        provider="stripe",
        id=event.id,
        type=event.type,
        kind=kind,
        reference=reference if isinstance(reference, str) else None,
        transaction_id=int(ours) if ours.isdigit() else None,
        refunded=int(data.get("amount_refunded") or 0) if is_charge else 0,
        error_code=error.get("code"),
        message=error.get("message"),
    )
