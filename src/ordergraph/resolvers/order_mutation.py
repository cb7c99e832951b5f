"""Order mutations: place, pay, cancel, hold."""

from __future__ import annotations

import strawberry

from ordergraph.domain.orders import Order
from ordergraph.resolvers.common import attempt, deps_of, input_id
from ordergraph.resolvers.place_arguments import capture_arguments
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.order_inputs import (
    CancelOrderInput,
    HoldOrderInput,
    PaymentInput,
    PlaceOrderInput,
    ReleaseOrderHoldInput,
)
from ordergraph.schema.order_payloads import (
    CancelOrderPayload,
    HoldOrderPayload,
    PaymentPayload,
    PlaceOrderPayload,
    ReleaseOrderHoldPayload,
)
from ordergraph.schema.types.order import OrderType, PaymentTransactionType
from ordergraph.services import cancellation, holds, orders, payments


def _order(order: Order | None) -> OrderType | None:
    return OrderType.from_domain(order) if order is not None else None


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description="Capture an order: lines priced from the catalog, stock reserved in the "
        "warehouses that ship fastest to the address, all or nothing. Needs orders:place."
    )
    async def place_order(self, info: Info, input: PlaceOrderInput) -> PlaceOrderPayload:
        actor = authenticated(info)

        async def run() -> Order:
            return await orders.place_order(
                info.context.deps,
                actor,
                **capture_arguments(input),
                idempotency_key=input.idempotency_key,
                locale=input.locale,
                timezone=input.timezone,
            )

        order, errors = await attempt(run)
        return PlaceOrderPayload(order=_order(order), user_errors=errors)

    @strawberry.mutation(description="Authorize payment: PLACED → CONFIRMED, payment AUTHORIZED.")
    async def authorize_payment(self, info: Info, input: PaymentInput) -> PaymentPayload:
        return await _pay(info, input, capture=False)

    @strawberry.mutation(
        description="Take payment now (PLACED → CONFIRMED, payment PAID), or capture an earlier "
        "authorization."
    )
    async def capture_payment(self, info: Info, input: PaymentInput) -> PaymentPayload:
        return await _pay(info, input, capture=True)

    @strawberry.mutation(
        description="Cancel before anything shipped: releases stock, voids or refunds payment."
    )
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> CancelOrderPayload:
        actor = authenticated(info)

        async def run() -> Order:
            return await cancellation.cancel_order(
                deps_of(info, input.notify_customer),
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )

        order, errors = await attempt(run)
        return CancelOrderPayload(order=_order(order), user_errors=errors)

    @strawberry.mutation(description="Put a typed hold on an order; it blocks fulfillment.")
    async def hold_order(self, info: Info, input: HoldOrderInput) -> HoldOrderPayload:
        actor = authenticated(info)

        async def run() -> Order:
            return await holds.hold_order(
                info.context.deps,
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                hold_type=input.type,
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )

        order, errors = await attempt(run)
        return HoldOrderPayload(order=_order(order), user_errors=errors)

    @strawberry.mutation(description="Release an order's active hold of the given type.")
    async def release_order_hold(
        self, info: Info, input: ReleaseOrderHoldInput
    ) -> ReleaseOrderHoldPayload:
        actor = authenticated(info)

        async def run() -> Order:
            return await holds.release_order_hold(
                info.context.deps,
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                hold_type=input.type,
                idempotency_key=input.idempotency_key,
            )

        order, errors = await attempt(run)
        return ReleaseOrderHoldPayload(order=_order(order), user_errors=errors)


async def _pay(info: Info, input: PaymentInput, *, capture: bool) -> PaymentPayload:
    actor = authenticated(info)

    async def run() -> payments.PaymentOutcome:
        take = payments.capture_payment if capture else payments.authorize_payment
        return await take(
            deps_of(info, input.notify_customer),
            actor,
            order_id=input_id(input.order_id, "Order", ["orderId"]),
            token=input.token,
            idempotency_key=input.idempotency_key,
        )

    outcome, errors = await attempt(run)
    if outcome is None:
        return PaymentPayload(user_errors=errors)
    return PaymentPayload(
        order=OrderType.from_domain(outcome.order),
        payment=PaymentTransactionType.from_domain(outcome.transaction),
        user_errors=errors,
    )
