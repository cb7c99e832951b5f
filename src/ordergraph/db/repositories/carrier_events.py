"""Carrier webhooks as received: claimed once per (source, event id), then settled."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import carrier_events, shipments
from ordergraph.domain.carrier_events import CarrierEvent, CarrierEventOutcome
from ordergraph.domain.shipments import TERMINAL, ShipmentStatus


class SqlCarrierEventRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, event: CarrierEvent, received_at: datetime) -> int | None:
        """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: a twin delivered at the same time
        waits for this transaction on the unique index, then finds the row taken."""
        values = {
            "source": event.source,
            "event_id": event.event_id,
            "tracking_number": event.tracking_number,
            "carrier": event.carrier,
            "carrier_status": event.carrier_status,
            "status": event.status.value if event.status else None,
            "occurred_at": event.occurred_at,
            "location": event.location,
            "description": event.description,
            "outcome": CarrierEventOutcome.UNMATCHED.value,
            "received_at": received_at,
        }
        keys = ["source", "event_id"]
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(carrier_events)
            .values(**values)
            .on_conflict_do_nothing(index_elements=keys)
            .returning(carrier_events.c.id)
        )
        row_id: int | None = await self._conn.scalar(stmt)
        return row_id

    async def settle(
        self, row_id: int, outcome: CarrierEventOutcome, shipment_id: int | None
    ) -> None:
        await self._conn.execute(
            sa.update(carrier_events)
            .where(carrier_events.c.id == row_id)
            .values(outcome=outcome.value, shipment_id=shipment_id)
        )

    async def shipment_for_tracking(self, tracking_number: str) -> int | None:
        s = shipments.c
        open_first = sa.case((s.status.in_([t.value for t in TERMINAL]), 1), else_=0)
        found: int | None = await self._conn.scalar(
            sa.select(s.id)
            .where(s.tracking_number == tracking_number)
            .order_by(open_first, s.id.desc())
            .limit(1)
        )
        return found

    async def unmatched_for_tracking(
        self, tracking_number: str
    ) -> list[tuple[int, CarrierEvent, datetime]]:
        c = carrier_events.c
        rows = await self._conn.execute(
            sa.select(carrier_events)
            .where(
                c.tracking_number == tracking_number,
                c.outcome == CarrierEventOutcome.UNMATCHED.value,
            )
            .order_by(sa.func.coalesce(c.occurred_at, c.received_at), c.id)
        )
        return [(m["id"], event_from_row(m), m["received_at"]) for m in rows.mappings()]


def event_from_row(m: sa.RowMapping) -> CarrierEvent:
    return CarrierEvent(
        source=m["source"],
        event_id=m["event_id"],
        tracking_number=m["tracking_number"],
        carrier=m["carrier"],
        carrier_status=m["carrier_status"],
        status=ShipmentStatus(m["status"]) if m["status"] else None,
        occurred_at=m["occurred_at"],
        location=m["location"],
        description=m["description"],
    )
