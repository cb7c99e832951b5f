"""The GraphQL schema, assembled with its safety and performance extensions."""

from __future__ import annotations

from collections.abc import Callable

from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from ordergraph.resolvers.mutation import Mutation
from ordergraph.resolvers.query import Query
from ordergraph.resolvers.subscription import Subscription
from ordergraph.schema.access import enforce
from ordergraph.schema.cost import QueryCost
from ordergraph.schema.hygiene import NoNulInStringLiterals, RejectNulVariables
from ordergraph.schema.masking import MaskUnexpectedErrors, OrdergraphSchema
from ordergraph.schema.scalars import SCALAR_OVERRIDES
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.order import OrderLineType, OrderType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.returns import RefundType, ReturnType
from ordergraph.schema.types.shipment import ShipmentType
from ordergraph.schema.types.warehouse import WarehouseType


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 5000,
    max_cost: int = 2000,
) -> Schema:
    # Factories, not instances: strawberry builds fresh extensions per request; the parser and
    # validation caches live at module level, so they are still shared.
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules([NoNulInStringLiterals]),
        RejectNulVariables,
        lambda: QueryCost(max_cost=max_cost),
        lambda: MaskUnexpectedErrors(production=production),
    ]
    if production:
        extensions.append(DisableIntrospection)
    schema = OrdergraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            ProductType,
            WarehouseType,
            InventoryLevelType,
            CustomerType,
            OrderType,
            OrderLineType,
            FulfillmentType,
            ShipmentType,
            ReturnType,
            RefundType,
        ],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides=SCALAR_OVERRIDES,
    )
    enforce(schema._schema)  # every field's declared access rule, checked before it resolves
    return schema
