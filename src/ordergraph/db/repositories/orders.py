from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import insert_ignoring_conflict
from ordergraph.db.tables import (
    counters,
    fulfillment_lines,
    fulfillments,
    order_allocations,
    order_discounts,
    order_holds,
    order_lines,
    order_tax_lines,
    orders,
)
from ordergraph.domain.customers import Address
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.money import Money
from ordergraph.domain.order_pricing import OrderDiscountLine, OrderTaxLine, PriceDetails
from ordergraph.domain.orders import (
    Channel,
    Hold,
    HoldType,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)
from ordergraph.domain.ports import StoredAllocation
from ordergraph.domain.routing import Allocation

NUMBER_PREFIX = "OG-"
FIRST_NUMBER = 100001


def line_from_row(m: sa.RowMapping, currency: str, tax_included: bool = False) -> OrderLine:
    return OrderLine(
        id=m["id"],
        sku=m["sku"],
        name=m["name"],
        quantity=m["quantity"],
        unit_price=Money(m["unit_price_minor"], currency),
        discount=m["discount_minor"],
        tax=m["tax_minor"],
        tax_included=tax_included,
        tax_class=m["tax_class"],
    )


async def load_price_details(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, PriceDetails]:
    """Tax lines and discount shares of the orders ``ids``: two statements for any number."""
    taxes: dict[int, list[OrderTaxLine]] = {i: [] for i in ids}
    discounts: dict[int, list[OrderDiscountLine]] = {i: [] for i in ids}
    if ids:
        t, d = order_tax_lines.c, order_discounts.c
        for m in (
            await conn.execute(sa.select(order_tax_lines).where(t.order_id.in_(ids)).order_by(t.id))
        ).mappings():
            taxes[m["order_id"]].append(
                OrderTaxLine(
                    m["order_line_id"],
                    m["name"],
                    Decimal(m["rate"]),
                    m["taxable_minor"],
                    m["amount_minor"],
                )
            )
        for m in (
            await conn.execute(sa.select(order_discounts).where(d.order_id.in_(ids)).order_by(d.id))
        ).mappings():
            discounts[m["order_id"]].append(
                OrderDiscountLine(
                    m["order_line_id"], m["discount_id"], m["code"], m["name"], m["amount_minor"]
                )
            )
    return {i: PriceDetails(tuple(taxes[i]), tuple(discounts[i])) for i in ids}


def hold_from_row(m: sa.RowMapping) -> Hold:
    return Hold(
        id=m["id"],
        type=HoldType(m["type"]),
        reason=m["reason"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        released_at=m["released_at"],
        released_by=m["released_by"],
    )


def order_from_row(m: sa.RowMapping, lines: Sequence[OrderLine], holds: Sequence[Hold]) -> Order:
    return Order(
        id=m["id"],
        number=m["number"],
        status=OrderStatus(m["status"]),
        payment_status=PaymentStatus(m["payment_status"]),
        channel=Channel(m["channel"]),
        customer_id=m["customer_id"],
        email=m["email"],
        locale=m["locale"],
        timezone=m["timezone"],
        contact_name=m["contact_name"],
        phone=m["phone"],
        currency=m["currency"],
        lines=list(lines),
        shipping_total=Money(m["shipping_minor"], m["currency"]),
        shipping_address=Address(**m["shipping_address"]),
        placed_by=m["placed_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        expires_at=m["expires_at"],
        promised_delivery_at=m["promised_delivery_at"],
        confirmed_at=m["confirmed_at"],
        cancelled_at=m["cancelled_at"],
        cancel_reason=m["cancel_reason"],
        routing=m["routing"],
        placed_by_token_id=m["placed_by_token_id"],
        ship_by_at=m["ship_by_at"],
        delivered_at=m["delivered_at"],
        at_risk_reasons=list(m["at_risk_reasons"] or []),
        authorization_expires_at=m["authorization_expires_at"],
        holds=list(holds),
        version=m["version"],
        sales_rep=m["sales_rep"],
        source=m["source"],
        external_id=m["external_id"],
        import_fingerprint=m["import_fingerprint"],
        tags=list(m["tags"] or []),
        metadata=dict(m.get("metadata") or {}),
        private_metadata=dict(m.get("private_metadata") or {}),
        shipping_discount=m["shipping_discount_minor"],
        shipping_tax=m["shipping_tax_minor"],
        prices_include_tax=m["prices_include_tax"],
        tax_policy=m["tax_policy"],
        market_id=m["market_id"],
    )


def _order_values(order: Order) -> dict[str, Any]:
    return {
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "subtotal_minor": order.subtotal.minor_units,
        "shipping_minor": order.shipping_total.minor_units,
        "total_minor": order.total.minor_units,
        "discount_minor": order.discount_total.minor_units,
        "tax_minor": order.tax_total.minor_units,
        "shipping_discount_minor": order.shipping_discount,
        "shipping_tax_minor": order.shipping_tax,
        "expires_at": order.expires_at,
        "tags": list(order.tags),
        "metadata": dict(order.metadata) or None,
        "private_metadata": dict(order.private_metadata) or None,
        "promised_delivery_at": order.promised_delivery_at,
        "confirmed_at": order.confirmed_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
        "updated_at": order.updated_at,
        "version": order.version,
        "active_holds": len(order.active_holds),
        "ship_by_at": order.ship_by_at,
        "delivered_at": order.delivered_at,
        "at_risk": order.at_risk,
        "at_risk_reasons": order.at_risk_reasons or None,
        "authorization_expires_at": order.authorization_expires_at,
    }


class SqlOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_number(self) -> str:
        if self._conn.dialect.name == "postgresql":
            value = await self._conn.scalar(sa.text("SELECT nextval('order_number_seq')"))
        else:
            await insert_ignoring_conflict(
                self._conn, counters, {"name": "order_number", "value": FIRST_NUMBER - 1}, ["name"]
            )
            value = await self._conn.scalar(
                sa.update(counters)
                .where(counters.c.name == "order_number")
                .values(value=counters.c.value + 1)
                .returning(counters.c.value)
            )
        return f"{NUMBER_PREFIX}{value}"

    async def add(self, order: Order) -> Order:
        if order.external_id is not None:
            # a concurrent import of the same order won the race: the caller reads that one
            try:
                return await self._insert(order)
            except IntegrityError as exc:
                raise Duplicate(
                    f"an order from {order.source} with id {order.external_id} exists",
                    field=["externalId"],
                ) from exc
        return await self._insert(order)

    async def get_by_external(self, source: str, external_id: str) -> Order | None:
        found = await self._conn.scalar(
            sa.select(orders.c.id).where(
                orders.c.source == source, orders.c.external_id == external_id
            )
        )
        return await self.get(int(found)) if found is not None else None

    async def _insert(self, order: Order) -> Order:
        address = order.shipping_address
        order.id = await self._conn.scalar(
            sa.insert(orders)
            .values(
                number=order.number,
                channel=order.channel.value,
                customer_id=order.customer_id,
                email=order.email,
                locale=order.locale,
                timezone=order.timezone,
                contact_name=order.contact_name,
                phone=order.phone,
                currency=order.currency,
                shipping_address=asdict(address),
                shipping_region=address.region,
                shipping_country=address.country_code,
                placed_by=order.placed_by,
                placed_by_token_id=order.placed_by_token_id,
                created_at=order.created_at,
                routing=order.routing,
                sales_rep=order.sales_rep,
                source=order.source,
                external_id=order.external_id,
                import_fingerprint=order.import_fingerprint,
                prices_include_tax=order.prices_include_tax,
                tax_policy=order.tax_policy,
                market_id=order.market_id,
                **_order_values(order),
            )
            .returning(orders.c.id)
        )
        for line in order.lines:
            line.id = await self._conn.scalar(
                sa.insert(order_lines)
                .values(
                    order_id=order.id,
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
        return order

    async def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        stmt = sa.select(orders).where(orders.c.id == order_id)
        if for_update and self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).mappings().first()
        if row is None:
            return None
        lines = await self._conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.id)
        )
        holds = await self._conn.execute(
            sa.select(order_holds)
            .where(order_holds.c.order_id == order_id)
            .order_by(order_holds.c.id)
        )
        return order_from_row(
            row,
            [
                line_from_row(m, row["currency"], row["prices_include_tax"])
                for m in lines.mappings()
            ],
            [hold_from_row(m) for m in holds.mappings()],
        )

    async def save(self, order: Order) -> None:
        assert order.id is not None
        await self._conn.execute(
            sa.update(orders).where(orders.c.id == order.id).values(**_order_values(order))
        )
        for hold in order.holds:
            if hold.id is None:
                hold.id = await self._conn.scalar(
                    sa.insert(order_holds)
                    .values(
                        order_id=order.id,
                        type=hold.type.value,
                        reason=hold.reason,
                        created_at=hold.created_at,
                        created_by=hold.created_by,
                    )
                    .returning(order_holds.c.id)
                )
            elif hold.released_at is not None:
                await self._conn.execute(
                    sa.update(order_holds)
                    .where(order_holds.c.id == hold.id, order_holds.c.released_at.is_(None))
                    .values(released_at=hold.released_at, released_by=hold.released_by)
                )

    async def add_price_details(self, order_id: int, details: PriceDetails) -> None:
        if details.taxes:
            await self._conn.execute(
                sa.insert(order_tax_lines),
                [
                    {
                        "order_id": order_id,
                        "order_line_id": t.order_line_id,
                        "name": t.name,
                        "rate": str(t.rate),
                        "taxable_minor": t.taxable,
                        "amount_minor": t.amount,
                    }
                    for t in details.taxes
                ],
            )
        if details.discounts:
            await self._conn.execute(
                sa.insert(order_discounts),
                [
                    {
                        "order_id": order_id,
                        "order_line_id": d.order_line_id,
                        "discount_id": d.discount_id,
                        "code": d.code,
                        "name": d.name,
                        "amount_minor": d.amount,
                    }
                    for d in details.discounts
                ],
            )

    async def price_details(self, order_id: int) -> PriceDetails:
        return (await load_price_details(self._conn, [order_id])).get(
            order_id, PriceDetails((), ())
        )

    async def add_allocations(self, order_id: int, allocations: list[StoredAllocation]) -> None:
        if allocations:
            await self._conn.execute(
                sa.insert(order_allocations),
                [
                    {
                        "order_id": order_id,
                        "order_line_id": a.order_line_id,
                        "sku": a.allocation.sku,
                        "warehouse_id": a.allocation.warehouse_id,
                        "quantity": a.allocation.quantity,
                    }
                    for a in allocations
                ],
            )

    async def active_allocations(self, order_id: int) -> list[StoredAllocation]:
        t = order_allocations.c
        rows = await self._conn.execute(
            sa.select(order_allocations)
            .where(t.order_id == order_id, t.released_at.is_(None))
            .order_by(t.sku, t.warehouse_id, t.id)
        )
        return [
            StoredAllocation(r.order_line_id, Allocation(r.sku, r.warehouse_id, r.quantity))
            for r in rows
        ]

    async def release_allocations(self, order_id: int, now: datetime) -> None:
        t = order_allocations.c
        await self._conn.execute(
            sa.update(order_allocations)
            .where(t.order_id == order_id, t.released_at.is_(None))
            .values(released_at=now)
        )

    async def add_fulfillment(
        self, order_id: int, warehouse_id: int, lines: list[StoredAllocation], now: datetime
    ) -> int:
        fulfillment_id = await self._conn.scalar(
            sa.insert(fulfillments)
            .values(
                order_id=order_id,
                warehouse_id=warehouse_id,
                status="PENDING",
                created_at=now,
                updated_at=now,
            )
            .returning(fulfillments.c.id)
        )
        assert fulfillment_id is not None
        await self._conn.execute(
            sa.insert(fulfillment_lines),
            [
                {
                    "fulfillment_id": fulfillment_id,
                    "order_line_id": a.order_line_id,
                    "sku": a.allocation.sku,
                    "quantity": a.allocation.quantity,
                }
                for a in lines
            ],
        )
        return int(fulfillment_id)

    async def cancel_open_fulfillments(self, order_id: int, now: datetime) -> int:
        t = fulfillments.c
        result = await self._conn.execute(
            sa.update(fulfillments)
            .where(t.order_id == order_id, t.status.in_(["PENDING", "PICKING", "PACKED"]))
            .values(status="CANCELLED", updated_at=now)
            .returning(t.id)
        )
        return len(result.all())

    async def expired_unpaid(self, now: datetime, limit: int) -> list[int]:
        stmt = (
            sa.select(orders.c.id)
            .where(orders.c.status == OrderStatus.PLACED.value, orders.c.expires_at <= now)
            .order_by(orders.c.expires_at)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [int(i) for i in (await self._conn.scalars(stmt))]
