"""Read queries for delivery feedback: the DataLoader batch and the staff list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.feedback import feedback_from_row
from ordergraph.db.tables import order_feedback
from ordergraph.domain.feedback import OrderFeedback


async def feedback_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[OrderFeedback | None]:
    async with engine.connect() as conn:
        found = await conn.execute(
            sa.select(order_feedback).where(order_feedback.c.order_id.in_(ids))
        )
        by_order = {f.order_id: f for f in map(feedback_from_row, found.mappings())}
    return [by_order.get(i) for i in ids]


def feedback_query(max_rating: int | None) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    """Feedback at or below ``max_rating`` stars; keyed (newest change first) by time and id."""
    stmt = sa.select(order_feedback)
    if max_rating is not None:
        stmt = stmt.where(order_feedback.c.rating <= max_rating)
    return stmt, [order_feedback.c.submitted_at, order_feedback.c.id]
