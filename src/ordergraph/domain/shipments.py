"""Shipments: parcels on their way, with carrier events and a promised delivery date."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ordergraph.domain.errors import InvalidInput


class ShipmentStatus(enum.StrEnum):
    LABEL_CREATED = "LABEL_CREATED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    EXCEPTION = "EXCEPTION"
    RETURNED_TO_SENDER = "RETURNED_TO_SENDER"


# carriers' clocks drift; an event a few minutes "in the future" is still believable
_CLOCK_SKEW = timedelta(minutes=10)

TERMINAL = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER})


@dataclass(frozen=True, slots=True)
class ShipmentEvent:
    id: int | None
    status: ShipmentStatus
    occurred_at: datetime
    location: str | None
    description: str | None
    recorded_at: datetime
    applied: bool  # False: stored for the record, but older than the status it would replace


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    fulfillment_line_id: int
    order_line_id: int
    sku: str
    quantity: int


@dataclass(slots=True)
class Shipment:
    id: int | None
    order_id: int
    fulfillment_id: int
    warehouse_id: int
    carrier: str
    carrier_name: str
    service: str | None
    tracking_number: str
    tracking_url: str | None
    code: str
    status: ShipmentStatus
    shipped_at: datetime
    promised_delivery_at: datetime | None
    delivered_at: datetime | None
    lines: list[ShipmentLine]
    events: list[ShipmentEvent] = field(default_factory=list)
    last_event_at: datetime | None = None
    clicks: int = 0

    def record(
        self,
        status: ShipmentStatus,
        occurred_at: datetime,
        location: str | None,
        description: str | None,
        now: datetime,
        *,
        came_before_label: bool = False,
    ) -> ShipmentEvent:
        """Store the event; it moves the status only if it is the newest and the parcel's
        journey is not over (out-of-order events never move a shipment backwards).

        ``came_before_label``: a carrier reported this before the shipment was recorded (its
        tracking number matched nothing yet). It beats our own LABEL_CREATED, which only says
        when staff shipped it, whatever the two times say."""
        if occurred_at.tzinfo is None:
            raise InvalidInput("needs a UTC offset", field=["occurredAt"])
        if occurred_at > now + _CLOCK_SKEW:
            raise InvalidInput("is in the future", field=["occurredAt"])
        beats_label = (
            came_before_label
            and self.status is ShipmentStatus.LABEL_CREATED
            and status is not ShipmentStatus.LABEL_CREATED
        )
        newest = self.last_event_at is None or occurred_at >= self.last_event_at or beats_label
        applied = newest and self.status not in TERMINAL
        event = ShipmentEvent(None, status, occurred_at, location, description, now, applied)
        self.events.append(event)
        if applied:
            self.status = status
            self.last_event_at = occurred_at
            if status is ShipmentStatus.DELIVERED:
                self.delivered_at = occurred_at
        return event
