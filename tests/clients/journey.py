"""The events every client must see: an order placed, then paid, while it is subscribed.

A client subscribes to ``orderEvents(after: <newest event id>)``; the test then places an order
and waits until the client has every event of it, and only then pays for it, so the payment
events reach an already running subscription live. What the client received must equal the
order's timeline as read over HTTP: same ids, same order, nothing missing, nothing twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.api.test_fulfillment_api import authorize_ok
from tests.api.test_place_order_api import order_input, place_ok, read_order
from tests.api.test_subscriptions_api import TIMELINE
from tests.support.graphql import GraphQLClient

EVENT_TIMEOUT = 15.0  # seconds a client may take to deliver the next expected event

EVENT_FIELDS = "id sequence type order { id number }"
ORDER_EVENTS = f"""
subscription OrderEvents($after: String) {{
  orderEvents(after: $after) {{ {EVENT_FIELDS} }}
}}"""
NEWEST_EVENTS = """
query {
  orders(first: 5, sort: {field: UPDATED_AT, direction: DESC}) { nodes { events { id } } }
}"""
CREATE_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id } userErrors { code message } }
}"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { sku } userErrors { code message } }
}"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { code message } }
}"""

Brief = tuple[str, int, str]  # (event id, sequence, type)
NextEvent = Callable[[], Awaitable[dict[str, Any]]]  # the client's next orderEvents payload


async def stock_a_sku(admin: GraphQLClient, units: int = 20) -> str:
    """A fresh warehouse and product with ``units`` in stock; the SKU."""
    tag = uuid.uuid4().hex[:8].upper()
    warehouse = await admin.mutate(
        CREATE_WAREHOUSE,
        {
            "input": {
                "code": f"CL-{tag}",
                "name": "Clients",
                "region": "EU-WEST",
                "countryCode": "DE",
            }
        },
    )
    assert warehouse["userErrors"] == [], warehouse
    sku = f"CLIENT-{tag}"
    product = await admin.mutate(
        CREATE_PRODUCT,
        {
            "input": {
                "sku": sku,
                "name": "Client mug",
                "price": {"amount": "9.50", "currency": "EUR"},
            }
        },
    )
    assert product["userErrors"] == [], product
    adjusted = await admin.mutate(
        ADJUST,
        {"input": {"sku": sku, "warehouseId": warehouse["warehouse"]["id"], "delta": units}},
    )
    assert adjusted["userErrors"] == [], adjusted
    return sku


async def newest_event_id(admin: GraphQLClient) -> str:
    """A cursor no later than the newest event: a subscription after it misses nothing new."""
    data = await admin.data(NEWEST_EVENTS)
    ids = [int(e["id"]) for order in data["orders"]["nodes"] for e in order["events"]]
    return str(max(ids, default=0))


async def timeline(admin: GraphQLClient, order_id: str) -> list[Brief]:
    order = await read_order(admin, order_id, TIMELINE)
    return [(e["id"], e["sequence"], e["type"]) for e in order["events"]]


def brief(event: dict[str, Any]) -> Brief:
    return (event["id"], event["sequence"], event["type"])


@dataclass(frozen=True)
class Received:
    events: list[Brief]  # what the client received for the order, in order
    timeline: list[Brief]  # the order's events as read over HTTP afterwards

    @property
    def types(self) -> list[str]:
        return [event_type for _id, _sequence, event_type in self.events]


async def _receive_up_to(
    admin: GraphQLClient, order_id: str, next_event: NextEvent, received: list[Brief]
) -> list[Brief]:
    """Take events from the client until it has the order's whole timeline (bounded)."""
    expected = await timeline(admin, order_id)
    while len(received) < len(expected):
        try:
            event = await asyncio.wait_for(next_event(), EVENT_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"no further event within {EVENT_TIMEOUT} s; received {received}, "
                f"expected {expected}"
            ) from None
        if event["order"]["id"] == order_id:  # other tests' orders may stream by too
            received.append(brief(event))
    assert received == expected
    return expected


async def place_and_pay_while_subscribed(
    admin: GraphQLClient, sku: str, next_event: NextEvent
) -> Received:
    """Place and pay an order; every event of it, as the subscribed client received them."""
    order = await place_ok(admin, order_input([(sku, 1)], email="client@example.com"))
    received: list[Brief] = []
    await _receive_up_to(admin, order["id"], next_event, received)
    placed = len(received)
    await authorize_ok(admin, order["id"])
    final = await _receive_up_to(admin, order["id"], next_event, received)
    assert len(received) > placed, "paying added no event"
    return Received(received, final)
