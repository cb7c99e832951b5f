from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.catalog import Product
from ordergraph.domain.principals import Scope
from ordergraph.schema.context import Info, require
from ordergraph.schema.enums import ProductStatus, TaxClass
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.annotation import MetadataItemType, metadata_items
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.node import Node


@strawberry.type(description="One attribute of a product, such as size or colour.")
class ProductAttribute:
    key: str
    value: str


@strawberry.type(name="Product", description="A sellable SKU with its catalog price.")
class ProductType(Node):
    sku: str
    name: str
    price: MoneyType
    weight_grams: int
    allow_backorder: bool
    backorder_limit: int
    returnable: bool
    tax_class: TaxClass = strawberry.field(description="Which tax rates apply to it.")
    created_at: datetime
    version: int = strawberry.field(description="Bumped by every change (expectedVersion).")
    status: ProductStatus = strawberry.field(description="Only ACTIVE products take new orders.")
    archived_at: datetime | None
    attributes: list[ProductAttribute] = strawberry.field(
        description="Attributes such as size and colour, by key."
    )
    group: str | None = strawberry.field(
        description="The handle variants of one product share (e.g. classic-tee)."
    )
    metadata: list[MetadataItemType] = strawberry.field(
        default_factory=list, description="Key-value pairs staff set (updateMetadata)."
    )
    private_metadata: list[MetadataItemType] | None = strawberry.field(
        default=None, description="Staff-only key-value pairs (needs inventory:read)."
    )

    @classmethod
    def from_domain(cls, product: Product) -> ProductType:
        assert product.id is not None
        return cls(
            id=strawberry.ID(encode_id("Product", product.id)),
            sku=product.sku,
            name=product.name,
            price=MoneyType.from_domain(product.price),
            weight_grams=product.weight_grams,
            allow_backorder=product.allow_backorder,
            backorder_limit=product.backorder_limit,
            returnable=product.returnable,
            tax_class=product.tax_class,
            created_at=product.created_at,
            version=product.version,
            status=product.status,
            archived_at=product.archived_at,
            attributes=[
                ProductAttribute(key=k, value=v) for k, v in sorted(product.attributes.items())
            ],
            group=product.group_handle,
            metadata=metadata_items(product.metadata),
            private_metadata=metadata_items(product.private_metadata),
        )

    @strawberry.field(description="Units that can be sold now, across all warehouses.")
    async def available(self, info: Info) -> int:
        levels = await info.context.loaders.levels_by_sku.load(self.sku)
        return sum(level.available for level in levels)

    @strawberry.field(description="Stock per warehouse (needs inventory:read).")
    async def inventory_levels(self, info: Info) -> list[InventoryLevelType]:
        require(info, Scope.INVENTORY_READ)
        levels = await info.context.loaders.levels_by_sku.load(self.sku)
        return [InventoryLevelType.from_domain(level) for level in levels]
