from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import refund_lines, refunds, return_lines, returns
from ordergraph.domain.money import Money
from ordergraph.domain.refunds import Refund, RefundBreakdown, RefundLine, RefundStatus
from ordergraph.domain.returns import Return, ReturnLabel, ReturnLine, ReturnReason, ReturnStatus


async def load_returns(
    conn: AsyncConnection, condition: sa.ColumnElement[bool], *, for_update: bool = False
) -> list[Return]:
    stmt = sa.select(returns).where(condition).order_by(returns.c.id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = list((await conn.execute(stmt)).mappings())
    if not rows:
        return []
    lines: dict[int, list[ReturnLine]] = defaultdict(list)
    t = return_lines.c
    for m in (
        await conn.execute(
            sa.select(return_lines).where(t.return_id.in_([r["id"] for r in rows])).order_by(t.id)
        )
    ).mappings():
        lines[m["return_id"]].append(
            ReturnLine(
                id=m["id"],
                order_line_id=m["order_line_id"],
                sku=m["sku"],
                quantity=m["quantity"],
                reason=ReturnReason(m["reason"]),
                note=m["note"],
                received_quantity=m["received_quantity"],
                restocked_quantity=m["restocked_quantity"],
                discarded_quantity=m["discarded_quantity"],
            )
        )
    return [
        Return(
            id=r["id"],
            order_id=r["order_id"],
            number=r["number"],
            status=ReturnStatus(r["status"]),
            lines=lines[r["id"]],
            note=r["note"],
            requested_by=r["requested_by"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            label=ReturnLabel(
                r["label_carrier"], r["label_tracking_number"], r["label_url"], r["instructions"]
            ),
            decided_at=r["decided_at"],
            received_at=r["received_at"],
            refunded_at=r["refunded_at"],
            rejection_reason=r["rejection_reason"],
        )
        for r in rows
    ]


def _return_values(rma: Return) -> dict[str, object]:
    return {
        "status": rma.status.value,
        "label_carrier": rma.label.carrier,
        "label_tracking_number": rma.label.tracking_number,
        "label_url": rma.label.url,
        "instructions": rma.label.instructions,
        "rejection_reason": rma.rejection_reason,
        "updated_at": rma.updated_at,
        "decided_at": rma.decided_at,
        "received_at": rma.received_at,
        "refunded_at": rma.refunded_at,
    }


class SqlReturnRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, rma: Return) -> Return:
        rma.id = await self._conn.scalar(
            sa.insert(returns)
            .values(
                order_id=rma.order_id,
                number=rma.number,
                note=rma.note,
                requested_by=rma.requested_by,
                created_at=rma.created_at,
                **_return_values(rma),
            )
            .returning(returns.c.id)
        )
        for line in rma.lines:
            line.id = await self._conn.scalar(
                sa.insert(return_lines)
                .values(
                    return_id=rma.id,
                    order_line_id=line.order_line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    reason=line.reason.value,
                    note=line.note,
                )
                .returning(return_lines.c.id)
            )
        return rma

    async def get(self, return_id: int, *, for_update: bool = False) -> Return | None:
        found = await load_returns(self._conn, returns.c.id == return_id, for_update=for_update)
        return found[0] if found else None

    async def for_order(self, order_id: int) -> list[Return]:
        return await load_returns(self._conn, returns.c.order_id == order_id)

    async def save(self, rma: Return) -> None:
        await self._conn.execute(
            sa.update(returns).where(returns.c.id == rma.id).values(**_return_values(rma))
        )
        for line in rma.lines:
            await self._conn.execute(
                sa.update(return_lines)
                .where(return_lines.c.id == line.id)
                .values(
                    received_quantity=line.received_quantity,
                    restocked_quantity=line.restocked_quantity,
                    discarded_quantity=line.discarded_quantity,
                )
            )


async def load_refunds(conn: AsyncConnection, condition: sa.ColumnElement[bool]) -> list[Refund]:
    rows = list(
        (await conn.execute(sa.select(refunds).where(condition).order_by(refunds.c.id))).mappings()
    )
    if not rows:
        return []
    currency = {r["id"]: r["currency"] for r in rows}
    lines: dict[int, list[RefundLine]] = defaultdict(list)
    t = refund_lines.c
    for m in (
        await conn.execute(
            sa.select(refund_lines).where(t.refund_id.in_(list(currency))).order_by(t.id)
        )
    ).mappings():
        lines[m["refund_id"]].append(
            RefundLine(
                m["order_line_id"],
                m["quantity"],
                Money(m["amount_minor"], currency[m["refund_id"]]),
            )
        )

    def money(minor: int, c: str) -> Money:
        return Money(minor, c)

    return [
        Refund(
            id=r["id"],
            order_id=r["order_id"],
            return_id=r["return_id"],
            status=RefundStatus(r["status"]),
            reason=r["reason"],
            breakdown=RefundBreakdown(
                lines=tuple(lines[r["id"]]),
                shipping=money(r["shipping_minor"], r["currency"]),
                appeasement=money(r["appeasement_minor"], r["currency"]),
                adjustment=money(r["adjustment_minor"], r["currency"]),
                total=money(r["total_minor"], r["currency"]),
                refundable_before=money(r["refundable_before_minor"], r["currency"]),
            ),
            created_at=r["created_at"],
            created_by=r["created_by"],
            gateway_reference=r["gateway_reference"],
            error=r["error"],
            completed_at=r["completed_at"],
        )
        for r in rows
    ]


class SqlRefundRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, refund: Refund) -> Refund:
        b = refund.breakdown
        refund.id = await self._conn.scalar(
            sa.insert(refunds)
            .values(
                order_id=refund.order_id,
                return_id=refund.return_id,
                status=refund.status.value,
                reason=refund.reason,
                currency=b.total.currency,
                shipping_minor=b.shipping.minor_units,
                appeasement_minor=b.appeasement.minor_units,
                adjustment_minor=b.adjustment.minor_units,
                total_minor=b.total.minor_units,
                refundable_before_minor=b.refundable_before.minor_units,
                created_by=refund.created_by,
                created_at=refund.created_at,
            )
            .returning(refunds.c.id)
        )
        if b.lines:
            await self._conn.execute(
                sa.insert(refund_lines),
                [
                    {
                        "refund_id": refund.id,
                        "order_line_id": line.order_line_id,
                        "quantity": line.quantity,
                        "amount_minor": line.amount.minor_units,
                    }
                    for line in b.lines
                ],
            )
        return refund

    async def for_order(self, order_id: int) -> list[Refund]:
        return await load_refunds(self._conn, refunds.c.order_id == order_id)

    async def save(self, refund: Refund) -> None:
        await self._conn.execute(
            sa.update(refunds)
            .where(refunds.c.id == refund.id)
            .values(
                status=refund.status.value,
                gateway_reference=refund.gateway_reference,
                error=refund.error,
                completed_at=refund.completed_at,
            )
        )
