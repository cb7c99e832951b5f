"""Draft order mutations and queries (staff: orders:write to change, orders:read to read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from ordergraph.domain.drafts import DraftLine, DraftOrder
from ordergraph.domain.orders import Order
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import attempt, input_id, query_id
from ordergraph.resolvers.place_arguments import capture_arguments
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.draft_order_io import (
    CompleteDraftOrderInput,
    CompleteDraftOrderPayload,
    DraftOrderInput,
    DraftOrderPayload,
)
from ordergraph.schema.types.draft_order import DraftOrderType
from ordergraph.schema.types.order import OrderType
from ordergraph.services import draft_orders


def _request(input: DraftOrderInput) -> dict[str, Any]:
    shared = capture_arguments(input)
    shared["lines"] = [
        DraftLine(
            line.sku,
            line.quantity,
            line.unit_price.amount if line.unit_price is not None else None,
            line.unit_price.currency if line.unit_price is not None else None,
            line.price_reason,
        )
        for line in input.lines
    ]
    return draft_orders.draft_request(**shared)


def _reserve_until(input: DraftOrderInput) -> datetime | None:
    given = input.reserve_inventory_until
    return None if given is strawberry.UNSET else given


def _draft(draft: DraftOrder | None) -> DraftOrderType | None:
    return DraftOrderType.from_domain(draft) if draft is not None else None


@strawberry.type
class DraftOrderMutation:
    @strawberry.mutation(
        description="Save a cart for a customer (phone, sales rep, store orders); refused with "
        "placeOrder's errors when it could not be placed. Nothing is reserved unless "
        "reserveInventoryUntil is given."
    )
    async def create_draft_order(self, info: Info, input: DraftOrderInput) -> DraftOrderPayload:
        actor = authenticated(info)

        async def run() -> DraftOrder:
            return await draft_orders.create_draft_order(
                info.context.deps, actor, _request(input), reserve_until=_reserve_until(input)
            )

        draft, errors = await attempt(run)
        return DraftOrderPayload(draft_order=_draft(draft), user_errors=errors)

    @strawberry.mutation(
        description="Replace an open draft's input; CONFLICT when stale. Reserved stock moves "
        "only by the changed quantities."
    )
    async def update_draft_order(
        self,
        info: Info,
        draft_order_id: strawberry.ID,
        input: DraftOrderInput,
        expected_version: int | None = None,
    ) -> DraftOrderPayload:
        actor = authenticated(info)

        async def run() -> DraftOrder:
            draft_id = input_id(draft_order_id, "DraftOrder", ["draftOrderId"])
            return await draft_orders.update_draft_order(
                info.context.deps,
                actor,
                draft_id,
                _request(input),
                expected_version,
                reserve_until=_reserve_until(input),
                change_reservation=input.reserve_inventory_until is not strawberry.UNSET,
            )

        draft, errors = await attempt(run)
        return DraftOrderPayload(draft_order=_draft(draft), user_errors=errors)

    @strawberry.mutation(description="Delete an open draft; the stock it holds is released.")
    async def delete_draft_order(
        self, info: Info, draft_order_id: strawberry.ID
    ) -> DraftOrderPayload:
        actor = authenticated(info)

        async def run() -> DraftOrder:
            draft_id = input_id(draft_order_id, "DraftOrder", ["draftOrderId"])
            return await draft_orders.delete_draft_order(info.context.deps, actor, draft_id)

        draft, errors = await attempt(run)
        return DraftOrderPayload(draft_order=_draft(draft), user_errors=errors)

    @strawberry.mutation(
        description="Place the draft's order through placeOrder (same pricing, routing, "
        "reservation, events and mail); the draft becomes COMPLETED in the same transaction. "
        "A completed draft answers DRAFT_ALREADY_COMPLETED (or, with the same idempotencyKey, "
        "the order it became)."
    )
    async def complete_draft_order(
        self,
        info: Info,
        draft_order_id: strawberry.ID,
        input: CompleteDraftOrderInput | None = None,
    ) -> CompleteDraftOrderPayload:
        actor = authenticated(info)
        key = input.idempotency_key if input is not None else None

        async def run() -> tuple[DraftOrder, Order]:
            draft_id = input_id(draft_order_id, "DraftOrder", ["draftOrderId"])
            return await draft_orders.complete_draft_order(
                info.context.deps, actor, draft_id, idempotency_key=key
            )

        result, errors = await attempt(run)
        if result is None:
            return CompleteDraftOrderPayload(user_errors=errors)
        draft, order = result
        return CompleteDraftOrderPayload(
            draft_order=_draft(draft), order=OrderType.from_domain(order)
        )


@strawberry.type
class DraftOrderQuery:
    @strawberry.field(description="A draft order (orders:read).")
    async def draft_order(self, info: Info, id: strawberry.ID) -> DraftOrderType | None:
        actor = require(info, Scope.ORDERS_READ)
        draft = await draft_orders.get_draft_order(
            info.context.deps, actor, query_id(id, "DraftOrder", "id")
        )
        return _draft(draft)

    @strawberry.field(description="Draft orders not deleted, newest first (orders:read).")
    async def draft_orders(
        self, info: Info, first: int = 50, after: strawberry.ID | None = None
    ) -> list[DraftOrderType]:
        actor = require(info, Scope.ORDERS_READ)
        after_id = query_id(after, "DraftOrder", "after") if after is not None else None
        found = await draft_orders.list_draft_orders(
            info.context.deps, actor, first=max(1, min(first, 100)), after=after_id
        )
        return [DraftOrderType.from_domain(d) for d in found]
