"""Inputs and payloads of the return and refund mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import ReturnDisposition, ReturnReason
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.money import MoneyInput
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.returns import RefundBreakdownType, RefundType, ReturnType


@strawberry.input
class ReturnLineInput:
    order_line_id: strawberry.ID
    quantity: int
    reason: ReturnReason
    note: str | None = None


@strawberry.input
class RequestReturnInput:
    order_id: strawberry.ID
    lines: list[ReturnLineInput]
    note: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ReturnLabelInput:
    carrier: str | None = None
    tracking_number: str | None = None
    url: str | None = None
    instructions: str | None = None


@strawberry.input
class ReturnInput:
    return_id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description="Why it was rejected.")
    label: ReturnLabelInput | None = strawberry.field(
        default=None, description="On approval: how the customer sends the parcel back."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.input
class ReceiveReturnLineInput:
    return_line_id: strawberry.ID
    quantity: int
    disposition: ReturnDisposition
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Where RESTOCK puts the units; default: where they shipped from."
    )


@strawberry.input
class ReceiveReturnInput:
    return_id: strawberry.ID
    lines: list[ReceiveReturnLineInput]
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.input
class RefundLineInput:
    order_line_id: strawberry.ID
    quantity: int


@strawberry.input
class RefundOrderInput:
    order_id: strawberry.ID
    lines: list[RefundLineInput] | None = None
    shipping: bool = strawberry.field(
        default=False, description="Refund the shipping not refunded yet."
    )
    return_id: strawberry.ID | None = strawberry.field(
        default=None, description="Refund a RECEIVED return: its received units."
    )
    appeasement: MoneyInput | None = strawberry.field(
        default=None, description="A free amount, e.g. a goodwill gesture."
    )
    reason: str | None = None
    dry_run: bool = strawberry.field(
        default=False, description="Only compute the breakdown; change nothing."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.type
class RequestReturnPayload:
    return_: ReturnType | None = strawberry.field(default=None, name="return")
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReturnPayload:
    return_: ReturnType | None = strawberry.field(default=None, name="return")
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefundOrderPayload:
    refund: RefundType | None = strawberry.field(
        default=None, description="The refund made (null for a dry run)."
    )
    breakdown: RefundBreakdownType | None = None
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
