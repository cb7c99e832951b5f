"""Payment transactions (one row per provider call) and provider webhook events seen."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import insert_ignoring_conflict
from ordergraph.db.repositories.shipments import _lacks
from ordergraph.db.tables import orders, payment_provider_events, payment_transactions
from ordergraph.domain.money import Money
from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus


def transaction_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> PaymentTransaction:
    m = row._mapping if isinstance(row, sa.Row) else row
    return PaymentTransaction(
        id=m["id"],
        order_id=m["order_id"],
        gateway=m["gateway"],
        kind=TransactionKind(m["kind"]),
        status=TransactionStatus(m["status"]),
        amount=Money(m["amount_minor"], m["currency"]),
        reference=m["reference"],
        error_code=m["error_code"],
        message=m["message"],
        created_at=m["created_at"],
        idempotency_key=m["idempotency_key"],
        target_reference=m["target_reference"],
        compensates_id=m["compensates_id"],
        client_secret=m["client_secret"],
        next_action=m["next_action"],
        settled_at=m["settled_at"],
    )


def _answer(transaction: PaymentTransaction) -> dict[str, Any]:
    return {
        "status": transaction.status.value,
        "reference": transaction.reference,
        "error_code": transaction.error_code,
        "message": (transaction.message or "")[:500] or None,
        "client_secret": transaction.client_secret,
        "next_action": transaction.next_action,
        "settled_at": transaction.settled_at,
    }


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, transaction: PaymentTransaction) -> PaymentTransaction:
        new_id = await self._conn.scalar(
            sa.insert(payment_transactions)
            .values(
                order_id=transaction.order_id,
                gateway=transaction.gateway,
                kind=transaction.kind.value,
                amount_minor=transaction.amount.minor_units,
                currency=transaction.amount.currency,
                created_at=transaction.created_at,
                idempotency_key=transaction.idempotency_key,
                target_reference=transaction.target_reference,
                compensates_id=transaction.compensates_id,
                **_answer(transaction),
            )
            .returning(payment_transactions.c.id)
        )
        return replace(transaction, id=new_id)

    async def save(self, transaction: PaymentTransaction) -> None:
        """Write back the provider's answer and the settlement time."""
        await self._conn.execute(
            sa.update(payment_transactions)
            .where(payment_transactions.c.id == transaction.id)
            .values(**_answer(transaction))
        )

    async def move_to_order(self, transaction_id: int, order_id: int) -> None:
        await self._conn.execute(
            sa.update(payment_transactions)
            .where(payment_transactions.c.id == transaction_id)
            .values(order_id=order_id)
        )

    async def get(self, transaction_id: int) -> PaymentTransaction | None:
        row = (
            await self._conn.execute(
                sa.select(payment_transactions).where(payment_transactions.c.id == transaction_id)
            )
        ).first()
        return transaction_from_row(row) if row is not None else None

    async def for_order(self, order_id: int) -> list[PaymentTransaction]:
        t = payment_transactions.c
        rows = await self._conn.execute(
            sa.select(payment_transactions).where(t.order_id == order_id).order_by(t.id)
        )
        return [transaction_from_row(r) for r in rows]

    async def by_reference(self, gateway: str, reference: str) -> list[PaymentTransaction]:
        t = payment_transactions.c
        rows = await self._conn.execute(
            sa.select(payment_transactions)
            .where(t.gateway == gateway, t.reference == reference)
            .order_by(t.id)
        )
        return [transaction_from_row(r) for r in rows]

    async def order_ids_with_payments(self, gateway: str, since: datetime, limit: int) -> list[int]:
        t = payment_transactions.c
        rows = await self._conn.scalars(
            sa.select(t.order_id)
            .where(t.gateway == gateway, t.created_at >= since)
            .group_by(t.order_id)
            .order_by(t.order_id)
            .limit(limit)
        )
        return list(rows)

    async def authorizations_expiring(self, before: datetime, limit: int) -> list[int]:
        o = orders.c
        rows = await self._conn.scalars(
            sa.select(o.id)
            .where(
                o.authorization_expires_at < before,
                o.payment_status.in_(["AUTHORIZED", "PARTIALLY_CAPTURED", "PARTIALLY_REFUNDED"]),
                o.status != "CANCELLED",
                _lacks(o.at_risk_reasons, "AUTHORIZATION_EXPIRING"),
            )
            .order_by(o.authorization_expires_at, o.id)
            .limit(limit)
        )
        return list(rows)

    async def unfinished_compensations(self, limit: int) -> list[int]:
        t = payment_transactions.c
        undo = payment_transactions.alias("undo")
        tried = sa.select(undo.c.id).where(undo.c.compensates_id == t.id)
        answered = tried.where(undo.c.status.in_(["SUCCESS", "DECLINED", "PENDING"]))
        rows = await self._conn.scalars(
            sa.select(t.id)
            .where(sa.exists(tried), ~sa.exists(answered))
            .order_by(t.id)
            .limit(limit)
        )
        return list(rows)

    async def event_seen(self, provider: str, event_id: str) -> bool:
        e = payment_provider_events.c
        found = await self._conn.scalar(
            sa.select(e.id).where(e.provider == provider, e.event_id == event_id)
        )
        return found is not None

    async def remember_event(
        self,
        provider: str,
        event_id: str,
        type_: str,
        reference: str | None,
        outcome: str,
        now: datetime,
    ) -> None:
        await insert_ignoring_conflict(
            self._conn,
            payment_provider_events,
            {
                "provider": provider,
                "event_id": event_id,
                "type": type_,
                "reference": reference,
                "outcome": outcome[:200],
                "received_at": now,
            },
            ["provider", "event_id"],
        )
