"""A carrier webhook as received and normalized (staff see the ones no shipment matched)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import strawberry

from ordergraph.schema.enums import ShipmentStatus
from ordergraph.schema.ids import encode_id


@strawberry.type(
    name="CarrierEvent",
    description="A carrier or aggregator webhook (POST /carrier-events/{source}), normalized.",
)
class CarrierEventType:
    id: strawberry.ID
    source: str = strawberry.field(description="The sender, as in the URL (e.g. easypost).")
    event_id: str = strawberry.field(description="The sender's id of the event.")
    tracking_number: str
    carrier: str | None
    carrier_status: str = strawberry.field(description="The status in the sender's words.")
    status: ShipmentStatus | None = strawberry.field(
        description="Ours; null when the sender's status is none of a parcel's."
    )
    occurred_at: datetime | None
    location: str | None
    description: str | None
    received_at: datetime

    @classmethod
    def from_row(cls, row: sa.RowMapping) -> CarrierEventType:
        return cls(
            id=strawberry.ID(encode_id("CarrierEvent", row["id"])),
            source=row["source"],
            event_id=row["event_id"],
            tracking_number=row["tracking_number"],
            carrier=row["carrier"],
            carrier_status=row["carrier_status"],
            status=ShipmentStatus(row["status"]) if row["status"] else None,
            occurred_at=row["occurred_at"],
            location=row["location"],
            description=row["description"],
            received_at=row["received_at"],
        )
