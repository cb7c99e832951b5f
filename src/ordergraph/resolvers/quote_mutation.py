"""``quoteOrder``: placeOrder's pricing, routing and promise without placing anything.

A mutation, though it writes nothing: it takes placeOrder's own input type and answers with
userErrors like placeOrder (Shopify's ``draftOrderCalculate`` is a mutation for the same
reasons), and a client can swap one for the other without reshaping its request.
"""

from __future__ import annotations

import strawberry

from ordergraph.resolvers.common import attempt
from ordergraph.resolvers.place_arguments import capture_arguments
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.order_inputs import PlaceOrderInput
from ordergraph.schema.types.quote import QuoteOrderPayload, QuoteType
from ordergraph.services.pricing import PricedOrder
from ordergraph.services.quotes import quote_order


@strawberry.type
class QuoteMutation:
    @strawberry.mutation(
        description="What placeOrder would charge, ship and promise for this input, through "
        "the same code and refusing what it would refuse (OUT_OF_STOCK, NOT_FOUND, "
        "SHIPPING_OPTION_INVALID, …), writing nothing: no order, reservation, idempotency "
        "record or event (idempotencyKey is ignored); discount codes are checked but no use is "
        "taken. Same permission as placeOrder."
    )
    async def quote_order(self, info: Info, input: PlaceOrderInput) -> QuoteOrderPayload:
        actor = authenticated(info)

        async def run() -> PricedOrder:
            return await quote_order(
                info.context.deps,
                actor,
                **capture_arguments(input),
                locale=input.locale,
                timezone=input.timezone,
            )

        priced, errors = await attempt(run)
        return QuoteOrderPayload(
            quote=QuoteType.from_domain(priced) if priced is not None else None,
            user_errors=errors,
        )
