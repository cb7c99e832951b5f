"""``createExchange``: a linked return and replacement order, one change set of the original."""

from __future__ import annotations

import strawberry

from ordergraph.domain.exchanges import NewLine
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.resolvers.returns_mutation import requested_return_lines
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.exchange_io import CreateExchangeInput, CreateExchangePayload
from ordergraph.schema.types.exchange import ExchangeType
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.returns import ReturnType
from ordergraph.services import exchanges
from ordergraph.services.exchanges import ExchangeOutcome


def _payload(outcome: ExchangeOutcome) -> CreateExchangePayload:
    preview = (outcome.original, outcome.replacement, outcome.rma) if outcome.dry_run else None
    return CreateExchangePayload(
        exchange=ExchangeType.from_domain(outcome.exchange, preview),
        return_=ReturnType.from_domain(outcome.rma),
        order=OrderType.from_domain(outcome.original),
        replacement_order=(OrderType.unsaved if outcome.dry_run else OrderType.from_domain)(
            outcome.replacement
        ),
    )


@strawberry.type
class ExchangeMutation:
    @strawberry.mutation(
        description="Send units of a delivered order back for other units: an APPROVED return "
        "of the original and a paid replacement order (stock reserved at once, free shipping), "
        "all or nothing. A dearer replacement is charged with paymentToken first; a cheaper "
        "one is refunded the difference once the return is received; the replacement waits "
        "for the return unless shipBeforeReturnReceived. Needs orders:write."
    )
    async def create_exchange(
        self, info: Info, input: CreateExchangeInput
    ) -> CreateExchangePayload:
        actor = authenticated(info)

        async def run() -> ExchangeOutcome:
            return await exchanges.create_exchange(
                info.context.deps,
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                return_lines=requested_return_lines(input.return_lines, "returnLines"),
                new_lines=[NewLine(line.sku, line.quantity) for line in input.new_lines],
                ship_before_return_received=input.ship_before_return_received,
                dry_run=input.dry_run,
                payment_token=input.payment_token,
                idempotency_key=input.idempotency_key,
                reason=input.reason,
            )

        done, errors = await attempt(run)
        return _payload(done) if done is not None else CreateExchangePayload(user_errors=errors)
