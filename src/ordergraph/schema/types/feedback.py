from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from ordergraph.domain.feedback import OrderFeedback
from ordergraph.schema.context import Info

if TYPE_CHECKING:
    from ordergraph.schema.types.order import OrderType


@strawberry.type(name="OrderFeedback", description="The customer's rating of a delivery.")
class OrderFeedbackType:
    order_pk: strawberry.Private[int]
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent) stars.")
    comment: str | None
    submitted_at: datetime = strawberry.field(description="When it was last given or changed.")

    @classmethod
    def from_domain(cls, feedback: OrderFeedback) -> OrderFeedbackType:
        return cls(
            order_pk=feedback.order_id,
            rating=feedback.rating,
            comment=feedback.comment,
            submitted_at=feedback.submitted_at,
        )

    @strawberry.field
    async def order(
        self, info: Info
    ) -> Annotated[OrderType, strawberry.lazy("ordergraph.schema.types.order")]:
        from ordergraph.schema.types.order import OrderType

        order = await info.context.loaders.order_by_id.load(self.order_pk)
        assert order is not None
        return OrderType.from_domain(order)
