from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from ordergraph.db.queries.orders import EventRow
from ordergraph.schema.context import Info

if TYPE_CHECKING:
    from ordergraph.schema.types.order import OrderType


@strawberry.type(name="OrderEvent", description="One entry of an order's timeline.")
class OrderEventType:
    id: strawberry.ID = strawberry.field(description="The event's cursor (outbox position).")
    order_pk: strawberry.Private[int]
    sequence: int = strawberry.field(description="1, 2, 3… within the order.")
    type: str
    occurred_at: datetime
    actor: str
    payload: JSON

    @classmethod
    def from_row(cls, row: EventRow) -> OrderEventType:
        return cls(
            id=strawberry.ID(str(row.id)),
            order_pk=row.order_id,
            sequence=row.sequence,
            type=row.type,
            occurred_at=row.occurred_at,
            actor=row.actor,
            payload=JSON(row.payload),
        )

    @strawberry.field
    async def order(
        self, info: Info
    ) -> Annotated[OrderType, strawberry.lazy("ordergraph.schema.types.order")]:
        from ordergraph.schema.types.order import OrderType

        order = await info.context.loaders.order_by_id.load(self.order_pk)
        assert order is not None
        return OrderType.from_domain(order)
