"""Python's ``gql`` client, unmodified, against ``ordergraph serve``: its HTTP transport (httpx)
for a query and a mutation, and its websockets transport on both GraphQL websocket protocols for
a subscription that receives the events of an order placed and paid meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from tests.clients.journey import (
    ORDER_EVENTS,
    Received,
    newest_event_id,
    place_and_pay_while_subscribed,
    stock_a_sku,
)
from tests.clients.matrix import Matrix, Row
from tests.e2e.test_serve_e2e import Server
from tests.support.graphql import GraphQLClient

pytestmark = pytest.mark.slow

GQL = f"gql {version('gql')}"
PRODUCT = "query($sku: String!) { product(sku: $sku) { sku name available } }"
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { sku name } userErrors { code message } }
}"""


def ws_url(server: Server) -> str:
    return server.base_url.replace("http://", "ws://", 1) + "/graphql"


def bearer(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_token}"}


@asynccontextmanager
async def http_session(server: Server) -> AsyncIterator[AsyncClientSession]:
    transport = HTTPXAsyncTransport(url=f"{server.base_url}/graphql", headers=bearer(server))
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


async def test_gql_over_http_runs_a_mutation_and_reads_it_back(
    served: Server, matrix: Matrix
) -> None:
    sku = f"GQL-HTTP-{served.process.pid}"
    async with http_session(served) as session:
        created = await session.execute(
            GraphQLRequest(
                CREATE_PRODUCT,
                variable_values={
                    "input": {
                        "sku": sku,
                        "name": "gql mug",
                        "price": {"amount": "4.00", "currency": "EUR"},
                    }
                },
            )
        )
        read = await session.execute(GraphQLRequest(PRODUCT, variable_values={"sku": sku}))
    assert created["createProduct"] == {
        "product": {"sku": sku, "name": "gql mug"},
        "userErrors": [],
    }
    assert read["product"] == {"sku": sku, "name": "gql mug", "available": 0}
    matrix.record(Row(f"{GQL} HTTPXAsyncTransport", "HTTP POST", "mutation + query", 2, 2))


async def test_gql_over_http_gets_a_clear_error_for_a_subscription(served: Server) -> None:
    async with http_session(served) as session:
        with pytest.raises(TransportQueryError) as raised:
            await session.execute(GraphQLRequest("subscription { orderEvents { id } }"))
    (error,) = raised.value.errors or []
    assert "websocket" in error["message"], error
    assert error["extensions"]["code"] == "SUBSCRIPTION_OVER_HTTP"


async def subscribe_and_collect(served: Server, admin: GraphQLClient, subprotocol: str) -> Received:
    sku = await stock_a_sku(admin)
    cursor = await newest_event_id(admin)
    transport = WebsocketsTransport(
        url=ws_url(served), init_payload=bearer(served), subprotocols=[subprotocol]
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        assert transport.subprotocol == subprotocol
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def listen() -> None:
            request = GraphQLRequest(ORDER_EVENTS, variable_values={"after": cursor})
            async for result in session.subscribe(request):
                await events.put(result["orderEvents"])

        listener = asyncio.create_task(listen())
        try:
            received = await place_and_pay_while_subscribed(admin, sku, events.get)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
    return received


@pytest.mark.parametrize(
    "subprotocol",
    [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL],
)
async def test_gql_websockets_transport_receives_the_events_of_an_order_placed_and_paid(
    served: Server, admin: GraphQLClient, matrix: Matrix, subprotocol: str
) -> None:
    received = await subscribe_and_collect(served, admin, subprotocol)
    assert received.types[0] == "order.placed", received.types
    matrix.record(Row.of_subscription(f"{GQL} WebsocketsTransport", subprotocol, received))
