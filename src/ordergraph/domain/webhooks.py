"""Signed webhooks, the pure part: signatures, headers, retries, URL rules, event filters.

Delivery itself (claiming rows, POSTing, resolving names) lives in ``ordergraph.events``; this
module only decides. Receivers verify a delivery as described in ``docs/webhooks.md``.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.principals import DEFAULT_SCOPES, Principal, Role, Scope

SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between our timestamp and its clock
MAX_URL_LENGTH = 2000


# --- signatures ---------------------------------------------------------------------------


def signed_payload(timestamp: int, body: bytes) -> bytes:
    """The exact bytes we sign: ``b"{timestamp}." + body`` (the raw body, never re-serialized)."""
    return f"{timestamp}.".encode("ascii") + body


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of ``"{timestamp}." + body`` under ``secret``, as ``"v1=<hex digest>"``."""
    digest = hmac.new(secret.encode("utf-8"), signed_payload(timestamp, body), hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


def verify(
    secret: str,
    timestamp: int,
    body: bytes,
    signature: str,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True if ``signature`` is ours for this timestamp and body, and the timestamp is fresh.

    A timestamp more than ``tolerance`` seconds from ``now``, in either direction, is refused so
    a captured delivery cannot be replayed later. The comparison takes constant time.
    """
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    # Compare bytes: compare_digest refuses non-ASCII str, and a forged header may contain any.
    return hmac.compare_digest(expected, signature.encode("utf-8", errors="replace"))


class WebhookHeaders(NamedTuple):
    """The names of the headers every delivery carries."""

    event_id: str = "X-Ordergraph-Event-Id"
    event_type: str = "X-Ordergraph-Event-Type"
    timestamp: str = "X-Ordergraph-Timestamp"
    signature: str = "X-Ordergraph-Signature"


HEADERS = WebhookHeaders()


def delivery_headers(
    event_id: int | str, event_type: str, timestamp: int, signature: str
) -> dict[str, str]:
    """The HTTP headers of one delivery (the body is JSON, sent as the exact bytes signed)."""
    return {
        "Content-Type": "application/json",
        HEADERS.event_id: str(event_id),
        HEADERS.event_type: event_type,
        HEADERS.timestamp: str(timestamp),
        HEADERS.signature: signature,
    }


# --- retries ------------------------------------------------------------------------------


class DeliveryStatus(enum.StrEnum):
    """Where one delivery stands."""

    PENDING = "PENDING"  # not tried yet
    SUCCEEDED = "SUCCEEDED"  # the receiver answered 2xx
    FAILED = "FAILED"  # the last try failed; another is scheduled
    DEAD = "DEAD"  # every retry failed: dead-lettered until someone redelivers it


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Exponential backoff with jitter.

    A delivery is tried once, then retried up to ``max_attempts`` times. Retry ``attempt`` (1 is
    the retry after the first failure) waits ``base * factor ** (attempt - 1)``, moved by up to
    ``± jitter`` of itself so that many failed deliveries do not all come back at once. With the
    defaults the retries wait 1, 2, 4 … 128 minutes: 4 h 15 min in all.
    """

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=60)
    factor: float = 2.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base <= timedelta(0):
            raise ValueError("base must be positive")
        if self.factor < 1.0:
            raise ValueError("factor must be at least 1 (delays never shrink)")
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")

    def nominal(self, attempt: int) -> timedelta:
        """The delay before retry ``attempt``, without jitter."""
        if not 1 <= attempt <= self.max_attempts:
            raise ValueError(f"attempt must be in 1..{self.max_attempts}, got {attempt}")
        return self.base * (self.factor ** (attempt - 1))

    def delay(self, attempt: int, rand: float) -> timedelta:
        """The delay before retry ``attempt``; ``rand`` in [0, 1) comes from an injected source.

        ``rand`` 0 gives ``(1 - jitter)`` of the nominal delay, 0.5 exactly the nominal one, and
        values near 1 almost ``(1 + jitter)`` of it.
        """
        if not 0.0 <= rand < 1.0:
            raise ValueError(f"rand must be in [0, 1), got {rand}")
        return self.nominal(attempt) * (1.0 + self.jitter * (2.0 * rand - 1.0))

    def total_span(self) -> timedelta:
        """From the first failure to the last retry, without jitter (jitter moves it ± jitter)."""
        return sum(
            (self.nominal(attempt) for attempt in range(1, self.max_attempts + 1)),
            timedelta(0),
        )

    def status_after_failure(self, failures: int) -> DeliveryStatus:
        """FAILED while a retry is left after ``failures`` failed tries, then DEAD."""
        if failures < 1:
            raise ValueError("failures must be at least 1")
        return DeliveryStatus.FAILED if failures <= self.max_attempts else DeliveryStatus.DEAD


# --- URLs ---------------------------------------------------------------------------------


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field=["url"], code="INVALID_URL")


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``127.1``, ``0x7f.0.0.1``, ``2130706433``: forms the resolver reads as IPv4 addresses."""
    if not host or any(ch not in "0123456789abcdefx." for ch in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local, unspecified, multicast, reserved or otherwise not global."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return _is_internal(embedded)
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or not address.is_global
    )


@dataclass(frozen=True, slots=True)
class WebhookUrlPolicy:
    """Which URLs a webhook may target. Production refuses internal addresses (SSRF)."""

    allow_private: bool = False

    def check(self, url: str) -> str:
        """The URL, trimmed, if it may be used; otherwise ``InvalidInput`` on ``url``."""
        url = url.strip()
        if not url:
            raise _refuse("is required")
        if len(url) > MAX_URL_LENGTH:
            raise _refuse(f"must be at most {MAX_URL_LENGTH} characters")
        if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
            raise _refuse("must not contain spaces or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _refuse("is not a valid URL") from exc
        if parts.scheme.lower() not in {"http", "https"}:
            raise _refuse("must be an http or https URL")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise _refuse("must not contain credentials")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise _refuse("must name a host")
        if port == 0:
            raise _refuse("has an invalid port")
        if not self.allow_private:
            self._check_host(host)
        return url

    def check_resolved(self, addresses: list[str]) -> None:
        """After DNS resolution, at delivery time: refuse if any address is internal.

        Checking every address (not only the first) defeats names that resolve to both a
        public and an internal address; checking at delivery time defeats DNS rebinding.
        """
        if not addresses:
            raise _refuse("does not resolve to any address")
        for text in addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError as exc:
                raise _refuse(f"resolved to an unreadable address {text!r}") from exc
            if not self.allow_private and _is_internal(address):
                raise _refuse(f"resolves to a private or reserved address ({address})")

    @staticmethod
    def _check_host(host: str) -> None:
        if host == "localhost" or host.endswith(".localhost"):
            raise _refuse("must not point at localhost")
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = _legacy_ipv4(host)
        if address is not None and _is_internal(address):
            raise _refuse("must not point at a private or reserved address")


# --- event types --------------------------------------------------------------------------

ALL_EVENTS = "*"

# Every type the code records (``Order.record`` and ``DomainEvent(...)``), and "*" for all.
WEBHOOK_EVENT_TYPES: frozenset[str] = frozenset(
    {
        ALL_EVENTS,
        "order.placed",
        "order.imported",
        "order.confirmed",
        "order.payment_failed",
        "order.payment_captured",
        "order.payment_updated",
        "order.paid_by_link",
        "draft_order.invoice_sent",
        "order.payment_action_required",
        "payment.compensating",
        "payment.compensation_failed",
        "payment.capture_failed",
        "payment.void_failed",
        "payment.refunded_at_provider",
        "order.cancelled",
        "order.hold_placed",
        "order.hold_released",
        "order.processing",
        "order.partially_shipped",
        "order.shipped",
        "order.delivered",
        "order.at_risk",
        "order.note_added",
        "order.tags_changed",
        "order.metadata_updated",
        "fulfillment.created",
        "fulfillment.picking",
        "fulfillment.packed",
        "fulfillment.rerouted",
        "shipment.created",
        "shipment.event",
        "shipment.exception",
        "refund.requested",
        "refund.succeeded",
        "refund.failed",
        "return.requested",
        "return.approved",
        "return.rejected",
        "return.received",
        "return.partially_received",
        "return.refunded",
        "inventory.adjusted",
        "inventory.changed",
        "inventory.low",
        "transfer.created",
        "transfer.received",
        "transfer.cancelled",
        "inbound_shipment.created",
        "inbound_shipment.received",
        "inbound_shipment.cancelled",
        "product.created",
        "product.updated",
        "product.archived",
        "warehouse.created",
        "warehouse.updated",
        "warehouse.deactivated",
        "customer.created",
        "customer.data_exported",
        "customer.erased",
        "customer.email_verified",
        "customer.password_reset",
        "customer.password_changed",
        "customer.updated",
        "customer.address_changed",
        "order.customer_erased",
        "order.exchange_created",
        "automation.rule_ran",
        "api_token.created",
        "api_token.revoked",
    }
)


def _prefixes() -> frozenset[str]:
    return frozenset(t.split(".", 1)[0] for t in WEBHOOK_EVENT_TYPES if t != ALL_EVENTS)


def check_event_patterns(patterns: Iterable[str]) -> frozenset[str]:
    """Validate a subscription: known types, ``"*"`` or ``"<prefix>.*"``; at least one."""
    cleaned = frozenset(p.strip() for p in patterns)
    if not cleaned:
        raise InvalidInput("needs at least one event type", field=["events"], code="REQUIRED")
    prefixes = _prefixes()
    for pattern in sorted(cleaned):
        known = pattern in WEBHOOK_EVENT_TYPES or (
            pattern.endswith(".*") and pattern[:-2] in prefixes
        )
        if not known:
            raise InvalidInput(f"unknown event type {pattern!r}", field=["events"])
    return cleaned


def matches(subscribed: frozenset[str], event_type: str) -> bool:
    """True if a webhook subscribed to ``subscribed`` receives ``event_type``.

    ``"*"`` matches everything; ``"order.*"`` matches every ``order.`` type (not ``orders.x``).
    """
    if ALL_EVENTS in subscribed or event_type in subscribed:
        return True
    return any(
        pattern.endswith(".*") and event_type.startswith(pattern[:-1]) for pattern in subscribed
    )


# --- registered webhooks and their deliveries ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    events: frozenset[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    owner: Principal = field(default_factory=lambda: owner_from_json(None))


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: int
    outbox_id: int
    order_id: int | None
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    created_at: datetime
    delivered_at: datetime | None


def owner_json(actor: Principal) -> dict[str, Any]:
    return {"role": actor.role.value if actor.role else None, "scopes": sorted(actor.scopes)}


def owner_from_json(data: Any) -> Principal:
    """Who a webhook receives events as; hooks made before owners were kept were made by
    someone with webhooks:manage, so they keep every order event."""
    if not isinstance(data, dict):
        return Principal(role=Role.STAFF, scopes=DEFAULT_SCOPES[Role.STAFF], name="webhook")
    known = {s.value for s in Scope}
    scopes = frozenset(Scope(s) for s in data.get("scopes", []) if s in known)
    role = Role(data["role"]) if data.get("role") in {r.value for r in Role} else None
    return Principal(role=role, scopes=scopes, name="webhook")
