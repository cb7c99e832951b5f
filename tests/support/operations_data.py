"""A small hand-built history for the operations figures, written straight into the tables.

Seven orders (all but one created on 2026-03-02 08:00 UTC, ``T0``); hours after T0:

| order | status    | confirmed | packed | shipped | delivered | carrier | warehouse | region |
|-------|-----------|-----------|--------|---------|-----------|---------|-----------|--------|
| O1    | DELIVERED | 1         | 3      | 5       | 29        | DHL     | AMS       | NL-NH  |
| O2    | DELIVERED | 3         | 7      | 10      | 70 (late) | DHL     | AMS       | NL-NH  |
| O3    | SHIPPED   | 2         | 4      | 8       | -         | UPS     | LON       | GB     |
| O4    | DELIVERED | 5         | 6      | 9       | 33        | UPS     | AMS       | BE     |
| O5    | CONFIRMED | 1         | -      | -       | -         |         |           |        |
| O6    | CANCELLED |           |        |         |           |         |           |        |
| O7    | PROCESSING, created 2026-02-10 (outside every March window)                   |

Parcel promises: S1 T0+48h, S2 T0+48h, S4 none (order promise T0+40h). O3 promised T0+24h and
open: late. At risk: O3, O5 (and O6, O7, which do not count: cancelled / outside).
Units: O1 Ax4; O2 Ax2 + Bx1; O3 Bx3; O4 Ax1 (USD); O6 Ax5; O7 Ax9.
Returns: O1 Ax2 DAMAGED; O2 Ax1 WRONG_ITEM + Bx1 DAMAGED; O4 Ax1 REJECTED.
Refunds (line amounts): O1 A 20.00 EUR and O2 A 10.00 + B 15.00 EUR, with their returns;
O2 9.99 EUR FAILED; O4 A 12.00 USD without a return.
Feedback: O1 5 stars (Mar 5), O2 2 stars (Mar 6), O4 4 stars (Apr 2).
Stock: A@AMS 20 on hand, 6 reserved, threshold 10; B@LON 5/3, threshold 4; A@LON 8/0.
Allocations: O1 A4@AMS, O2 A2@AMS + B1@LON, O3 B3@LON, O4 A1@AMS, O6 A5@AMS, O7 A9@AMS
(O5 has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.tables import (
    fulfillment_lines,
    fulfillments,
    inventory_levels,
    order_allocations,
    order_feedback,
    order_lines,
    orders,
    outbox,
    products,
    refund_lines,
    refunds,
    return_lines,
    returns,
    shipment_lines,
    shipments,
    warehouses,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass(frozen=True, slots=True)
class OperationsData:
    sku_a: str
    sku_b: str
    ams: str
    lon: str
    dhl: str
    ups: str


async def _insert(conn: AsyncConnection, table: sa.Table, **values: Any) -> int:
    return int(await conn.scalar(sa.insert(table).values(**values).returning(table.c.id)) or 0)


class _Builder:
    def __init__(self, conn: AsyncConnection, tag: str) -> None:
        self.conn, self.tag, self.sequence = conn, tag, 0

    async def order(self, n: int, status: str, created: datetime, **extra: Any) -> int:
        values: dict[str, Any] = {
            "number": f"OPS-{self.tag}-{n}",
            "status": status,
            "payment_status": "PAID",
            "channel": "WEB",
            "currency": "EUR",
            "subtotal_minor": 0,
            "shipping_minor": 0,
            "total_minor": 0,
            "shipping_address": {"name": "X", "line1": "1 Road", "city": "C"},
            "placed_by": "test",
            "created_at": created,
            "updated_at": created,
        }
        return await _insert(self.conn, orders, **(values | extra))

    async def line(self, order_id: int, sku: str, quantity: int) -> int:
        return await _insert(
            self.conn,
            order_lines,
            order_id=order_id,
            sku=sku,
            name=sku,
            quantity=quantity,
            unit_price_minor=1000,
            total_minor=1000 * quantity,
        )

    async def parcel(
        self,
        order_id: int,
        warehouse_id: int,
        carrier: str,
        lines: list[tuple[int, str, int]],
        *,
        packed: float,
        shipped: float,
        delivered: float | None,
        promised: float | None,
    ) -> None:
        fulfillment_id = await _insert(
            self.conn,
            fulfillments,
            order_id=order_id,
            warehouse_id=warehouse_id,
            status="SHIPPED",
            created_at=T0,
            updated_at=T0,
        )
        self.sequence += 1
        for event in ("fulfillment.picking", "fulfillment.packed"):
            self.sequence += 1
            await _insert(
                self.conn,
                outbox,
                order_id=order_id,
                sequence=self.sequence,
                aggregate_type="order",
                aggregate_id=order_id,
                type=event,
                payload={"fulfillmentId": fulfillment_id},
                actor="test",
                # picking starts an hour before packing ends; only packing counts as picked
                occurred_at=at(packed - (1 if event == "fulfillment.picking" else 0)),
            )
        shipment_id = await _insert(
            self.conn,
            shipments,
            order_id=order_id,
            fulfillment_id=fulfillment_id,
            warehouse_id=warehouse_id,
            carrier=carrier,
            carrier_name=carrier,
            tracking_number=f"TR{fulfillment_id}",
            code=f"S{self.tag}{fulfillment_id}",
            status="DELIVERED" if delivered is not None else "IN_TRANSIT",
            shipped_at=at(shipped),
            delivered_at=at(delivered) if delivered is not None else None,
            promised_delivery_at=at(promised) if promised is not None else None,
        )
        for line_id, sku, quantity in lines:
            fulfillment_line_id = await _insert(
                self.conn,
                fulfillment_lines,
                fulfillment_id=fulfillment_id,
                order_line_id=line_id,
                sku=sku,
                quantity=quantity,
                shipped_quantity=quantity,
            )
            await _insert(
                self.conn,
                shipment_lines,
                shipment_id=shipment_id,
                fulfillment_line_id=fulfillment_line_id,
                order_line_id=line_id,
                sku=sku,
                quantity=quantity,
            )

    async def return_(
        self, order_id: int, status: str, lines: list[tuple[int, str, int, str]]
    ) -> int:
        self.sequence += 1
        return_id = await _insert(
            self.conn,
            returns,
            order_id=order_id,
            number=f"R-{self.tag}-{self.sequence}",
            status=status,
            requested_by="test",
            created_at=at(100),
            updated_at=at(100),
        )
        for line_id, sku, quantity, reason in lines:
            await _insert(
                self.conn,
                return_lines,
                return_id=return_id,
                order_line_id=line_id,
                sku=sku,
                quantity=quantity,
                reason=reason,
            )
        return return_id

    async def refund(
        self,
        order_id: int,
        return_id: int | None,
        status: str,
        currency: str,
        lines: list[tuple[int, int]],
    ) -> None:
        total = sum(amount for _, amount in lines)
        refund_id = await _insert(
            self.conn,
            refunds,
            order_id=order_id,
            return_id=return_id,
            status=status,
            currency=currency,
            shipping_minor=500,  # shipping refunds belong to no SKU or reason
            appeasement_minor=0,
            adjustment_minor=0,
            total_minor=total + 500,
            refundable_before_minor=100_000,
            created_by="test",
            created_at=at(120),
        )
        for line_id, amount in lines:
            await _insert(
                self.conn,
                refund_lines,
                refund_id=refund_id,
                order_line_id=line_id,
                quantity=1,
                amount_minor=amount,
            )


async def build_operations_data(engine: AsyncEngine, tag: str) -> OperationsData:
    data = OperationsData(
        sku_a=f"A-{tag}", sku_b=f"B-{tag}", ams=f"AMS{tag}", lon=f"LON{tag}", dhl="DHL", ups="UPS"
    )
    async with engine.begin() as conn:
        b = _Builder(conn, tag)
        for sku in (data.sku_a, data.sku_b):
            await conn.execute(
                sa.insert(products).values(
                    sku=sku, name=sku, price_minor=1000, currency="EUR", created_at=T0
                )
            )
        ams, lon = [
            await _insert(
                conn,
                warehouses,
                code=code,
                name=code,
                region="EU",
                country_code="NL",
                priority=n,
                created_at=T0,
            )
            for n, code in enumerate((data.ams, data.lon))
        ]
        a, bb = data.sku_a, data.sku_b
        nl = {"shipping_region": "NL-NH", "shipping_country": "NL"}

        o1 = await b.order(1, "DELIVERED", T0, confirmed_at=at(1), **nl)
        o1a = await b.line(o1, a, 4)
        await b.parcel(
            o1, ams, "DHL", [(o1a, a, 4)], packed=3, shipped=5, delivered=29, promised=48
        )

        o2 = await b.order(2, "DELIVERED", T0, confirmed_at=at(3), **nl)
        o2a, o2b = await b.line(o2, a, 2), await b.line(o2, bb, 1)
        await b.parcel(
            o2,
            ams,
            "DHL",
            [(o2a, a, 2), (o2b, bb, 1)],
            packed=7,
            shipped=10,
            delivered=70,
            promised=48,
        )

        o3 = await b.order(
            3,
            "SHIPPED",
            T0,
            confirmed_at=at(2),
            shipping_country="GB",
            promised_delivery_at=at(24),
            at_risk=True,
        )
        o3b = await b.line(o3, bb, 3)
        await b.parcel(
            o3, lon, "UPS", [(o3b, bb, 3)], packed=4, shipped=8, delivered=None, promised=None
        )

        o4 = await b.order(
            4,
            "DELIVERED",
            T0,
            confirmed_at=at(5),
            currency="USD",
            shipping_country="BE",
            promised_delivery_at=at(40),
        )
        o4a = await b.line(o4, a, 1)
        await b.parcel(
            o4, ams, "UPS", [(o4a, a, 1)], packed=6, shipped=9, delivered=33, promised=None
        )

        o5 = await b.order(5, "CONFIRMED", T0, confirmed_at=at(1), at_risk=True)
        await b.line(o5, a, 1)
        o6 = await b.order(6, "CANCELLED", T0, promised_delivery_at=at(24), at_risk=True)
        o6a = await b.line(o6, a, 5)
        o7 = await b.order(
            7,
            "PROCESSING",
            datetime(2026, 2, 10, tzinfo=UTC),
            confirmed_at=at(-400),
            promised_delivery_at=at(-300),
            at_risk=True,
        )
        o7a = await b.line(o7, a, 9)

        r1 = await b.return_(o1, "RECEIVED", [(o1a, a, 2, "DAMAGED")])
        r2 = await b.return_(o2, "REFUNDED", [(o2a, a, 1, "WRONG_ITEM"), (o2b, bb, 1, "DAMAGED")])
        await b.return_(o4, "REJECTED", [(o4a, a, 1, "SIZE_FIT")])
        await b.refund(o1, r1, "SUCCEEDED", "EUR", [(o1a, 2000)])
        await b.refund(o2, r2, "SUCCEEDED", "EUR", [(o2a, 1000), (o2b, 1500)])
        await b.refund(o2, None, "FAILED", "EUR", [(o2a, 999)])
        await b.refund(o4, None, "SUCCEEDED", "USD", [(o4a, 1200)])

        for order_id, rating, day in ((o1, 5, (3, 5)), (o2, 2, (3, 6)), (o4, 4, (4, 2))):
            moment = datetime(2026, *day, 12, tzinfo=UTC)
            await _insert(
                conn,
                order_feedback,
                order_id=order_id,
                rating=rating,
                submitted_at=moment,
                created_at=moment,
            )

        for sku, warehouse_id, on_hand, reserved, threshold in (
            (a, ams, 20, 6, 10),
            (bb, lon, 5, 3, 4),
            (a, lon, 8, 0, None),
        ):
            await conn.execute(
                sa.insert(inventory_levels).values(
                    sku=sku,
                    warehouse_id=warehouse_id,
                    on_hand=on_hand,
                    reserved=reserved,
                    low_stock_threshold=threshold,
                    updated_at=T0,
                )
            )
        for order_id, line_id, sku, warehouse_id, quantity in (
            (o1, o1a, a, ams, 4),
            (o2, o2a, a, ams, 2),
            (o2, o2b, bb, lon, 1),
            (o3, o3b, bb, lon, 3),
            (o4, o4a, a, ams, 1),
            (o6, o6a, a, ams, 5),
            (o7, o7a, a, ams, 9),
        ):
            await _insert(
                conn,
                order_allocations,
                order_id=order_id,
                order_line_id=line_id,
                sku=sku,
                warehouse_id=warehouse_id,
                quantity=quantity,
            )
    return data


async def add_split_order(engine: AsyncEngine, tag: str, data: OperationsData) -> None:
    """O8 (delivered, T0): A x2 and B x2 from AMS in two parcels, A x2 + B x1, then B x1."""
    async with engine.begin() as conn:
        b = _Builder(conn, tag)
        b.sequence = 100
        ams = int(
            await conn.scalar(sa.select(warehouses.c.id).where(warehouses.c.code == data.ams)) or 0
        )
        o8 = await b.order(8, "DELIVERED", T0, confirmed_at=at(1))
        a, bb = await b.line(o8, data.sku_a, 2), await b.line(o8, data.sku_b, 2)
        await b.parcel(
            o8,
            ams,
            "DHL",
            [(a, data.sku_a, 2), (bb, data.sku_b, 1)],
            packed=2,
            shipped=30,
            delivered=50,
            promised=None,
        )
        # the second parcel leaves first by id but later by time: "first" is by shipped_at
        await b.parcel(
            o8,
            ams,
            "DHL",
            [(bb, data.sku_b, 1)],
            packed=2,
            shipped=3,
            delivered=20,
            promised=None,
        )
