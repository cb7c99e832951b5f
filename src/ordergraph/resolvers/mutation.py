"""The Mutation root: one resolver per command."""

from __future__ import annotations

import strawberry

from ordergraph.domain.inventory import InventoryLevel
from ordergraph.resolvers.account_mutation import AccountMutation
from ordergraph.resolvers.annotation_mutation import AnnotationMutation
from ordergraph.resolvers.automation_mutation import AutomationMutation
from ordergraph.resolvers.carrier_mutation import CarrierMutation
from ordergraph.resolvers.catalog_mutation import CatalogMutation
from ordergraph.resolvers.common import attempt, input_id, one_credential_check
from ordergraph.resolvers.discount_mutation import DiscountMutation
from ordergraph.resolvers.draft_order_mutation import DraftOrderMutation
from ordergraph.resolvers.exchange_mutation import ExchangeMutation
from ordergraph.resolvers.feedback import FeedbackMutation
from ordergraph.resolvers.fulfillment_mutation import FulfillmentMutation
from ordergraph.resolvers.import_mutation import ImportMutation
from ordergraph.resolvers.market_mutation import MarketMutation
from ordergraph.resolvers.notifications import NotificationMutation
from ordergraph.resolvers.order_change_mutation import OrderChangeMutation
from ordergraph.resolvers.order_mutation import OrderMutation
from ordergraph.resolvers.pay_link_mutation import PayLinkMutation
from ordergraph.resolvers.price_list_mutation import PriceListMutation
from ordergraph.resolvers.privacy import PrivacyMutation
from ordergraph.resolvers.quote_mutation import QuoteMutation
from ordergraph.resolvers.returns_mutation import ReturnsMutation
from ordergraph.resolvers.stock_mutation import StockMutation
from ordergraph.resolvers.tax_mutation import TaxMutation
from ordergraph.resolvers.transfer_mutation import TransferMutation
from ordergraph.resolvers.webhooks import WebhookMutation
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.inputs import (
    AdjustInventoryInput,
    CreateCustomerInput,
    CreateProductInput,
    CreateWarehouseInput,
    CustomerLoginInput,
)
from ordergraph.schema.payloads import (
    AdjustInventoryPayload,
    CreateCustomerPayload,
    CreateProductPayload,
    CreateWarehousePayload,
    CustomerLoginPayload,
)
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.warehouse import WarehouseType
from ordergraph.services import catalog, customers, inventory
from ordergraph.services.tokens import IssuedToken


@strawberry.type
class Mutation(
    OrderMutation,
    OrderChangeMutation,
    ExchangeMutation,
    FulfillmentMutation,
    ReturnsMutation,
    WebhookMutation,
    PrivacyMutation,
    NotificationMutation,
    AccountMutation,
    FeedbackMutation,
    CatalogMutation,
    ImportMutation,
    TransferMutation,
    StockMutation,
    AutomationMutation,
    CarrierMutation,
    QuoteMutation,
    MarketMutation,
    PriceListMutation,
    TaxMutation,
    DiscountMutation,
    AnnotationMutation,
    DraftOrderMutation,
    PayLinkMutation,
):
    @strawberry.mutation(description="Create a stock location (needs catalog:write).")
    async def create_warehouse(
        self, info: Info, input: CreateWarehouseInput
    ) -> CreateWarehousePayload:
        actor = authenticated(info)
        warehouse, errors = await attempt(
            lambda: catalog.create_warehouse(
                info.context.deps,
                actor,
                code=input.code,
                name=input.name,
                region=input.region,
                country_code=input.country_code,
                priority=input.priority,
                idempotency_key=input.idempotency_key,
            )
        )
        return CreateWarehousePayload(
            warehouse=WarehouseType.from_domain(warehouse) if warehouse else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Add a product to the catalog (needs catalog:write).")
    async def create_product(self, info: Info, input: CreateProductInput) -> CreateProductPayload:
        actor = authenticated(info)
        product, errors = await attempt(
            lambda: catalog.create_product(
                info.context.deps,
                actor,
                sku=input.sku,
                name=input.name,
                price_amount=input.price.amount,
                price_currency=input.price.currency,
                weight_grams=input.weight_grams,
                allow_backorder=input.allow_backorder,
                backorder_limit=input.backorder_limit,
                returnable=input.returnable,
                tax_class=input.tax_class,
                idempotency_key=input.idempotency_key,
            )
        )
        return CreateProductPayload(
            product=ProductType.from_domain(product) if product else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Change on-hand stock; recorded in the movement ledger (inventory:write)."
    )
    async def adjust_inventory(
        self, info: Info, input: AdjustInventoryInput
    ) -> AdjustInventoryPayload:
        actor = authenticated(info)

        async def run() -> InventoryLevel:
            return await inventory.adjust_inventory(
                info.context.deps,
                actor,
                sku=input.sku,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                delta=input.delta,
                reason=input.reason,
                note=input.note,
                idempotency_key=input.idempotency_key,
            )

        level, errors = await attempt(run)
        return AdjustInventoryPayload(
            inventory_level=InventoryLevelType.from_domain(level) if level else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Sign a customer in with email and password: a CUSTOMER token that sees "
        "only that customer's own orders. No token needed."
    )
    async def customer_login(self, info: Info, input: CustomerLoginInput) -> CustomerLoginPayload:
        context = info.context
        if refused := one_credential_check(info):
            return CustomerLoginPayload(user_errors=refused)
        issued, errors = await attempt(
            lambda: customers.customer_login(
                context.deps,
                email=input.email,
                password=input.password,
                client=context.client_address,
            )
        )
        if issued is None:
            return CustomerLoginPayload(user_errors=errors)
        found = await info.context.loaders.customer_by_id.load(issued_customer(issued))
        return CustomerLoginPayload(
            token=issued.token,
            expires_at=issued.expires_at,
            customer=CustomerType.from_domain(found) if found else None,
        )

    @strawberry.mutation(description="Register a customer (needs customers:write).")
    async def create_customer(
        self, info: Info, input: CreateCustomerInput
    ) -> CreateCustomerPayload:
        actor = authenticated(info)

        address = input.address.to_fields() if input.address is not None else None
        customer, errors = await attempt(
            lambda: customers.create_customer(
                info.context.deps,
                actor,
                email=input.email,
                name=input.name,
                phone=input.phone,
                password=input.password,
                address=address,
                idempotency_key=input.idempotency_key,
            )
        )
        return CreateCustomerPayload(
            customer=CustomerType.from_domain(customer) if customer else None,
            user_errors=errors,
        )


def issued_customer(issued: IssuedToken) -> int:
    assert issued.customer_id is not None
    return issued.customer_id
