"""A subscription sent over plain HTTP is a clear request error (400), never executed; and a
request error never carries ``data`` for clients that accept ``application/graphql-response+json``
(GraphQL over HTTP). Subscriptions themselves are served over websockets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.live import LiveApi

GRAPHQL_RESPONSE = "application/graphql-response+json"
SUBSCRIPTION = "subscription { orderEvents { id type } }"


def auth(live: LiveApi, accept: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {live.admin_token}"}
    if accept is not None:
        headers["Accept"] = accept
    return headers


def assert_subscription_refused(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SUBSCRIPTION_OVER_HTTP"
    assert "websockets at /graphql" in error["message"]
    assert "graphql-transport-ws" in error["message"]


async def test_a_subscription_posted_as_json_is_a_400_pointing_at_websockets(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    response = await http.post("/graphql", json={"query": SUBSCRIPTION}, headers=auth(live))
    assert_subscription_refused(response)
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "accept",
    [
        GRAPHQL_RESPONSE,
        "application/json",
        "*/*",
        'multipart/mixed;subscriptionSpec="1.0", application/json',  # not offered: one transport
        "text/event-stream",
    ],
)
async def test_a_subscription_is_refused_whatever_the_client_accepts(
    http: httpx.AsyncClient, live: LiveApi, accept: str
) -> None:
    response = await http.post("/graphql", json={"query": SUBSCRIPTION}, headers=auth(live, accept))
    assert_subscription_refused(response)


async def test_a_subscription_by_get_is_refused_too(http: httpx.AsyncClient, live: LiveApi) -> None:
    response = await http.get(
        "/graphql", params={"query": SUBSCRIPTION}, headers=auth(live, "application/json")
    )
    assert_subscription_refused(response)


async def test_the_named_subscription_of_a_document_is_refused_and_its_query_still_runs(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    document = "query Typename { __typename } subscription Events { orderEvents { id } }"
    refused = await http.post(
        "/graphql",
        json={"query": document, "operationName": "Events"},
        headers=auth(live),
    )
    assert_subscription_refused(refused)
    ran = await http.post(
        "/graphql",
        json={"query": document, "operationName": "Typename"},
        headers=auth(live),
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["data"] == {"__typename": "Query"}
    assert "errors" not in ran.json()


async def test_a_query_that_only_mentions_subscription_runs_normally(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": '# no subscription here\n{ product(sku: "subscription") { sku } }'},
        headers=auth(live),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"product": None}
    assert "errors" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [("{", "Syntax Error"), ("{ noSuchField }", "Cannot query field 'noSuchField'")],
)
async def test_a_parse_or_validation_failure_has_no_data_for_graphql_response_json_clients(
    http: httpx.AsyncClient, live: LiveApi, query: str, message: str
) -> None:
    response = await http.post(
        "/graphql", json={"query": query}, headers=auth(live, GRAPHQL_RESPONSE)
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body, body
    assert message in body["errors"][0]["message"]


async def test_a_field_error_keeps_its_data_entry_and_200(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    # executed, so a response with data (null) and a path: not a request error
    response = await http.post(
        "/graphql",
        json={"query": '{ order(id: "not-an-id") { id } }'},
        headers=auth(live, GRAPHQL_RESPONSE),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" in body, body
    assert body["errors"][0]["path"] == ["order"]
