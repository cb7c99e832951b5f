"""Delivery feedback rows (``order_feedback``): one per order."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import order_feedback
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.feedback import OrderFeedback


def feedback_from_row(row: sa.RowMapping) -> OrderFeedback:
    return OrderFeedback(
        order_id=row["order_id"],
        rating=row["rating"],
        comment=row["comment"],
        submitted_at=row["submitted_at"],
        created_at=row["created_at"],
        id=row["id"],
    )


class SqlFeedbackRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_order(self, order_id: int) -> OrderFeedback | None:
        found = await self._conn.execute(
            sa.select(order_feedback).where(order_feedback.c.order_id == order_id)
        )
        row = found.mappings().first()
        return feedback_from_row(row) if row is not None else None

    async def add(self, feedback: OrderFeedback) -> OrderFeedback:
        try:
            inserted = await self._conn.execute(
                sa.insert(order_feedback)
                .values(
                    order_id=feedback.order_id,
                    rating=feedback.rating,
                    comment=feedback.comment,
                    submitted_at=feedback.submitted_at,
                    created_at=feedback.created_at,
                )
                .returning(order_feedback.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate("this order has feedback already", field=["token"]) from exc
        return OrderFeedback(
            feedback.order_id,
            feedback.rating,
            feedback.comment,
            feedback.submitted_at,
            feedback.created_at,
            inserted.scalar_one(),
        )

    async def save(self, feedback: OrderFeedback) -> None:
        await self._conn.execute(
            sa.update(order_feedback)
            .where(order_feedback.c.order_id == feedback.order_id)
            .values(
                rating=feedback.rating,
                comment=feedback.comment,
                submitted_at=feedback.submitted_at,
            )
        )
