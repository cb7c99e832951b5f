"""Mutation payloads: the changed object and ``userErrors``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type
class CreateWarehousePayload:
    warehouse: WarehouseType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateProductPayload:
    product: ProductType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AdjustInventoryPayload:
    inventory_level: InventoryLevelType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateCustomerPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CustomerLoginPayload:
    token: str | None = strawberry.field(
        default=None, description="Send as Authorization: Bearer <token>; valid 30 days."
    )
    expires_at: datetime | None = None
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
