"""Customer notifications: which committed events tell the customer something, and the port the
unit of work writes them through. One row per (event, recipient), written in the transaction of
the change, sent after commit by the notification consumer (at least once, retried)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class NotificationType(StrEnum):
    ORDER_CONFIRMED = "ORDER_CONFIRMED"
    ORDER_EDITED = "ORDER_EDITED"
    ORDER_SHIPPED = "ORDER_SHIPPED"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    ORDER_DELIVERED = "ORDER_DELIVERED"
    ORDER_DELAYED = "ORDER_DELAYED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    RETURN_APPROVED = "RETURN_APPROVED"
    RETURN_RECEIVED = "RETURN_RECEIVED"
    REFUND_ISSUED = "REFUND_ISSUED"
    EMAIL_VERIFICATION = "EMAIL_VERIFICATION"
    PASSWORD_RESET = "PASSWORD_RESET"
    DRAFT_ORDER_INVOICE = "DRAFT_ORDER_INVOICE"


class NotificationStatus(StrEnum):
    PENDING = "PENDING"  # written, not tried yet
    RETRYING = "RETRYING"  # a temporary failure; tried again after a back-off
    SENT = "SENT"  # the mail server accepted it
    FAILED = "FAILED"  # a permanent failure, or retries exhausted


@dataclass(frozen=True, slots=True)
class NotificationRequest:
    """One message to write. ``key`` makes it idempotent: the same key is written once.

    ``data`` carries what the template needs beyond the order (a shipment id, a link with a
    one-time token, a new delivery estimate); it is rendered at send time."""

    type: NotificationType
    recipient: str
    key: str
    locale: str | None = None
    order_id: int | None = None
    customer_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


class NotificationOutbox(Protocol):
    """Where a use case writes a message; the row commits or rolls back with the change."""

    async def enqueue(self, request: NotificationRequest, now: datetime) -> None: ...

    async def resend(self, notification_id: int, now: datetime) -> int | None:
        """Write a copy of a message as a new one (a new Message-ID: it is a new mail, not a
        repeat); its id, or None if there is no such message."""
        ...


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    """Which stages are on (settings can switch each off, or all of them)."""

    enabled: frozenset[NotificationType] = frozenset(NotificationType)

    def allows(self, type: NotificationType) -> bool:
        return type in self.enabled


@dataclass(frozen=True, slots=True)
class PlannedNotification:
    """A customer message an order event calls for; the recipient is the order's email.

    ``discriminator`` makes the key: the same fact (one shipment out for delivery, one refund)
    never mails twice, even when a carrier reports it twice."""

    type: NotificationType
    order_id: int
    discriminator: str
    data: Mapping[str, Any]

    def key(self, recipient: str) -> str:
        return f"{self.type.value}:{self.order_id}:{self.discriminator}:{recipient.lower()}"


def _shipment(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"shipment_id": payload.get("shipmentId")}


def plan_notification(
    event_type: str, order_id: int | None, payload: Mapping[str, Any]
) -> PlannedNotification | None:
    """The customer message a committed order event calls for, if any (pure; no I/O)."""
    if order_id is None:
        return None

    def plan(type: NotificationType, disc: object, **data: Any) -> PlannedNotification:
        return PlannedNotification(type, order_id, str(disc), data)

    match event_type:
        case "order.confirmed":
            return plan(NotificationType.ORDER_CONFIRMED, "")
        case "order.edited":
            return plan(NotificationType.ORDER_EDITED, payload.get("version", ""), **payload)
        case "shipment.created":
            return plan(
                NotificationType.ORDER_SHIPPED, payload.get("shipmentId"), **_shipment(payload)
            )
        case "shipment.event" if payload.get("applied", True):
            if payload.get("status") == "OUT_FOR_DELIVERY":
                return plan(
                    NotificationType.OUT_FOR_DELIVERY,
                    payload.get("shipmentId"),
                    **_shipment(payload),
                )
            return None
        case "order.delivered":
            return plan(NotificationType.ORDER_DELIVERED, "")
        case "order.at_risk":
            reasons = sorted(str(r) for r in payload.get("reasons", []))
            return plan(NotificationType.ORDER_DELAYED, ",".join(reasons), reasons=reasons)
        case "order.cancelled":
            return plan(NotificationType.ORDER_CANCELLED, "all", reason=payload.get("reason"))
        case "order.lines_cancelled":
            return plan(
                NotificationType.ORDER_CANCELLED,
                payload.get("changeId", payload.get("version", "")),
                reason=payload.get("reason"),
                lines=payload.get("lines", []),
                partial=True,
            )
        case "return.approved":
            return plan(
                NotificationType.RETURN_APPROVED,
                payload.get("returnId"),
                return_id=payload.get("returnId"),
            )
        case "return.received":
            return plan(
                NotificationType.RETURN_RECEIVED,
                payload.get("returnId"),
                return_id=payload.get("returnId"),
            )
        case "refund.succeeded":
            return plan(
                NotificationType.REFUND_ISSUED,
                payload.get("refundId"),
                refund_id=payload.get("refundId"),
            )
    return None


def revised_delivery_estimate(
    reasons: list[str],
    now: datetime,
    promised: datetime | None,
    ship_by: datetime | None,
    handling: timedelta,
) -> datetime | None:
    """The new estimate a delay mail gives: an order not shipped in time still needs its
    handling and its transit (promised minus ship-by) from now; a parcel overdue or with a carrier
    exception is given one more day or two."""
    if promised is None:
        return None
    if "NOT_SHIPPED_IN_TIME" in reasons and ship_by is not None:
        return max(promised, now + handling + (promised - ship_by))
    if "SHIPMENT_EXCEPTION" in reasons:
        return max(promised, now + timedelta(days=2))
    return max(promised, now + timedelta(days=1))
