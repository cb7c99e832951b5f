from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import fulfillment_lines, fulfillments
from ordergraph.domain.fulfillments import Fulfillment, FulfillmentLine, FulfillmentStatus


async def load_fulfillments(
    conn: AsyncConnection, condition: sa.ColumnElement[bool], *, for_update: bool = False
) -> list[Fulfillment]:
    """Fulfillments matching ``condition`` with their lines: two queries."""
    stmt = sa.select(fulfillments).where(condition).order_by(fulfillments.c.id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = list((await conn.execute(stmt)).mappings())
    if not rows:
        return []
    lines: dict[int, list[FulfillmentLine]] = defaultdict(list)
    t = fulfillment_lines.c
    for m in (
        await conn.execute(
            sa.select(fulfillment_lines)
            .where(t.fulfillment_id.in_([r["id"] for r in rows]))
            .order_by(t.id)
        )
    ).mappings():
        lines[m["fulfillment_id"]].append(
            FulfillmentLine(
                m["id"], m["order_line_id"], m["sku"], m["quantity"], m["shipped_quantity"]
            )
        )
    return [
        Fulfillment(
            id=r["id"],
            order_id=r["order_id"],
            warehouse_id=r["warehouse_id"],
            status=FulfillmentStatus(r["status"]),
            lines=lines[r["id"]],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


class SqlFulfillmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, fulfillment_id: int, *, for_update: bool = False) -> Fulfillment | None:
        found = await load_fulfillments(
            self._conn, fulfillments.c.id == fulfillment_id, for_update=for_update
        )
        return found[0] if found else None

    async def for_order(self, order_id: int) -> list[Fulfillment]:
        return await load_fulfillments(self._conn, fulfillments.c.order_id == order_id)

    async def save(self, fulfillment: Fulfillment) -> None:
        assert fulfillment.id is not None
        await self._conn.execute(
            sa.update(fulfillments)
            .where(fulfillments.c.id == fulfillment.id)
            .values(
                status=fulfillment.status.value,
                updated_at=fulfillment.updated_at,
                warehouse_id=fulfillment.warehouse_id,
            )
        )
        for line in fulfillment.lines:
            if line.id in fulfillment.shipped_now:
                await self._conn.execute(
                    sa.update(fulfillment_lines)
                    .where(fulfillment_lines.c.id == line.id)
                    .values(shipped_quantity=line.shipped_quantity)
                )
