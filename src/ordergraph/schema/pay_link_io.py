"""Input and payload of ``sendDraftOrderInvoice``."""

from __future__ import annotations

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.draft_order import DraftOrderType


@strawberry.input(description="Mail a draft's customer a link where they pay it.")
class SendDraftOrderInvoiceInput:
    draft_order_id: strawberry.ID
    email: str | None = strawberry.field(
        default=None,
        description="Send it here; without it, to the draft's email or its customer's "
        "(EMAIL_REQUIRED when there is none).",
    )
    message: str | None = strawberry.field(
        default=None, description="A note for the customer in the mail (at most 2000 characters)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class SendDraftOrderInvoicePayload:
    draft_order: DraftOrderType | None = None
    pay_link_url: str | None = strawberry.field(
        default=None,
        description="The link mailed (shown once: a replay of the idempotencyKey answers null).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
