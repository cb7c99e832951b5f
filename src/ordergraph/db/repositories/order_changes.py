"""Writes of the change-set engine (services/change_sets.py): lines, allocations, pending
fulfillment lines and the numbered change records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import (
    fulfillment_lines,
    fulfillments,
    order_allocations,
    order_changes,
    order_discounts,
    order_lines,
    order_tax_lines,
    orders,
    refund_lines,
    return_lines,
    shipment_lines,
)
from ordergraph.domain.customers import Address
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import ChangeKind
from ordergraph.domain.orders import OrderLine
from ordergraph.domain.ports import OrderChangeRecord


def change_from_row(m: sa.RowMapping) -> OrderChangeRecord:
    return OrderChangeRecord(
        id=m["id"],
        order_id=m["order_id"],
        number=m["number"],
        kind=ChangeKind(m["kind"]),
        order_version=m["order_version"],
        diff=list(m["diff"]),
        summary=dict(m["summary"]),
        difference=Money(m["difference_minor"], m["currency"]),
        reason=m["reason"],
        actor=m["actor"],
        created_at=m["created_at"],
    )


async def load_changes(
    conn: AsyncConnection, order_ids: Sequence[int]
) -> dict[int, list[OrderChangeRecord]]:
    """Each order's change sets, oldest first: one query for any number of orders."""
    found: dict[int, list[OrderChangeRecord]] = {i: [] for i in order_ids}
    rows = await conn.execute(
        sa.select(order_changes)
        .where(order_changes.c.order_id.in_(list(order_ids)))
        .order_by(order_changes.c.order_id, order_changes.c.number)
    )
    for m in rows.mappings():
        found[m["order_id"]].append(change_from_row(m))
    return found


class SqlOrderChangeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: OrderChangeRecord) -> OrderChangeRecord:
        """Store the change set under the order's next number (the order row is locked)."""
        t = order_changes.c
        last = await self._conn.scalar(
            sa.select(sa.func.max(t.number)).where(t.order_id == record.order_id)
        )
        number = int(last or 0) + 1
        new_id = await self._conn.scalar(
            sa.insert(order_changes)
            .values(
                order_id=record.order_id,
                number=number,
                kind=record.kind.value,
                order_version=record.order_version,
                diff=record.diff,
                summary=record.summary,
                difference_minor=record.difference.minor_units,
                currency=record.difference.currency,
                reason=record.reason,
                actor=record.actor,
                created_at=record.created_at,
            )
            .returning(t.id)
        )
        return OrderChangeRecord(
            **{
                **asdict(record),
                "id": int(new_id or 0),
                "number": number,
                "kind": record.kind,
                "difference": record.difference,
            }
        )

    async def for_order(self, order_id: int) -> list[OrderChangeRecord]:
        return (await load_changes(self._conn, [order_id]))[order_id]

    async def add_line(self, order_id: int, line: OrderLine) -> int:
        new_id = await self._conn.scalar(
            sa.insert(order_lines)
            .values(
                order_id=order_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price_minor=line.unit_price.minor_units,
                total_minor=line.total.minor_units,
                discount_minor=line.discount,
                tax_minor=line.tax,
                tax_class=line.tax_class,
            )
            .returning(order_lines.c.id)
        )
        return int(new_id or 0)

    async def update_line(self, line: OrderLine) -> None:
        assert line.id is not None
        await self._conn.execute(
            sa.update(order_lines)
            .where(order_lines.c.id == line.id)
            .values(
                quantity=line.quantity,
                total_minor=line.total.minor_units,
                discount_minor=line.discount,
                tax_minor=line.tax,
                tax_class=line.tax_class,
            )
        )

    async def line_referenced(self, line_id: int) -> bool:
        """Whether a shipment, return or refund names the line (then it cannot go)."""
        for table in (shipment_lines, return_lines, refund_lines):
            found = await self._conn.scalar(
                sa.select(table.c.id).where(table.c.order_line_id == line_id).limit(1)
            )
            if found is not None:
                return True
        return False

    async def delete_line(self, line_id: int) -> None:
        """Remove a line nothing shipped, returned or refunded: its released allocations, its
        lines in cancelled or pending fulfillments and its price details go with it."""
        for table in (order_allocations, fulfillment_lines, order_tax_lines, order_discounts):
            await self._conn.execute(sa.delete(table).where(table.c.order_line_id == line_id))
        await self._conn.execute(sa.delete(order_lines).where(order_lines.c.id == line_id))

    async def clear_price_details(self, order_id: int) -> None:
        """Drop the tax lines and discount shares before the re-priced ones are stored."""
        for table in (order_tax_lines, order_discounts):
            await self._conn.execute(sa.delete(table).where(table.c.order_id == order_id))

    async def set_allocation(
        self,
        order_id: int,
        line_id: int,
        sku: str,
        warehouse_id: int,
        quantity: int,
        now: datetime,
    ) -> None:
        """The line now holds ``quantity`` units at the warehouse: the old rows are released
        and one row with the new quantity (if any) is added."""
        t = order_allocations.c
        await self._conn.execute(
            sa.update(order_allocations)
            .where(
                t.order_id == order_id,
                t.order_line_id == line_id,
                t.warehouse_id == warehouse_id,
                t.released_at.is_(None),
            )
            .values(released_at=now)
        )
        if quantity > 0:
            await self._conn.execute(
                sa.insert(order_allocations).values(
                    order_id=order_id,
                    order_line_id=line_id,
                    sku=sku,
                    warehouse_id=warehouse_id,
                    quantity=quantity,
                )
            )

    async def set_pending_line(
        self,
        order_id: int,
        warehouse_id: int,
        line_id: int,
        sku: str,
        quantity: int,
        now: datetime,
    ) -> int | None:
        """The line's units in the order's PENDING fulfillment at the warehouse become
        ``quantity``: the line is updated, added or dropped, an emptied fulfillment cancelled,
        and one created when there is none. Returns the id of a fulfillment it created."""
        f, fl = fulfillments.c, fulfillment_lines.c
        pending = await self._conn.scalar(
            sa.select(f.id)
            .where(f.order_id == order_id, f.warehouse_id == warehouse_id, f.status == "PENDING")
            .order_by(f.id)
            .limit(1)
        )
        created: int | None = None
        if pending is None:
            if quantity == 0:
                return None
            pending = await self._conn.scalar(
                sa.insert(fulfillments)
                .values(
                    order_id=order_id,
                    warehouse_id=warehouse_id,
                    status="PENDING",
                    created_at=now,
                    updated_at=now,
                )
                .returning(f.id)
            )
            created = int(pending or 0)
        existing = await self._conn.scalar(
            sa.select(fl.id).where(fl.fulfillment_id == pending, fl.order_line_id == line_id)
        )
        if existing is not None and quantity > 0:
            await self._conn.execute(
                sa.update(fulfillment_lines).where(fl.id == existing).values(quantity=quantity)
            )
        elif existing is not None:
            await self._conn.execute(sa.delete(fulfillment_lines).where(fl.id == existing))
        elif quantity > 0:
            await self._conn.execute(
                sa.insert(fulfillment_lines).values(
                    fulfillment_id=pending, order_line_id=line_id, sku=sku, quantity=quantity
                )
            )
        left = await self._conn.scalar(
            sa.select(sa.func.count())
            .select_from(fulfillment_lines)
            .where(fl.fulfillment_id == pending)
        )
        values: dict[str, object] = {"updated_at": now}
        if not left:
            values["status"] = "CANCELLED"
        await self._conn.execute(sa.update(fulfillments).where(f.id == pending).values(**values))
        return created

    async def set_address(self, order_id: int, address: Address) -> None:
        await self._conn.execute(
            sa.update(orders)
            .where(orders.c.id == order_id)
            .values(
                shipping_address=asdict(address),
                shipping_region=address.region,
                shipping_country=address.country_code,
            )
        )

    async def set_routing(self, order_id: int, routing: dict[str, object]) -> None:
        await self._conn.execute(
            sa.update(orders).where(orders.c.id == order_id).values(routing=routing)
        )
