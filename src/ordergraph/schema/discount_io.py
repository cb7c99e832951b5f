"""Inputs and payloads of the discount mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.enums import DiscountKind, DiscountScope
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.discount import DiscountType
from ordergraph.schema.types.money import MoneyInput


@strawberry.input
class CreateDiscountInput:
    code: str | None = strawberry.field(
        default=None,
        description="1 to 64 letters, digits, '.', '_', '-'; matched in any case. Null: an "
        "automatic discount, applied to every order it fits.",
    )
    name: str
    kind: DiscountKind
    value: str | None = strawberry.field(
        default=None,
        description='A decimal string: "10" is 10 % (0 < v <= 100) or 10.00 in currency; '
        "none for FREE_SHIPPING.",
    )
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217; required for FIXED_AMOUNT."
    )
    scope: DiscountScope = DiscountScope.ORDER
    skus: list[str] = strawberry.field(default_factory=list)
    groups: list[str] = strawberry.field(default_factory=list)
    minimum_subtotal: MoneyInput | None = strawberry.field(
        default=None, description="In the discount's currency (sets it for a percentage)."
    )
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    combinable: bool = True
    active: bool = True


@strawberry.input(
    description="Absent fields stay. Code, kind, value, currency and scope cannot change: an "
    "order placed with a discount keeps meaning what it meant."
)
class UpdateDiscountInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    active: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    combinable: bool | None = None


@strawberry.type
class DiscountPayload:
    discount: DiscountType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
