"""Inbound shipments and their lines (``inbound_shipments``, ``inbound_shipment_lines``)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories.transfers import next_counter
from ordergraph.db.tables import inbound_shipment_lines, inbound_shipments
from ordergraph.domain.inbound import InboundLine, InboundShipment, InboundStatus


async def load_inbound(
    conn: AsyncConnection, condition: sa.ColumnElement[bool], *, for_update: bool = False
) -> list[InboundShipment]:
    """Shipments matching ``condition`` with their lines: two statements for any number."""
    stmt = sa.select(inbound_shipments).where(condition).order_by(inbound_shipments.c.id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = list((await conn.execute(stmt)).mappings())
    if not rows:
        return []
    t = inbound_shipment_lines.c
    lines: dict[int, list[InboundLine]] = defaultdict(list)
    found = await conn.execute(
        sa.select(inbound_shipment_lines)
        .where(t.inbound_shipment_id.in_([r["id"] for r in rows]))
        .order_by(t.id)
    )
    for m in found.mappings():
        lines[m["inbound_shipment_id"]].append(
            InboundLine(m["id"], m["sku"], m["quantity_expected"], m["quantity_received"])
        )
    return [
        InboundShipment(
            id=r["id"],
            number=r["number"],
            warehouse_id=r["warehouse_id"],
            status=InboundStatus(r["status"]),
            expected_at=r["expected_at"],
            reference=r["reference"],
            lines=lines[r["id"]],
            actor=r["actor"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            received_at=r["received_at"],
            cancelled_at=r["cancelled_at"],
            version=r["version"],
        )
        for r in rows
    ]


class SqlInboundShipmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_number(self) -> str:
        return f"IN-{await next_counter(self._conn, 'inbound_number'):06d}"

    async def add(self, shipment: InboundShipment) -> InboundShipment:
        shipment.id = await self._conn.scalar(
            sa.insert(inbound_shipments)
            .values(
                number=shipment.number,
                warehouse_id=shipment.warehouse_id,
                status=shipment.status.value,
                expected_at=shipment.expected_at,
                reference=shipment.reference,
                actor=shipment.actor,
                created_at=shipment.created_at,
                updated_at=shipment.updated_at,
                version=shipment.version,
            )
            .returning(inbound_shipments.c.id)
        )
        ids = await self._conn.scalars(
            sa.insert(inbound_shipment_lines).returning(
                inbound_shipment_lines.c.id, sort_by_parameter_order=True
            ),
            [
                {
                    "inbound_shipment_id": shipment.id,
                    "sku": line.sku,
                    "quantity_expected": line.quantity_expected,
                    "quantity_received": line.quantity_received,
                }
                for line in shipment.lines
            ],
        )
        for line, line_id in zip(shipment.lines, ids, strict=True):
            line.id = line_id
        return shipment

    async def get(self, shipment_id: int, *, for_update: bool = False) -> InboundShipment | None:
        found = await load_inbound(
            self._conn, inbound_shipments.c.id == shipment_id, for_update=for_update
        )
        return found[0] if found else None

    async def save(self, shipment: InboundShipment) -> None:
        await self._conn.execute(
            sa.update(inbound_shipments)
            .where(inbound_shipments.c.id == shipment.id)
            .values(
                status=shipment.status.value,
                updated_at=shipment.updated_at,
                received_at=shipment.received_at,
                cancelled_at=shipment.cancelled_at,
                version=shipment.version,
            )
        )
        t = inbound_shipment_lines.c
        for line in shipment.lines:
            await self._conn.execute(
                sa.update(inbound_shipment_lines)
                .where(t.id == line.id, t.quantity_received != line.quantity_received)
                .values(quantity_received=line.quantity_received)
            )
