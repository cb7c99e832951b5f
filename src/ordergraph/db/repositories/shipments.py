from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import orders, shipment_events, shipment_lines, shipments
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.shipments import (
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentStatus,
)

OPEN = [
    s.value
    for s in ShipmentStatus
    if s not in {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER}
]


def event_from_row(m: sa.RowMapping) -> ShipmentEvent:
    return ShipmentEvent(
        id=m["id"],
        status=ShipmentStatus(m["status"]),
        occurred_at=m["occurred_at"],
        location=m["location"],
        description=m["description"],
        recorded_at=m["recorded_at"],
        applied=m["applied"],
    )


def shipment_from_row(
    m: sa.RowMapping, lines: list[ShipmentLine], events: list[ShipmentEvent]
) -> Shipment:
    return Shipment(
        id=m["id"],
        order_id=m["order_id"],
        fulfillment_id=m["fulfillment_id"],
        warehouse_id=m["warehouse_id"],
        carrier=m["carrier"],
        carrier_name=m["carrier_name"],
        service=m["service"],
        tracking_number=m["tracking_number"],
        tracking_url=m["tracking_url"],
        code=m["code"],
        status=ShipmentStatus(m["status"]),
        shipped_at=m["shipped_at"],
        promised_delivery_at=m["promised_delivery_at"],
        delivered_at=m["delivered_at"],
        lines=lines,
        events=events,
        last_event_at=m["last_event_at"],
        clicks=m["clicks"],
    )


async def load_shipments(
    conn: AsyncConnection, condition: sa.ColumnElement[bool], *, for_update: bool = False
) -> list[Shipment]:
    """Shipments matching ``condition`` with their lines and events: three queries."""
    stmt = sa.select(shipments).where(condition).order_by(shipments.c.id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = list((await conn.execute(stmt)).mappings())
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    lines: dict[int, list[ShipmentLine]] = defaultdict(list)
    for m in (
        await conn.execute(
            sa.select(shipment_lines)
            .where(shipment_lines.c.shipment_id.in_(ids))
            .order_by(shipment_lines.c.id)
        )
    ).mappings():
        lines[m["shipment_id"]].append(
            ShipmentLine(m["fulfillment_line_id"], m["order_line_id"], m["sku"], m["quantity"])
        )
    events: dict[int, list[ShipmentEvent]] = defaultdict(list)
    e = shipment_events.c
    for m in (
        await conn.execute(
            sa.select(shipment_events)
            .where(e.shipment_id.in_(ids))
            .order_by(e.shipment_id, e.occurred_at, e.id)
        )
    ).mappings():
        events[m["shipment_id"]].append(event_from_row(m))
    return [shipment_from_row(r, lines[r["id"]], events[r["id"]]) for r in rows]


class SqlShipmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, shipment: Shipment) -> Shipment:
        shipment.id = await self._conn.scalar(
            sa.insert(shipments)
            .values(
                order_id=shipment.order_id,
                fulfillment_id=shipment.fulfillment_id,
                warehouse_id=shipment.warehouse_id,
                carrier=shipment.carrier,
                carrier_name=shipment.carrier_name,
                service=shipment.service,
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url,
                code=shipment.code,
                status=shipment.status.value,
                shipped_at=shipment.shipped_at,
                promised_delivery_at=shipment.promised_delivery_at,
                delivered_at=shipment.delivered_at,
                last_event_at=shipment.last_event_at,
            )
            .returning(shipments.c.id)
        )
        await self._conn.execute(
            sa.insert(shipment_lines),
            [
                {
                    "shipment_id": shipment.id,
                    "fulfillment_line_id": line.fulfillment_line_id,
                    "order_line_id": line.order_line_id,
                    "sku": line.sku,
                    "quantity": line.quantity,
                }
                for line in shipment.lines
            ],
        )
        await self._append_events(shipment)
        return shipment

    async def get(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        found = await load_shipments(
            self._conn, shipments.c.id == shipment_id, for_update=for_update
        )
        return found[0] if found else None

    async def for_order(self, order_id: int) -> list[Shipment]:
        return await load_shipments(self._conn, shipments.c.order_id == order_id)

    async def save(self, shipment: Shipment) -> None:
        assert shipment.id is not None
        await self._conn.execute(
            sa.update(shipments)
            .where(shipments.c.id == shipment.id)
            .values(
                status=shipment.status.value,
                delivered_at=shipment.delivered_at,
                last_event_at=shipment.last_event_at,
            )
        )
        await self._append_events(shipment)

    async def _append_events(self, shipment: Shipment) -> None:
        new = [e for e in shipment.events if e.id is None]
        if not new:
            return
        await self._conn.execute(
            sa.insert(shipment_events),
            [
                {
                    "shipment_id": shipment.id,
                    "status": e.status.value,
                    "occurred_at": e.occurred_at,
                    "location": e.location,
                    "description": e.description,
                    "recorded_at": e.recorded_at,
                    "applied": e.applied,
                }
                for e in new
            ],
        )


def _lacks(reasons: sa.ColumnElement[object], reason: str) -> sa.ColumnElement[bool]:
    """The order is not yet flagged for ``reason`` (JSON list read as text on both dialects)."""
    return sa.not_(sa.func.coalesce(sa.cast(reasons, sa.Text), "").like(f'%"{reason}"%'))


class SqlRiskRepository:
    """Finds orders that are late or may be, skipping those already flagged for the reason
    (in SQL, before the LIMIT, so flagged orders can never crowd out new ones)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def at_risk_candidates(self, now: datetime, limit: int) -> dict[int, list[str]]:
        o, s = orders.c, shipments.c
        found: dict[int, set[str]] = defaultdict(set)
        unshipped = [
            OrderStatus.CONFIRMED.value,
            OrderStatus.PROCESSING.value,
            OrderStatus.PARTIALLY_SHIPPED.value,
        ]
        late = await self._conn.scalars(
            sa.select(o.id)
            .where(o.status.in_(unshipped), o.ship_by_at < now)
            .where(_lacks(o.at_risk_reasons, "NOT_SHIPPED_IN_TIME"))
            .order_by(o.ship_by_at, o.id)
            .limit(limit)
        )
        for order_id in late:
            found[order_id].add("NOT_SHIPPED_IN_TIME")
        for reason, condition in (
            ("DELIVERY_OVERDUE", s.promised_delivery_at < now),
            ("SHIPMENT_EXCEPTION", s.status == ShipmentStatus.EXCEPTION.value),
        ):
            for order_id in await self._conn.scalars(
                sa.select(s.order_id)
                .join(orders, o.id == s.order_id)
                .where(s.status.in_(OPEN), condition, _lacks(o.at_risk_reasons, reason))
                .order_by(s.order_id)
                .distinct()
                .limit(limit)
            ):
                found[order_id].add(reason)
        return {k: sorted(v) for k, v in found.items()}
