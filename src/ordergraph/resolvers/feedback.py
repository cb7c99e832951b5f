"""``submitOrderFeedback`` (no token needed: the signed link is the authority) and the staff
list ``orderFeedback``."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries.feedback import feedback_query
from ordergraph.db.repositories.feedback import feedback_from_row
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import attempt
from ordergraph.schema.context import Info, require
from ordergraph.schema.errors import UserError
from ordergraph.schema.pagination import Connection, PaginationError, paginate
from ordergraph.schema.types.feedback import OrderFeedbackType
from ordergraph.services import feedback


@strawberry.input
class SubmitOrderFeedbackInput:
    token: str = strawberry.field(description="The token of the feedback link in the mail.")
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent) stars.")
    comment: str | None = strawberry.field(default=None, description="At most 2000 characters.")


@strawberry.type
class SubmitOrderFeedbackPayload:
    feedback: OrderFeedbackType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Rate a delivered order (1-5) and comment, through the link in the "
        "delivered mail; sending again within 14 days changes the feedback."
    )
    async def submit_order_feedback(
        self, info: Info, input: SubmitOrderFeedbackInput
    ) -> SubmitOrderFeedbackPayload:
        given, errors = await attempt(
            lambda: feedback.submit_order_feedback(
                info.context.deps, token=input.token, rating=input.rating, comment=input.comment
            )
        )
        return SubmitOrderFeedbackPayload(
            feedback=OrderFeedbackType.from_domain(given) if given else None, user_errors=errors
        )


@strawberry.type
class FeedbackQuery:
    @strawberry.field(
        description="Delivery feedback, newest first; maxRating: 2 lists the low ratings "
        "(needs orders:read)."
    )
    async def order_feedback(
        self,
        info: Info,
        max_rating: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrderFeedbackType]:
        require(info, Scope.ORDERS_READ)
        if max_rating is not None and not 1 <= max_rating <= 5:
            raise PaginationError("maxRating must be between 1 and 5")
        return await paginate(
            info,
            feedback_query(max_rating),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=lambda row: OrderFeedbackType.from_domain(feedback_from_row(row)),
            descending=True,
        )
