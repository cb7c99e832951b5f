"""Customer notifications: which committed events tell the customer something, and the port the
unit of work writes them through. One row per (event, recipient), written in the transaction of
the change, sent after commit by the notification consumer (at least once, retried)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
