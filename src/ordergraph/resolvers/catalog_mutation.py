"""Mutations that change or retire products, warehouses and customers (thin: each decodes its
input, calls one use case and maps the result)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Customer
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.catalog_io import (
    ArchiveProductInput,
    ArchiveProductPayload,
    DeactivateWarehouseInput,
    DeactivateWarehousePayload,
    UpdateCustomerInput,
    UpdateCustomerPayload,
    UpdateProductInput,
    UpdateProductPayload,
    UpdateWarehouseInput,
    UpdateWarehousePayload,
)
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.warehouse import WarehouseType
from ordergraph.services import catalog_updates, customers

CLEARABLE = ("phone", "locale", "timezone", "group")


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Change a product's name, price, weight, attributes, group or status "
        "(needs catalog:write). Orders already placed keep their lines."
    )
    async def update_product(self, info: Info, input: UpdateProductInput) -> UpdateProductPayload:
        actor = authenticated(info)
        group = input.group

        async def run() -> Product:
            return await catalog_updates.update_product(
                info.context.deps,
                actor,
                product_id=input_id(input.product_id, "Product", ["productId"]),
                expected_version=input.expected_version,
                name=input.name,
                price_amount=input.price.amount if input.price else None,
                price_currency=input.price.currency if input.price else None,
                weight_grams=input.weight_grams,
                attributes=(
                    [(a.key, a.value) for a in input.attributes]
                    if input.attributes is not None
                    else None
                ),
                group=group if isinstance(group, str) else None,
                clear_group=group is None or (isinstance(group, str) and not group.strip()),
                status=input.status,
                returnable=input.returnable,
                tax_class=input.tax_class,
                allow_backorder=input.allow_backorder,
                backorder_limit=input.backorder_limit,
            )

        product, errors = await attempt(run)
        return UpdateProductPayload(
            product=ProductType.from_domain(product) if product else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Retire a product: new orders refuse it (PRODUCT_ARCHIVED), placed orders "
        "keep it (needs catalog:write)."
    )
    async def archive_product(
        self, info: Info, input: ArchiveProductInput
    ) -> ArchiveProductPayload:
        actor = authenticated(info)

        async def run() -> Product:
            return await catalog_updates.archive_product(
                info.context.deps,
                actor,
                product_id=input_id(input.product_id, "Product", ["productId"]),
                expected_version=input.expected_version,
            )

        product, errors = await attempt(run)
        return ArchiveProductPayload(
            product=ProductType.from_domain(product) if product else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Change a warehouse's name, region, country or priority (catalog:write)."
    )
    async def update_warehouse(
        self, info: Info, input: UpdateWarehouseInput
    ) -> UpdateWarehousePayload:
        actor = authenticated(info)

        async def run() -> Warehouse:
            return await catalog_updates.update_warehouse(
                info.context.deps,
                actor,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                expected_version=input.expected_version,
                name=input.name,
                region=input.region,
                country_code=input.country_code,
                priority=input.priority,
            )

        warehouse, errors = await attempt(run)
        return UpdateWarehousePayload(
            warehouse=WarehouseType.from_domain(warehouse) if warehouse else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Stop routing new orders to a warehouse; its open fulfillments and stock "
        "stay visible (needs catalog:write)."
    )
    async def deactivate_warehouse(
        self, info: Info, input: DeactivateWarehouseInput
    ) -> DeactivateWarehousePayload:
        actor = authenticated(info)

        async def run() -> Warehouse:
            return await catalog_updates.deactivate_warehouse(
                info.context.deps,
                actor,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                expected_version=input.expected_version,
            )

        warehouse, errors = await attempt(run)
        return DeactivateWarehousePayload(
            warehouse=WarehouseType.from_domain(warehouse) if warehouse else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Change a customer's name, email, phone, locale, time zone or group "
        "(needs customers:write)."
    )
    async def update_customer(
        self, info: Info, input: UpdateCustomerInput
    ) -> UpdateCustomerPayload:
        actor = authenticated(info)
        given = {name: getattr(input, name) for name in CLEARABLE}
        cleared = frozenset(
            name
            for name, value in given.items()
            if value is None or (isinstance(value, str) and not value.strip())
        )

        async def run() -> Customer:
            return await customers.update_customer(
                info.context.deps,
                actor,
                customer_id=input_id(input.customer_id, "Customer", ["customerId"]),
                expected_version=input.expected_version,
                name=input.name,
                email=input.email,
                phone=given["phone"] if isinstance(given["phone"], str) else None,
                locale=given["locale"] if isinstance(given["locale"], str) else None,
                timezone=given["timezone"] if isinstance(given["timezone"], str) else None,
                group=given["group"] if isinstance(given["group"], str) else None,
                clear=cleared,
            )

        customer, errors = await attempt(run)
        return UpdateCustomerPayload(
            customer=CustomerType.from_domain(customer) if customer else None,
            user_errors=errors,
        )
