"""Subscriptions, fed by the outbox through this process's broker.

``orderEvents(after:)`` subscribes to the live feed first, then replays what the caller missed
from the outbox, then goes live, skipping anything the replay already sent: no gap and no
duplicate at the seam. Each caller sees only what it may read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.orders import EventRow
from ordergraph.domain.access import Reach, may_read_event, may_see_on_timeline, order_reach
from ordergraph.domain.principals import Principal, Scope
from ordergraph.events.broker import OutboxEvent, SubscriberTooSlow
from ordergraph.events.broker import Subscription as Feed
from ordergraph.events.relay import current_position, read_after
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import AuthError, Info, authenticated, require
from ordergraph.schema.loaders import Loaders
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.order_event import OrderEventType
from ordergraph.schema.types.shipment import ShipmentType

# every ledger write records inventory.changed (an adjustment also records inventory.adjusted)
INVENTORY_EVENTS = frozenset({"inventory.changed"})
INVENTORY_LOW = "inventory.low"


def _feed(info: Info) -> Feed:
    broker = info.context.broker
    if broker is None:
        raise GraphQLError("subscriptions are not available", extensions={"code": "UNAVAILABLE"})
    return broker.subscribe()


def _fresh(info: Info) -> None:
    # a websocket context lives for the whole connection: never serve a cached row twice
    info.context.loaders = Loaders.build(info.context.read_engine)


def _as_type(event: OutboxEvent) -> OrderEventType:
    assert event.order_id is not None
    assert event.sequence is not None
    return OrderEventType.from_row(
        EventRow(
            event.id,
            event.order_id,
            event.sequence,
            event.type,
            event.payload,
            event.actor,
            event.occurred_at,
        )
    )


class SentIds:
    """Ids delivered on one subscription, bounded: very old ones are forgotten."""

    def __init__(self, keep: int = 10_000) -> None:
        self._ids: set[int] = set()
        self._keep = keep

    def add(self, event_id: int) -> None:
        self._ids.add(event_id)
        if len(self._ids) > self._keep:
            for old in sorted(self._ids)[: len(self._ids) - self._keep]:
                self._ids.discard(old)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        raise GraphQLError("after: not a valid event cursor", extensions={"code": "BAD_USER_INPUT"})
    return int(after)


async def _live(feed: Feed) -> AsyncGenerator[OutboxEvent, None]:
    try:
        async for event in feed:
            yield event
    except SubscriberTooSlow:
        raise GraphQLError(
            "this subscriber fell too far behind and was dropped; resubscribe with "
            "orderEvents(after: <last id received>)",
            extensions={"code": "SUBSCRIBER_TOO_SLOW"},
        ) from None
    finally:
        feed.close()


async def _may_see_order(info: Info, principal: Principal, order_id: int) -> bool:
    reach = order_reach(principal)
    if reach.reach is not Reach.OWN:
        return reach.reach is Reach.ALL
    order = await info.context.loaders.order_by_id.load(order_id)
    return order is not None and reach.allows(order.customer_id)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every order event (needs orders:read), oldest first. Pass the id of the "
        "last event you received as `after` to resume with no gap and no duplicate."
    )
    async def order_events(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[OrderEventType, None]:
        require(info, Scope.ORDERS_READ)
        start = _cursor(after)
        feed = _feed(info)  # first, so nothing committed during the replay is missed
        engine = info.context.read_engine
        # Ids already sent, not just the highest: a transaction that commits after a later one
        # shows up with a lower id, and must still be delivered (once).
        sent = SentIds()
        newest = await current_position(info.context.write_engine or engine)
        if start is not None and start > newest:
            # a cursor from another database or typed by hand: following it would skip every
            # event until the ids caught up with it, which looks like a feed that never speaks
            raise GraphQLError(
                f"after: {start} is ahead of the newest event ({newest}); pass the id of an "
                "event you received, or leave `after` out to start from now",
                extensions={"code": "BAD_USER_INPUT"},
            )
        last = start if start is not None else newest
        try:
            while True:
                batch = await read_after(engine, last)
                for event in batch:
                    last = event.id
                    sent.add(event.id)
                    if event.order_id is not None:
                        _fresh(info)
                        yield _as_type(event)
                if len(batch) < 500:
                    break
            async for event in _live(feed):
                if event.id in sent or event.order_id is None:
                    continue
                if start is not None and event.id <= start:
                    continue  # the client said it has everything up to its cursor
                sent.add(event.id)
                _fresh(info)
                yield _as_type(event)
        finally:
            feed.close()

    @strawberry.subscription(
        description="Events of one order, or of every order the caller may see."
    )
    async def order_updated(
        self, info: Info, order_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderEventType, None]:
        principal = authenticated(info)
        wanted = query_id(order_id, "Order", "orderId") if order_id else None
        if order_reach(principal).reach is Reach.NONE:
            raise AuthError("this needs the orders:read permission", "FORBIDDEN")
        if wanted is not None and not await _may_see_order(info, principal, wanted):
            raise AuthError("no such order", "FORBIDDEN")
        async for event in _live(_feed(info)):
            if event.order_id is None or (wanted is not None and event.order_id != wanted):
                continue
            _fresh(info)
            if wanted is None and not await _may_see_order(info, principal, event.order_id):
                continue
            if not may_see_on_timeline(principal, event.type):
                continue  # staff notes and rule runs: as on the order's timeline
            yield _as_type(event)

    @strawberry.subscription(description="A shipment of the order changed (created or scanned).")
    async def shipment_updated(
        self, info: Info, order_id: strawberry.ID
    ) -> AsyncGenerator[ShipmentType, None]:
        principal = authenticated(info)
        wanted = query_id(order_id, "Order", "orderId")
        if not await _may_see_order(info, principal, wanted):
            raise AuthError("this needs the orders:read permission", "FORBIDDEN")
        async for event in _live(_feed(info)):
            if event.order_id != wanted or not event.type.startswith("shipment."):
                continue
            shipment_id = event.payload.get("shipmentId")
            if not isinstance(shipment_id, int):
                continue
            _fresh(info)
            shipment = await info.context.loaders.shipment_by_id.load(shipment_id)
            if shipment is not None:
                yield ShipmentType.from_domain(shipment)

    @strawberry.subscription(
        description="Stock of a SKU changed somewhere. Storefront tokens may select only "
        "`available`; onHand and reserved need inventory:read."
    )
    async def inventory_changed(
        self, info: Info, sku: str | None = None
    ) -> AsyncGenerator[InventoryLevelType, None]:
        principal = authenticated(info)
        if not (principal.can(Scope.INVENTORY_READ) or principal.can(Scope.CATALOG_READ)):
            raise AuthError("this needs the catalog:read permission", "FORBIDDEN")
        async for event in _live(_feed(info)):
            if event.type not in INVENTORY_EVENTS or not may_read_event(principal, event.type):
                continue
            event_sku = event.payload.get("sku")
            warehouse_id = event.payload.get("warehouseId")
            if not isinstance(event_sku, str) or not isinstance(warehouse_id, int):
                continue
            if sku is not None and event_sku != sku:
                continue
            _fresh(info)
            level = await info.context.loaders.level_by_key.load((event_sku, warehouse_id))
            if level is not None:
                yield InventoryLevelType.from_domain(level)

    @strawberry.subscription(
        description="A level's availableToSell dropped below its lowStockThreshold "
        "(INVENTORY_LOW; needs inventory:read). The same event reaches webhooks as "
        "inventory.low."
    )
    async def inventory_low(
        self, info: Info, sku: str | None = None
    ) -> AsyncGenerator[InventoryLevelType, None]:
        require(info, Scope.INVENTORY_READ)
        async for event in _live(_feed(info)):
            if event.type != INVENTORY_LOW:
                continue
            event_sku = event.payload.get("sku")
            warehouse_id = event.payload.get("warehouseId")
            if not isinstance(event_sku, str) or not isinstance(warehouse_id, int):
                continue
            if sku is not None and event_sku != sku:
                continue
            _fresh(info)
            level = await info.context.loaders.level_by_key.load((event_sku, warehouse_id))
            if level is not None:
                yield InventoryLevelType.from_domain(level)
