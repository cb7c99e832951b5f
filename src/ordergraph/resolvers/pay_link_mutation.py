"""``sendDraftOrderInvoice``: a draft's pay link, mailed (staff: orders:write)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.drafts import DraftOrder
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.pay_link_io import SendDraftOrderInvoiceInput, SendDraftOrderInvoicePayload
from ordergraph.schema.types.draft_order import DraftOrderType
from ordergraph.services import payment_links


@strawberry.type
class PayLinkMutation:
    @strawberry.mutation(
        description="Mail the customer the draft's invoice: its lines and totals as quoted "
        "now and a link (GET /pay/{token}) where they pay; paying places the order from the "
        "draft. An older link of another amount is cancelled. Needs orders:write."
    )
    async def send_draft_order_invoice(
        self, info: Info, input: SendDraftOrderInvoiceInput
    ) -> SendDraftOrderInvoicePayload:
        actor = authenticated(info)

        async def run() -> tuple[DraftOrder, str | None]:
            draft_id = input_id(input.draft_order_id, "DraftOrder", ["draftOrderId"])
            return await payment_links.send_draft_invoice(
                info.context.deps,
                actor,
                draft_id,
                email=input.email,
                message=input.message,
                base_url=info.context.public_base_url,
                idempotency_key=input.idempotency_key,
            )

        result, errors = await attempt(run)
        if result is None:
            return SendDraftOrderInvoicePayload(user_errors=errors)
        draft, url = result
        return SendDraftOrderInvoicePayload(
            draft_order=DraftOrderType.from_domain(draft), pay_link_url=url
        )
