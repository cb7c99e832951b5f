"""Order queries: one order, and filtered, sorted pages of orders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.orders import OrderFilterSpec, orders_query
from ordergraph.domain.access import Reach, may_read_order, order_reach
from ordergraph.resolvers.annotation_filters import metadata_conditions, tag_condition
from ordergraph.resolvers.common import query_id
from ordergraph.schema.annotation_io import MetadataFilterInput
from ordergraph.schema.context import AuthError, Info, authenticated
from ordergraph.schema.enums import (
    Channel,
    OrderSortField,
    OrderStatus,
    PaymentStatus,
    SortDirection,
)
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.order import OrderType

MAX_FILTER_VALUES = 20
MAX_QUERY_LENGTH = 200


@strawberry.input(description="All given conditions must hold.")
class OrderFilter:
    status: list[OrderStatus] | None = None
    payment_status: list[PaymentStatus] | None = None
    channel: list[Channel] | None = None
    customer_id: strawberry.ID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the order number, email or contact name."
    )
    has_hold: bool | None = strawberry.field(default=None, description="Has an active hold.")
    at_risk: bool | None = strawberry.field(
        default=None, description="Late or likely to be (see Order.atRiskReasons)."
    )
    sales_rep: str | None = strawberry.field(
        default=None, description="Taken by this sales rep (exact match)."
    )
    source: str | None = strawberry.field(
        default=None, description="Imported from this channel (e.g. amazon)."
    )
    external_id: str | None = strawberry.field(
        default=None, description="The order's id on its source channel."
    )
    tag: str | None = strawberry.field(default=None, description="Has this tag (any case).")
    metadata: list[MetadataFilterInput] | None = strawberry.field(
        default=None, description="Every pair matches the order's (public) metadata."
    )
    query: str | None = strawberry.field(
        default=None,
        description="Part of the order number, email, contact name, a line's SKU or a "
        "shipment's tracking number; case-insensitive, trimmed, 1 to 200 characters.",
    )


@strawberry.input
class OrderSort:
    field: OrderSortField = OrderSortField.CREATED_AT
    direction: SortDirection = SortDirection.DESC


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _spec(info: Info, given: OrderFilter | None) -> OrderFilterSpec:
    principal = authenticated(info)
    f = given or OrderFilter()
    for values in (f.status, f.payment_status, f.channel):
        if values is not None and len(values) > MAX_FILTER_VALUES:
            raise _bad(f"a filter list takes at most {MAX_FILTER_VALUES} values")
    for name, moment in (("createdAfter", f.created_after), ("createdBefore", f.created_before)):
        if moment is not None and moment.tzinfo is None:
            raise _bad(f"{name} needs a UTC offset, e.g. 2026-01-31T00:00:00Z")
    if f.search is not None and len(f.search) > 200:
        raise _bad("search must be at most 200 characters")
    for name, text in (
        ("salesRep", f.sales_rep),
        ("source", f.source),
        ("externalId", f.external_id),
    ):
        if text is not None and len(text) > 200:
            raise _bad(f"{name} must be at most 200 characters")
    query = f.query.strip() if f.query is not None else None
    if query is not None and not 1 <= len(query) <= MAX_QUERY_LENGTH:
        raise _bad(f"query must be 1 to {MAX_QUERY_LENGTH} characters (after trimming)")
    customer_id = (
        query_id(f.customer_id, "Customer", "filter.customerId") if f.customer_id else None
    )
    reach = order_reach(principal)
    if reach.reach is Reach.NONE:
        raise AuthError("this needs the orders:read permission", "FORBIDDEN")
    if reach.reach is Reach.OWN:
        if customer_id is not None and not reach.allows(customer_id):
            return OrderFilterSpec(customer_id=-1)  # someone else's orders: nothing
        customer_id = reach.customer_id
    return OrderFilterSpec(
        statuses=[s.value for s in f.status or []],
        payment_statuses=[s.value for s in f.payment_status or []],
        channels=[c.value for c in f.channel or []],
        customer_id=customer_id,
        created_after=f.created_after,
        created_before=f.created_before,
        search=f.search.strip() if f.search else None,
        has_hold=f.has_hold,
        at_risk=f.at_risk,
        sales_rep=f.sales_rep.strip() if f.sales_rep is not None else None,
        source=f.source.strip().lower() if f.source is not None else None,
        external_id=f.external_id.strip() if f.external_id is not None else None,
        tag=tag_condition(f.tag),
        metadata=metadata_conditions(f.metadata),
        query=query,
    )


@strawberry.type
class OrderQuery:
    @strawberry.field
    async def order(self, info: Info, id: strawberry.ID) -> OrderType | None:
        principal = authenticated(info)
        if order_reach(principal).reach is Reach.NONE:
            raise AuthError("this needs the orders:read permission", "FORBIDDEN")
        order = await info.context.loaders.order_by_id.load(query_id(id, "Order", "id"))
        if order is None or not may_read_order(principal, order.customer_id):
            return None  # someone else's order: as if it did not exist
        return OrderType.from_domain(order)

    @strawberry.field(description="Orders, newest first unless sorted otherwise.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: OrderFilter | None = None,
        sort: OrderSort | None = None,
    ) -> Connection[OrderType]:
        spec = _spec(info, filter)
        order_by = sort or OrderSort()
        return await paginate(
            info,
            orders_query(spec, order_by.field),
            first=first,
            after=after,
            last=last,
            before=before,
            descending=order_by.direction is SortDirection.DESC,
            to_node=OrderType.from_row,
        )
