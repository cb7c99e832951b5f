"""The GraphQL schema, assembled with its safety and performance extensions."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
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
from ordergraph.schema.hygiene import NoNulInStringLiterals, RejectNulVariables
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.order import OrderLineType, OrderType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.returns import RefundType, ReturnType
from ordergraph.schema.types.shipment import ShipmentType
from ordergraph.schema.types.warehouse import WarehouseType

# Errors that carry a code were raised on purpose and are safe to show; anything else is a bug
# whose details (SQL, paths) must not leak outside development.
EXPECTED_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "INVALID_ID",
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
    }
)


def _should_mask(error: GraphQLError) -> bool:
    if error.original_error is None:
        return False  # parse and validation errors: about the query, not our internals
    code = (error.extensions or {}).get("code")
    return code not in EXPECTED_CODES


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 5000,
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
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=_should_mask))
        extensions.append(DisableIntrospection)
    return Schema(
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
    )
