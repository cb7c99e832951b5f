"""A discount: a code or an automatic discount, its terms, limits and uses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from ordergraph.domain.discounts import Discount, DiscountKind
from ordergraph.domain.money import Money
from ordergraph.schema.enums import DiscountKind as DiscountKindEnum
from ordergraph.schema.enums import DiscountScope
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType


@strawberry.type(
    name="Discount",
    description="A discount code, or an automatic discount (automatic, no code) that applies "
    "to every order it fits. Staff business: customers and storefronts cannot list them.",
)
class DiscountType:
    id: strawberry.ID
    code: str | None = strawberry.field(description="Upper case; null for automatic.")
    name: str
    kind: DiscountKindEnum
    value: Decimal | None = strawberry.field(
        description='"10" is 10 % (PERCENTAGE) or 10.00 in currency (FIXED_AMOUNT); null for '
        "FREE_SHIPPING."
    )
    currency: str | None = strawberry.field(
        description="ISO 4217; null for a percentage that applies in any currency."
    )
    scope: DiscountScope
    skus: list[str] = strawberry.field(description="With scope PRODUCTS; sorted.")
    groups: list[str] = strawberry.field(description="Product groups, with scope PRODUCTS.")
    minimum_subtotal: MoneyType | None
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None = strawberry.field(description="Uses in all; null: no limit.")
    per_customer_limit: int | None
    combinable: bool = strawberry.field(description="Whether it applies beside other discounts.")
    active: bool
    times_used: int = strawberry.field(
        description="Uses held by orders (cancelled ones gave theirs back)."
    )
    version: int
    automatic: bool
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, d: Discount) -> DiscountType:
        assert d.id is not None
        minimum = (
            MoneyType.from_domain(Money(d.minimum_subtotal, d.currency))
            if d.minimum_subtotal is not None and d.currency is not None
            else None
        )
        return cls(
            id=strawberry.ID(encode_id("Discount", d.id)),
            code=d.code,
            name=d.name,
            kind=d.kind,
            value=None if d.kind is DiscountKind.FREE_SHIPPING else d.value,
            currency=d.currency,
            scope=d.scope,
            skus=sorted(d.skus),
            groups=sorted(d.groups),
            minimum_subtotal=minimum,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            usage_limit=d.usage_limit,
            per_customer_limit=d.per_customer_limit,
            combinable=d.combinable,
            active=d.active,
            times_used=d.times_used,
            version=d.version,
            automatic=d.automatic,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )
