"""The Query root."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import catalog as reads
from ordergraph.db.repositories.customers import customer_from_row
from ordergraph.db.repositories.inventory import level_from_row
from ordergraph.db.repositories.products import product_from_row
from ordergraph.db.repositories.warehouses import warehouse_from_row
from ordergraph.domain.catalog import MAX_GROUP
from ordergraph.domain.principals import Role, Scope
from ordergraph.resolvers.annotation_filters import metadata_conditions, tag_condition
from ordergraph.resolvers.automation_query import AutomationQuery
from ordergraph.resolvers.carrier_event_query import CarrierEventQuery
from ordergraph.resolvers.carrier_query import CarrierQuery
from ordergraph.resolvers.common import query_id
from ordergraph.resolvers.discount_query import DiscountQuery
from ordergraph.resolvers.draft_order_mutation import DraftOrderQuery
from ordergraph.resolvers.feedback import FeedbackQuery
from ordergraph.resolvers.fulfillment_query import FulfillmentQuery
from ordergraph.resolvers.market_query import MarketQuery
from ordergraph.resolvers.node import resolve_node
from ordergraph.resolvers.notifications import NotificationQuery
from ordergraph.resolvers.order_query import OrderQuery
from ordergraph.resolvers.price_list_query import PriceListQuery
from ordergraph.resolvers.returns_query import ReturnsQuery
from ordergraph.resolvers.stock_query import StockQuery
from ordergraph.resolvers.tax_query import TaxQuery
from ordergraph.resolvers.transfer_query import TransferQuery
from ordergraph.resolvers.webhooks import WebhookQuery
from ordergraph.schema.annotation_io import MetadataFilterInput
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.enums import ProductStatus
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.analytics import AnalyticsType
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.warehouse import WarehouseType

MAX_SEARCH = 200


@strawberry.input(description="All given conditions must hold.")
class CustomerFilter:
    tag: str | None = strawberry.field(default=None, description="Has this tag (any case).")
    metadata: list[MetadataFilterInput] | None = strawberry.field(
        default=None, description="Every pair matches the customer's (public) metadata."
    )


SHOPPERS = frozenset({Role.STOREFRONT, Role.CUSTOMER})


@strawberry.type
class Query(
    OrderQuery,
    DraftOrderQuery,
    FulfillmentQuery,
    ReturnsQuery,
    WebhookQuery,
    NotificationQuery,
    FeedbackQuery,
    TransferQuery,
    StockQuery,
    AutomationQuery,
    CarrierQuery,
    CarrierEventQuery,
    MarketQuery,
    PriceListQuery,
    TaxQuery,
    DiscountQuery,
):
    @strawberry.field(description="Demand, lead times, on-time and return rates.")
    def analytics(self, info: Info) -> AnalyticsType:
        require(info, Scope.ORDERS_READ)
        return AnalyticsType()

    @strawberry.field(description="The signed-in customer (CUSTOMER tokens); null for others.")
    async def me(self, info: Info) -> CustomerType | None:
        principal = authenticated(info)
        if principal.customer_id is None:
            return None
        found = await info.context.loaders.customer_by_id.load(principal.customer_id)
        return CustomerType.from_domain(found) if found else None

    @strawberry.field(description="Fetch any object by its global ID.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field
    async def product(self, info: Info, sku: str) -> ProductType | None:
        require(info, Scope.CATALOG_READ)
        if len(sku) > 64 or "\x00" in sku:
            return None
        found = await info.context.loaders.product_by_sku.load(sku.strip())
        return ProductType.from_domain(found) if found else None

    @strawberry.field
    async def products(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        include_archived: bool = False,
        status: ProductStatus | None = None,
        group: str | None = None,
    ) -> Connection[ProductType]:
        """Products, oldest first; archived ones only with ``includeArchived`` or a status.
        Shoppers (storefront and customer tokens) see only what is for sale: ACTIVE ones."""
        require(info, Scope.CATALOG_READ)
        statuses = (
            {status.value}
            if status is not None
            else ({s.value for s in ProductStatus} if include_archived else None)
        )
        if info.context.principal.role in SHOPPERS:
            statuses = {ProductStatus.ACTIVE.value} & (statuses or {ProductStatus.ACTIVE.value})
        handle = group.strip().lower()[:MAX_GROUP] if group else None
        return await paginate(
            info,
            reads.products_query(statuses, handle),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: ProductType.from_domain(product_from_row(row)),
        )

    @strawberry.field
    async def warehouses(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WarehouseType]:
        require(info, Scope.INVENTORY_READ)
        return await paginate(
            info,
            reads.warehouses_query(),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: WarehouseType.from_domain(warehouse_from_row(row)),
        )

    @strawberry.field
    async def inventory_levels(
        self,
        info: Info,
        sku: str | None = None,
        warehouse_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InventoryLevelType]:
        require(info, Scope.INVENTORY_READ)
        warehouse_pk = query_id(warehouse_id, "Warehouse", "warehouseId") if warehouse_id else None
        return await paginate(
            info,
            reads.inventory_levels_query(sku.strip() if sku else None, warehouse_pk),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: InventoryLevelType.from_domain(level_from_row(row)),
        )

    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID) -> CustomerType | None:
        require(info, Scope.CUSTOMERS_READ)
        found = await info.context.loaders.customer_by_id.load(query_id(id, "Customer", "id"))
        return CustomerType.from_domain(found) if found else None

    @strawberry.field
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="Matches email or name, any case."),
        ] = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[CustomerType]:
        require(info, Scope.CUSTOMERS_READ)
        if search is not None and len(search) > MAX_SEARCH:
            raise GraphQLError(
                f"search must be at most {MAX_SEARCH} characters",
                extensions={"code": "BAD_USER_INPUT"},
            )
        return await paginate(
            info,
            reads.customers_query(
                search.strip() if search else None,
                tag_condition(filter.tag if filter else None),
                metadata_conditions(filter.metadata if filter else None),
            ),
            first=first,
            after=after,
            last=last,
            before=before,
            to_node=lambda row: CustomerType.from_domain(customer_from_row(row, None)),
        )


__all__ = ["Query"]
