from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import payment_transactions
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
    )


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
                status=transaction.status.value,
                amount_minor=transaction.amount.minor_units,
                currency=transaction.amount.currency,
                reference=transaction.reference,
                error_code=transaction.error_code,
                message=transaction.message,
                created_at=transaction.created_at,
            )
            .returning(payment_transactions.c.id)
        )
        return replace(transaction, id=new_id)

    async def for_order(self, order_id: int) -> list[PaymentTransaction]:
        t = payment_transactions.c
        rows = await self._conn.execute(
            sa.select(payment_transactions).where(t.order_id == order_id).order_by(t.id)
        )
        return [transaction_from_row(r) for r in rows]
