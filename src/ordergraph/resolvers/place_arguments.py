"""The capture arguments every order-shaped input shares (placeOrder, quoteOrder, draft orders).

One conversion from GraphQL input to the keyword arguments of ``orders.place_order``,
``quotes.quote_order`` and ``draft_orders.draft_request``, so the three cannot drift apart in
which field they read or which error path an ID points at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import strawberry

from ordergraph.domain.orders import RequestedLine
from ordergraph.resolvers.common import input_id
from ordergraph.schema.enums import Channel
from ordergraph.schema.types.customer import AddressInput


class LineInput(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...


class OrderShapedInput(Protocol):
    @property
    def channel(self) -> Channel: ...
    @property
    def lines(self) -> Sequence[LineInput]: ...
    @property
    def shipping_address(self) -> AddressInput: ...
    @property
    def customer_id(self) -> strawberry.ID | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def sales_rep(self) -> str | None: ...
    @property
    def shipping_option_id(self) -> str | None: ...
    @property
    def market_id(self) -> strawberry.ID | None: ...
    @property
    def discount_codes(self) -> Sequence[str]: ...


def capture_arguments(input: OrderShapedInput) -> dict[str, Any]:
    """The keyword arguments of a capture, from any order-shaped input."""
    return {
        "channel": input.channel,
        "lines": [RequestedLine(line.sku, line.quantity) for line in input.lines],
        "shipping_address": input.shipping_address.to_fields(),
        "customer_id": (
            input_id(input.customer_id, "Customer", ["customerId"])
            if input.customer_id is not None
            else None
        ),
        "email": input.email,
        "contact_name": input.name,
        "phone": input.phone,
        "sales_rep": input.sales_rep,
        "shipping_option_id": input.shipping_option_id,
        "market_id": (
            input_id(input.market_id, "Market", ["marketId"])
            if input.market_id is not None
            else None
        ),
        "discount_codes": list(input.discount_codes),
    }
