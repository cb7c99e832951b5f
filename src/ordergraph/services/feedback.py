"""Delivery feedback: the customer rates a delivered order through the link in the mail.

The signed token is the customer's authority; no API token is needed. A second submission
changes the feedback for ``EDIT_WINDOW`` after the first, then it stands.
"""

from __future__ import annotations

from ordergraph.domain.feedback import (
    InvalidFeedbackToken,
    OrderFeedback,
    OrderNotDelivered,
    clean_comment,
    order_id_from_feedback_token,
    validate_rating,
)
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.services.deps import Deps


def _order_id(deps: Deps, token: str) -> int:
    order_id = order_id_from_feedback_token(deps.secret_key, token)
    if order_id is None:
        raise InvalidFeedbackToken("this feedback link is not valid", field=["token"])
    return order_id


async def order_for_feedback(deps: Deps, token: str) -> tuple[Order, OrderFeedback | None]:
    """The order a feedback link is for, and the feedback already given (for the page)."""
    order_id = _order_id(deps, token)
    async with deps.uow() as uow:
        order = await uow.orders.get(order_id)
        if order is None:
            raise InvalidFeedbackToken("this feedback link is not valid", field=["token"])
        return order, await uow.feedback.for_order(order_id)


async def submit_order_feedback(
    deps: Deps, *, token: str, rating: int, comment: str | None
) -> OrderFeedback:
    """Record (or, within the edit window, change) the rating of a delivered order."""
    order_id = _order_id(deps, token)
    rating = validate_rating(rating)
    cleaned = clean_comment(comment)
    async with deps.uow() as uow:
        # the row lock makes two submissions at once queue up rather than collide
        order = await uow.orders.get(order_id, for_update=True)
        if order is None:
            raise InvalidFeedbackToken("this feedback link is not valid", field=["token"])
        if order.status is not OrderStatus.DELIVERED:
            raise OrderNotDelivered(
                f"feedback can be given once the order is delivered (it is {order.status.value})",
                field=["token"],
            )
        now = deps.clock.now()
        existing = await uow.feedback.for_order(order_id)
        if existing is None:
            feedback = await uow.feedback.add(
                OrderFeedback(order_id, rating, cleaned, submitted_at=now, created_at=now)
            )
        else:
            feedback = existing.revised(rating, cleaned, now)
            await uow.feedback.save(feedback)
        await uow.commit()
    return feedback
