"""``Exchange``: units of an order sent back for other units (createExchange)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from ordergraph.domain.exchanges import Exchange
from ordergraph.domain.orders import Order
from ordergraph.domain.returns import Return
from ordergraph.schema.context import Info
from ordergraph.schema.enums import ExchangeSettlement
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType

if TYPE_CHECKING:
    from ordergraph.schema.types.order import OrderType
    from ordergraph.schema.types.returns import ReturnType

_ORDER = strawberry.lazy("ordergraph.schema.types.order")
_RETURNS = strawberry.lazy("ordergraph.schema.types.returns")


@strawberry.type(
    name="Exchange",
    description="Units of an order sent back for other units: a linked return of the original "
    "order and a replacement order, with the price difference settled as `settlement` says.",
)
class ExchangeType:
    id: strawberry.ID
    returned_value: MoneyType = strawberry.field(
        description="What the customer paid for the returned units (the share a refund of "
        "them would give back)."
    )
    new_total: MoneyType = strawberry.field(
        description="What the replacement costs, tax included (its shipping is free)."
    )
    difference: MoneyType = strawberry.field(
        description="newTotal - returnedValue: > 0 charged now, < 0 refunded on receipt."
    )
    settlement: ExchangeSettlement
    ship_before_return_received: bool = strawberry.field(
        description="False: the replacement waits under an AWAITING_RETURN hold until the "
        "return is received."
    )
    created_by: str
    created_at: datetime
    dry_run: bool = strawberry.field(
        description="True when only previewed: nothing was stored and the ids name nothing."
    )
    original_pk: strawberry.Private[int]
    replacement_pk: strawberry.Private[int]
    return_pk: strawberry.Private[int]
    # a dry run's rows were rolled back: its answer carries the objects it computed
    preview: strawberry.Private[tuple[Order, Order, Return] | None] = None

    @classmethod
    def from_domain(
        cls, exchange: Exchange, preview: tuple[Order, Order, Return] | None = None
    ) -> ExchangeType:
        m = MoneyType.from_domain
        return cls(
            id=strawberry.ID(encode_id("Exchange", exchange.id or 0)),
            returned_value=m(exchange.returned),
            new_total=m(exchange.new_total),
            difference=m(exchange.difference),
            settlement=exchange.settlement,
            ship_before_return_received=not exchange.hold_replacement,
            created_by=exchange.created_by,
            created_at=exchange.created_at,
            dry_run=preview is not None,
            original_pk=exchange.original_order_id,
            replacement_pk=exchange.replacement_order_id,
            return_pk=exchange.return_id,
            preview=preview,
        )

    async def _order(self, info: Info, pk: int, unsaved: Order | None) -> OrderType:
        from ordergraph.schema.types.order import OrderType

        if unsaved is not None:
            return OrderType.unsaved(unsaved)
        found = await info.context.loaders.order_by_id.load(pk)
        assert found is not None
        return OrderType.from_domain(found)

    @strawberry.field(description="The original order, whose units come back.")
    async def order(self, info: Info) -> Annotated[OrderType, _ORDER]:
        return await self._order(info, self.original_pk, self.preview and self.preview[0])

    @strawberry.field(description="The replacement order with the new lines.")
    async def replacement_order(self, info: Info) -> Annotated[OrderType, _ORDER]:
        return await self._order(info, self.replacement_pk, self.preview and self.preview[1])

    @strawberry.field(name="return", description="The approved return of the original's units.")
    async def return_(self, info: Info) -> Annotated[ReturnType, _RETURNS]:
        from ordergraph.schema.types.returns import ReturnType

        if self.preview is not None:
            return ReturnType.from_domain(self.preview[2])
        found = await info.context.loaders.return_by_id.load(self.return_pk)
        assert found is not None
        return ReturnType.from_domain(found)
