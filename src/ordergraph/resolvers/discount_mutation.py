"""Discount mutations (pricing:write, checked by the use cases)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.discounts import Discount
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.discount_io import CreateDiscountInput, DiscountPayload, UpdateDiscountInput
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.discount import DiscountType
from ordergraph.services import discounts


def _payload(done: Discount | None, errors: list[UserError]) -> DiscountPayload:
    if done is None:
        return DiscountPayload(user_errors=errors)
    return DiscountPayload(discount=DiscountType.from_domain(done))


@strawberry.type
class DiscountMutation:
    @strawberry.mutation(
        description="Add a discount code, or an automatic discount without one "
        "(pricing:write). DUPLICATE for a taken code (in any case), DISCOUNT_INVALID for terms "
        "that do not hold together."
    )
    async def create_discount(self, info: Info, input: CreateDiscountInput) -> DiscountPayload:
        actor = authenticated(info)
        minimum = input.minimum_subtotal

        async def run() -> Discount:
            return await discounts.create_discount(
                info.context.deps,
                actor,
                code=input.code,
                name=input.name,
                kind=input.kind,
                value=input.value,
                currency=input.currency,
                scope=input.scope,
                skus=input.skus,
                groups=input.groups,
                minimum_subtotal=(minimum.amount, minimum.currency) if minimum else None,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                usage_limit=input.usage_limit,
                per_customer_limit=input.per_customer_limit,
                combinable=input.combinable,
                active=input.active,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Change a discount's name, window, limits, combinability or activity "
        "(pricing:write); expectedVersion → CONFLICT with the current version."
    )
    async def update_discount(self, info: Info, input: UpdateDiscountInput) -> DiscountPayload:
        actor = authenticated(info)

        async def run() -> Discount:
            return await discounts.update_discount(
                info.context.deps,
                actor,
                discount_id=input_id(input.id, "Discount", ["id"]),
                expected_version=input.expected_version,
                name=input.name,
                active=input.active,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                usage_limit=input.usage_limit,
                per_customer_limit=input.per_customer_limit,
                combinable=input.combinable,
            )

        return _payload(*await attempt(run))
