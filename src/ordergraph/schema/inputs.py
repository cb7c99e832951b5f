"""Mutation inputs. Every mutation takes one ``input: XxxInput!``."""

from __future__ import annotations

import strawberry

from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.schema.enums import TaxClass
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.money import MoneyInput

InventoryAdjustmentReason = strawberry.enum(
    AdjustmentReason,
    name="InventoryAdjustmentReason",
    description="Why on-hand stock changed; RECEIVED must add stock.",
)

IDEMPOTENCY_HELP = "Send the same key to retry safely: the first result is returned again."


@strawberry.input
class CreateWarehouseInput:
    code: str = strawberry.field(description="Unique code, e.g. AMS-1.")
    name: str
    region: str = strawberry.field(description="Routing region code, e.g. EU-WEST.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    priority: int = strawberry.field(default=100, description="Lower wins when routing ties.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    price: MoneyInput
    weight_grams: int = 0
    allow_backorder: bool = strawberry.field(
        default=False, description="Accept orders beyond stock, down to -backorderLimit."
    )
    backorder_limit: int | None = strawberry.field(
        default=None,
        description="Units each warehouse may reserve beyond on-hand (default 100 when "
        "allowBackorder is true).",
    )
    returnable: bool = strawberry.field(
        default=True, description="False for final-sale items: returns are refused."
    )
    tax_class: TaxClass = strawberry.field(
        default=TaxClass.STANDARD, description="Which tax rates apply (ZERO: never taxed)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class AdjustInventoryInput:
    sku: str
    warehouse_id: strawberry.ID
    delta: int = strawberry.field(description="Change to on-hand stock; negative removes.")
    reason: AdjustmentReason = AdjustmentReason.CORRECTION
    note: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CreateCustomerInput:
    email: str
    name: str
    phone: str | None = None
    password: str | None = strawberry.field(
        default=None,
        description="Optional; lets the customer sign in (8 to 200 characters).",
    )
    address: AddressInput | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CustomerLoginInput:
    email: str
    password: str
