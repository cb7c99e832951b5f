"""The packing slip read: a fulfillment with its order, warehouse and lines in one statement."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import fulfillment_lines, fulfillments, order_lines, orders, warehouses
from ordergraph.domain.customers import Address
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.packing_slips import PackingSlip, PackingSlipLine


def _packing_slip_statement(fulfillment_id: int) -> sa.Select[tuple[object, ...]]:
    f = fulfillments.alias("f")
    siblings = fulfillments.alias("siblings")
    same_order = siblings.c.order_id == f.c.order_id
    position = (
        sa.select(sa.func.count())
        .where(same_order, siblings.c.id <= f.c.id)
        .scalar_subquery()
        .label("position")
    )
    count = sa.select(sa.func.count()).where(same_order).scalar_subquery().label("count")
    return (
        sa.select(
            f.c.id,
            f.c.status,
            position,
            count,
            orders.c.number,
            orders.c.created_at,
            orders.c.shipping_address,
            warehouses.c.code,
            warehouses.c.name.label("warehouse_name"),
            fulfillment_lines.c.id.label("line_id"),
            fulfillment_lines.c.sku,
            fulfillment_lines.c.quantity,
            fulfillment_lines.c.shipped_quantity,
            order_lines.c.name.label("line_name"),
        )
        .select_from(f)
        .join(orders, orders.c.id == f.c.order_id)
        .join(warehouses, warehouses.c.id == f.c.warehouse_id)
        .outerjoin(fulfillment_lines, fulfillment_lines.c.fulfillment_id == f.c.id)
        .outerjoin(order_lines, order_lines.c.id == fulfillment_lines.c.order_line_id)
        .where(f.c.id == fulfillment_id)
        .order_by(fulfillment_lines.c.id)
    )


async def packing_slip(engine: AsyncEngine, fulfillment_id: int) -> PackingSlip | None:
    """The slip of one fulfillment, or ``None`` if there is no such fulfillment."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_packing_slip_statement(fulfillment_id))).mappings().all()
    if not rows:
        return None
    first = rows[0]
    return PackingSlip(
        fulfillment_id=first["id"],
        status=FulfillmentStatus(first["status"]),
        position=first["position"],
        fulfillment_count=first["count"],
        order_number=first["number"],
        order_date=first["created_at"],
        ship_to=Address(**first["shipping_address"]),
        warehouse_code=first["code"],
        warehouse_name=first["warehouse_name"],
        lines=tuple(
            PackingSlipLine(
                sku=row["sku"],
                name=row["line_name"],
                quantity=row["quantity"],
                shipped_quantity=row["shipped_quantity"],
            )
            for row in rows
            if row["line_id"] is not None
        ),
    )
