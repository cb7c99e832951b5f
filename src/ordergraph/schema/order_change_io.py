"""Inputs, payloads and the ``OrderEdit`` type of ``editOrder`` and ``cancelOrderLines``."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import PaymentCollection
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.order_inputs import OrderLineInput
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.order_edit import OrderEditType

NOTIFY_HELP = "Mail the customer about this (default true)."
DRY_RUN_HELP = "Only say what the change would do: nothing is written, no money moves."


@strawberry.input
class RemoveLineInput:
    order_line_id: strawberry.ID


@strawberry.input
class SetQuantityInput:
    order_line_id: strawberry.ID
    quantity: int = strawberry.field(description="0 removes the line.")


@strawberry.input
class SetShippingMethodInput:
    shipping_option_id: str = strawberry.field(
        description="An id from shippingOptions for the order's lines and (new) address: the "
        "order's shipping is priced again with it and the promise becomes its window."
    )


@strawberry.input(one_of=True, description="Exactly one change.")
class OrderEditChangeInput:
    add_line: OrderLineInput | None = strawberry.UNSET
    remove_line: RemoveLineInput | None = strawberry.UNSET
    set_quantity: SetQuantityInput | None = strawberry.UNSET
    set_shipping_address: AddressInput | None = strawberry.UNSET
    set_shipping_method: SetShippingMethodInput | None = strawberry.UNSET


@strawberry.input
class EditOrderInput:
    order_id: strawberry.ID
    changes: list[OrderEditChangeInput] = strawberry.field(description="At most 50 changes.")
    expected_version: int | None = None
    dry_run: bool = strawberry.field(default=False, description=DRY_RUN_HELP)
    notify_customer: bool = strawberry.field(default=True, description=NOTIFY_HELP)
    payment_token: str | None = strawberry.field(
        default=None,
        description="Pays a higher total of a paid or authorized order (PAYMENT_REQUIRED "
        "without it; PAYMENT_DECLINED changes nothing).",
    )
    collect_payment: PaymentCollection = strawberry.field(
        default=PaymentCollection.PAYMENT_TOKEN,
        description="PAY_LINK: a paid order's higher total is not charged now; the edit "
        "commits and payLinkUrl is where the customer pays the difference (mailed with the "
        "edit unless notifyCustomer is false). PAY_LINK_NOT_POSSIBLE on an authorized order.",
    )
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CancelLineInput:
    order_line_id: strawberry.ID
    quantity: int


@strawberry.input
class CancelOrderLinesInput:
    order_id: strawberry.ID
    lines: list[CancelLineInput]
    reason: str
    expected_version: int | None = None
    dry_run: bool = strawberry.field(default=False, description=DRY_RUN_HELP)
    notify_customer: bool = strawberry.field(default=True, description=NOTIFY_HELP)
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class EditOrderPayload:
    order: OrderType | None = None
    edit: OrderEditType | None = None
    pay_link_url: str | None = strawberry.field(
        default=None,
        description="collectPayment PAY_LINK: where the customer pays the difference (shown "
        "once: a replay of the idempotencyKey answers null).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelOrderLinesPayload:
    order: OrderType | None = None
    edit: OrderEditType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
