"""Inputs and payloads of addOrderNote, addTags, removeTags and updateMetadata, and the
metadata filter shared by the orders and customers lists."""

from __future__ import annotations

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.types.annotation import OrderNoteType
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.product import ProductType


@strawberry.input
class AddOrderNoteInput:
    order_id: strawberry.ID
    text: str = strawberry.field(description="At most 5,000 characters.")
    idempotency_key: str | None = None


@strawberry.input(description="An Order or a Customer, and the tags to add or remove.")
class TagsInput:
    id: strawberry.ID = strawberry.field(description="An Order or a Customer ID.")
    tags: list[str] = strawberry.field(description="1 to 20 tags, each at most 40 characters.")
    expected_version: int | None = None


@strawberry.input(description="A key and its new value; a null value removes the key.")
class MetadataItemInput:
    key: str = strawberry.field(description="1 to 100 characters of [A-Za-z0-9_.:-].")
    value: str | None = strawberry.field(default=None, description="At most 2,000 characters.")


@strawberry.input
class UpdateMetadataInput:
    id: strawberry.ID = strawberry.field(description="An Order, Customer or Product ID.")
    metadata: list[MetadataItemInput]
    private: bool = strawberry.field(
        default=False, description="Change privateMetadata (staff only) instead of metadata."
    )
    expected_version: int | None = None


@strawberry.input(description="The key has this value (null: the key is present).")
class MetadataFilterInput:
    key: str
    value: str | None = None


@strawberry.type
class AddOrderNotePayload:
    order: OrderType | None = None
    note: OrderNoteType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TagsPayload:
    node: Node | None = None
    order: OrderType | None = None
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateMetadataPayload:
    node: Node | None = None
    order: OrderType | None = None
    customer: CustomerType | None = None
    product: ProductType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
