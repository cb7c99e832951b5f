"""Carrier webhooks, the pure part: reading each format into one normalized event, mapping
carrier statuses onto ours, and checking our generic format's signature.

Two formats (``docs/carrier-events.md``): our generic JSON event, signed like our outgoing
webhooks (``X-Ordergraph-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``), and
EasyPost's tracker ``Event`` (its signature is checked with EasyPost's SDK, outside the domain).
A parsed event says nothing yet about our shipments: the use case matches it by tracking number.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.domain.webhooks import DEFAULT_TOLERANCE, SIGNATURE_VERSION, sign, verify

MAX_BODY_BYTES = 256 * 1024
EASYPOST = "easypost"
SIGNATURE_HEADER = "X-Ordergraph-Signature"
EASYPOST_SIGNATURE_HEADER = "X-Hmac-Signature"
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})

# EasyPost ``Tracker.status`` → ours. None: a state of EasyPost's tracker, not of the parcel
# (``error``: EasyPost could not read the carrier; ``unknown``): stored, never applied.
EASYPOST_STATUSES: Mapping[str, ShipmentStatus | None] = {
    "pre_transit": ShipmentStatus.LABEL_CREATED,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    # waiting at a pickup point: the last step before the customer has it, as out for delivery
    "available_for_pickup": ShipmentStatus.OUT_FOR_DELIVERY,
    "delivered": ShipmentStatus.DELIVERED,
    "return_to_sender": ShipmentStatus.RETURNED_TO_SENDER,
    "failure": ShipmentStatus.EXCEPTION,
    "cancelled": ShipmentStatus.EXCEPTION,  # the carrier cancelled the label: staff must act
    "error": None,
    "unknown": None,
}

# A parcel in one of these needs a person: the order gets a DELIVERY_EXCEPTION hold and staff a
# ``shipment.exception`` event.
NEEDS_STAFF = frozenset({ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED_TO_SENDER})

_MAX_ID, _MAX_TRACKING, _MAX_CARRIER = 200, 100, 64
_MAX_STATUS, _MAX_LOCATION, _MAX_DESCRIPTION = 64, 200, 500


class CarrierEventOutcome(enum.StrEnum):
    """What a received event did; kept on its row."""

    APPLIED = "APPLIED"  # moved the shipment
    STALE = "STALE"  # stored on the shipment, but older than its status (or its journey ended)
    UNMATCHED = "UNMATCHED"  # no shipment has the tracking number: listed for staff
    IGNORED = "IGNORED"  # a tracker state, not a parcel's (EasyPost ``error``, ``unknown``)
    DUPLICATE = "DUPLICATE"  # this (source, event id) came before: nothing changed


class CarrierEventError(ValueError):
    """The body is not an event of the source's format (answered with 400)."""


class BadSignature(ValueError):
    """The signature is missing, malformed, wrong or too old (answered with 401)."""


@dataclass(frozen=True, slots=True)
class CarrierEvent:
    """One carrier update, in our terms. ``status`` None: nothing to apply (kept for staff)."""

    source: str
    event_id: str
    tracking_number: str
    carrier: str | None
    carrier_status: str
    status: ShipmentStatus | None
    occurred_at: datetime | None
    location: str | None
    description: str | None

    @property
    def needs_staff(self) -> bool:
        return self.status in NEEDS_STAFF


# --- signatures of the generic format ------------------------------------------------------


def generic_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Ordergraph-Signature`` value a sender puts on ``body`` at ``timestamp``."""
    return f"t={timestamp},{sign(secret, timestamp, body)}"


def verify_generic_signature(
    secret: str, header: str | None, body: bytes, *, now: int, tolerance: int = DEFAULT_TOLERANCE
) -> None:
    """Accept ``t=<ts>,v1=<hex>`` (several ``v1`` while a sender rotates its secret) if one
    ``v1`` is the HMAC of ``"<ts>." + body`` under ``secret`` and ``ts`` is within ``tolerance``
    seconds of ``now``; else raise ``BadSignature``. Never raises anything else."""
    if not header or len(header) > 1000:
        raise BadSignature("missing signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == SIGNATURE_VERSION:
            candidates.append(f"{SIGNATURE_VERSION}={value}")
    if timestamp is None or not candidates:
        raise BadSignature("malformed signature")
    if abs(now - timestamp) > tolerance:
        raise BadSignature("signature timestamp outside the tolerance")
    if not any(
        verify(secret, timestamp, body, c, now=now, tolerance=tolerance) for c in candidates
    ):
        raise BadSignature("signature mismatch")


# --- parsing --------------------------------------------------------------------------------


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str | None:
    """A string field: control characters dropped, trimmed, cut to ``limit`` (carriers write
    long messages; a long one is cut, never refused)."""
    if value is None or value == "":
        if required:
            raise CarrierEventError(f"{name} is required")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise CarrierEventError(f"{name} must be a string")
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cc").strip()
    text = unicodedata.normalize("NFC", text)[:limit]
    if required and not text:
        raise CarrierEventError(f"{name} is required")
    return text or None


def _required(value: Any, name: str, limit: int) -> str:
    text = _text(value, name, limit, required=True)
    assert text is not None
    return text


def _time(value: Any, name: str) -> datetime | None:
    """An ISO 8601 time; one without an offset is UTC (as EasyPost's are when it lacks a
    location)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise CarrierEventError(f"{name} must be an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CarrierEventError(f"{name} must be an ISO 8601 time") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CarrierEventError(f"{name} must be a JSON object")
    return value


def parse_generic(source: str, document: Any) -> CarrierEvent:
    """Our format: ``{"id", "trackingNumber", "status" (a ShipmentStatus), "occurredAt",
    "carrier"?, "location"?, "description"?}``."""
    body = _object(document, "the event")
    raw_status = _required(body.get("status"), "status", _MAX_STATUS)
    try:
        status = ShipmentStatus(raw_status.upper())
    except ValueError as exc:
        known = ", ".join(s.value for s in ShipmentStatus)
        raise CarrierEventError(f"status must be one of {known}") from exc
    occurred_at = _time(body.get("occurredAt"), "occurredAt")
    if occurred_at is None:
        raise CarrierEventError("occurredAt is required")
    return CarrierEvent(
        source=source,
        event_id=_required(body.get("id"), "id", _MAX_ID),
        tracking_number=_required(body.get("trackingNumber"), "trackingNumber", _MAX_TRACKING),
        carrier=_text(body.get("carrier"), "carrier", _MAX_CARRIER),
        carrier_status=raw_status,
        status=status,
        occurred_at=occurred_at,
        location=_text(body.get("location"), "location", _MAX_LOCATION),
        description=_text(body.get("description"), "description", _MAX_DESCRIPTION),
    )


def is_tracker_event(document: Any) -> bool:
    """Whether an EasyPost ``Event`` is about a tracker (others, e.g. batches, are ignored)."""
    return isinstance(document, dict) and document.get("description") in TRACKER_EVENTS


def _place(location: Any) -> str | None:
    if not isinstance(location, dict):
        return None
    parts = [location.get(k) for k in ("city", "state", "country")]
    named = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    return _text(", ".join(named), "tracking_location", _MAX_LOCATION) if named else None


def _latest_detail(details: Any) -> Mapping[str, Any] | None:
    """The newest ``tracking_details`` entry with a readable time (the list is oldest first,
    but nothing says a carrier keeps it sorted)."""
    if not isinstance(details, list):
        return None
    best: tuple[datetime, int, Mapping[str, Any]] | None = None
    for index, detail in enumerate(details):
        if not isinstance(detail, dict):
            continue
        try:
            at = _time(detail.get("datetime"), "tracking_details.datetime")
        except CarrierEventError:
            continue
        if at is not None and (best is None or (at, index) >= best[:2]):
            best = (at, index, detail)
    return best[2] if best else None


def parse_easypost(source: str, document: Any) -> CarrierEvent:
    """An EasyPost ``Event`` whose ``result`` is a ``Tracker``: the tracker's current status,
    at the time (and place, and message) of its newest tracking detail."""
    event = _object(document, "the event")
    tracker = _object(event.get("result"), "result")
    raw_status = _required(tracker.get("status"), "result.status", _MAX_STATUS).lower()
    if raw_status not in EASYPOST_STATUSES:
        raw_status = "unknown"  # a status EasyPost adds later is kept, not applied
    detail = _latest_detail(tracker.get("tracking_details"))
    if detail is not None:
        occurred_at = _time(detail.get("datetime"), "tracking_details.datetime")
        location = _place(detail.get("tracking_location"))
        description = _text(detail.get("message"), "tracking_details.message", _MAX_DESCRIPTION)
    else:
        occurred_at = _time(tracker.get("updated_at"), "result.updated_at")
        location = description = None
    return CarrierEvent(
        source=source,
        event_id=_required(event.get("id"), "id", _MAX_ID),
        tracking_number=_required(
            tracker.get("tracking_code"), "result.tracking_code", _MAX_TRACKING
        ),
        carrier=_text(tracker.get("carrier"), "result.carrier", _MAX_CARRIER),
        carrier_status=raw_status,
        status=EASYPOST_STATUSES[raw_status],
        occurred_at=occurred_at,
        location=location,
        description=description,
    )


def is_easypost(source: str) -> bool:
    """Sources named ``easypost`` (or ``easypost-<account>``) speak EasyPost's format."""
    return source == EASYPOST or source.startswith(f"{EASYPOST}-")
