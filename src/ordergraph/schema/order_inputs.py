"""Inputs of the order mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import Channel, HoldType
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.customer import AddressInput


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int


@strawberry.input
class PlaceOrderInput:
    channel: Channel
    lines: list[OrderLineInput] = strawberry.field(
        description="At most 250 lines; repeated SKUs are merged. Prices come from the catalog."
    )
    shipping_address: AddressInput
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing customer (staff, or the customer themself)."
    )
    email: str | None = strawberry.field(
        default=None, description="Contact email; required for guest orders."
    )
    name: str | None = None
    phone: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    locale: str | None = strawberry.field(
        default=None, description="The customer's language for mail, e.g. nl or en-GB."
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone for dates in mail, e.g. Europe/Amsterdam."
    )
    sales_rep: str | None = strawberry.field(
        default=None,
        description="Who took the order; PHONE and SALES_REP orders placed with a staff token "
        "default to that staff member.",
    )
    shipping_option_id: str | None = strawberry.field(
        default=None,
        description="A ShippingOption.id from shippingOptions: its price is the shipping "
        "total and its window's latest the promise (SHIPPING_OPTION_INVALID once it no longer "
        "holds). Without it: the cheapest option, or the fixed rate table where no carrier "
        "service serves the address.",
    )
    market_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The market to buy in: it must be active and sell through the channel "
        "(MARKET_UNAVAILABLE). Without it: the active market selling to the shipping country "
        "(if it sells through the channel), else the default market. Lines are priced from "
        "the market's price lists in force, else the product's price in the market currency "
        "(PRICE_UNAVAILABLE).",
    )
    discount_codes: list[str] = strawberry.field(
        default_factory=list,
        description="Discount codes (any case, at most 10): each must exist, be usable now and "
        "apply to this order, else DISCOUNT_INVALID on its index. Automatic discounts apply "
        "without a code. Placing the order takes one use of each discount applied.",
    )


@strawberry.input
class PaymentInput:
    order_id: strawberry.ID
    token: str | None = strawberry.field(
        default=None,
        description="Payment method from the gateway: with Stripe a PaymentMethod id (pm_…); "
        "with the test gateway tok_ok, tok_declined, tok_unavailable, tok_3ds, tok_3ds_fail. "
        "Not needed to capture an earlier authorization, nor to finish a payment that was "
        "ACTION_REQUIRED (ask again without it once the customer has authenticated).",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.input
class HoldOrderInput:
    order_id: strawberry.ID
    type: HoldType
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ReleaseOrderHoldInput:
    order_id: strawberry.ID
    type: HoldType
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
