"""Inputs and payloads of the mutations that change or retire products, warehouses and
customers. Absent input fields leave the object as it is."""

from __future__ import annotations

import strawberry

from ordergraph.schema.enums import ProductStatus, TaxClass
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.money import MoneyInput
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.warehouse import WarehouseType

EXPECTED_VERSION_HELP = (
    "The version you last read; if the object has changed since, nothing is written and a "
    "CONFLICT userError carries currentVersion. Absent: no check."
)


@strawberry.input(description="One attribute such as size or colour.")
class ProductAttributeInput:
    key: str = strawberry.field(description="Lower-case: letters, digits, _ and -.")
    value: str


@strawberry.input(description="Absent fields stay as they are.")
class UpdateProductInput:
    product_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION_HELP)
    name: str | None = None
    price: MoneyInput | None = strawberry.field(
        default=None, description="New orders only: orders placed keep their prices."
    )
    weight_grams: int | None = None
    attributes: list[ProductAttributeInput] | None = strawberry.field(
        default=None, description="Replaces all attributes; [] removes them."
    )
    group: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Variant group handle such as classic-tee; null or empty removes it.",
    )
    status: ProductStatus | None = None
    returnable: bool | None = None
    tax_class: TaxClass | None = strawberry.field(
        default=None, description="New orders only: orders placed keep their tax."
    )
    allow_backorder: bool | None = strawberry.field(
        default=None,
        description="Off sets backorderLimit to 0; on without a limit takes the default. "
        "Refused (INSUFFICIENT_STOCK) where more is backordered than the new limit allows.",
    )
    backorder_limit: int | None = None


@strawberry.input
class ArchiveProductInput:
    product_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION_HELP)


@strawberry.input(description="Absent fields stay as they are; the code never changes.")
class UpdateWarehouseInput:
    warehouse_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION_HELP)
    name: str | None = None
    region: str | None = None
    country_code: str | None = None
    priority: int | None = None


@strawberry.input
class DeactivateWarehouseInput:
    warehouse_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION_HELP)


@strawberry.input(
    description='Absent fields stay as they are; null (or "") clears phone, locale, timezone '
    "and group."
)
class UpdateCustomerInput:
    customer_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION_HELP)
    name: str | None = None
    email: str | None = strawberry.field(
        default=None, description="Must be free; a new email is unverified."
    )
    phone: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    group: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A customer group handle (lower-case letters, digits, '_', '-'; e.g. "
        "wholesale): its price lists apply to the customer's orders.",
    )


@strawberry.type
class UpdateProductPayload:
    product: ProductType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ArchiveProductPayload:
    product: ProductType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateWarehousePayload:
    warehouse: WarehouseType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeactivateWarehousePayload:
    warehouse: WarehouseType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateCustomerPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
