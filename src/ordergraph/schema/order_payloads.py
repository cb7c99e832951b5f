"""Payloads of the order mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.types.order import OrderType, PaymentTransactionType


@strawberry.type
class PlaceOrderPayload:
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PaymentPayload:
    order: OrderType | None = None
    payment: PaymentTransactionType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelOrderPayload:
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class HoldOrderPayload:
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReleaseOrderHoldPayload:
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
