"""Input and payload of ``createExchange``."""

from __future__ import annotations

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.order_change_io import DRY_RUN_HELP
from ordergraph.schema.order_inputs import OrderLineInput
from ordergraph.schema.returns_io import ReturnLineInput
from ordergraph.schema.types.exchange import ExchangeType
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.returns import ReturnType


@strawberry.input
class CreateExchangeInput:
    order_id: strawberry.ID = strawberry.field(description="The delivered order units come from.")
    return_lines: list[ReturnLineInput] = strawberry.field(
        description="The units sent back, under the return policy of requestReturn."
    )
    new_lines: list[OrderLineInput] = strawberry.field(
        description="What the customer gets instead (at most 50 lines, each SKU once), priced "
        "today, shipped free to the original's address."
    )
    ship_before_return_received: bool = strawberry.field(
        default=False,
        description="Ship the replacement at once instead of holding it (AWAITING_RETURN) "
        "until the return is received.",
    )
    dry_run: bool = strawberry.field(default=False, description=DRY_RUN_HELP)
    payment_token: str | None = strawberry.field(
        default=None,
        description="Pays the difference when the replacement costs more (PAYMENT_REQUIRED "
        "without it; PAYMENT_DECLINED changes nothing).",
    )
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class CreateExchangePayload:
    exchange: ExchangeType | None = None
    return_: ReturnType | None = strawberry.field(
        default=None, name="return", description="The approved return of the original's units."
    )
    order: OrderType | None = strawberry.field(
        default=None,
        description="The ORIGINAL order (as in every order-change payload); the new one is "
        "replacementOrder.",
    )
    replacement_order: OrderType | None = strawberry.field(
        default=None,
        description="The replacement order with the new lines (on a dry run: as it would be, "
        "its lines and totals only).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
