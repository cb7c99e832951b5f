"""The non-GraphQL surface: health, readiness, metrics, GraphiQL and GraphQL over websockets."""

from __future__ import annotations

import asyncio
import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.support.live import LiveApi

PROTOCOL = Subprotocol("graphql-transport-ws")
ASSET_PREFIX = "/static/graphiql/"
WS_TIMEOUT = 10


class _PageResources(HTMLParser):
    """Collect the script ``src`` and stylesheet ``href`` URLs of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.inline_scripts = 0
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            src = values.get("src")
            if src:
                self.scripts.append(src)
            else:
                self.inline_scripts += 1
        elif tag == "link" and values.get("rel") == "stylesheet" and values.get("href"):
            self.stylesheets.append(str(values["href"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def ws_url(live: LiveApi) -> str:
    return live.base_url.replace("http://", "ws://", 1) + "/graphql"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next protocol message, answering and skipping keep-alive pings."""
    while True:
        async with asyncio.timeout(WS_TIMEOUT):
            frame = await ws.recv()
            # the protocols carry JSON in text frames; standard clients refuse binary ones
            assert isinstance(frame, str), f"binary websocket frame: {frame!r}"
            message = json.loads(frame)
        assert isinstance(message, dict)
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if message["type"] == "pong":
            continue
        return message


async def messages_until_closed(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every message the server sends (pings skipped) until it closes the socket."""
    messages: list[dict[str, Any]] = []
    try:
        while True:
            messages.append(await receive(ws))
    except ConnectionClosed:
        return messages


async def ws_query(live: LiveApi, authorization: str | None, query: str) -> dict[str, Any]:
    """Run one query over graphql-transport-ws; returns the ``next`` payload."""
    payload = {"Authorization": authorization} if authorization else {}
    async with connect(ws_url(live), subprotocols=[PROTOCOL], open_timeout=WS_TIMEOUT) as ws:
        assert ws.subprotocol == PROTOCOL
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "q1", "type": "subscribe", "payload": {"query": query}}))
        result = await receive(ws)
        assert result["type"] == "next", result
        assert result["id"] == "q1"
        assert await receive(ws) == {"id": "q1", "type": "complete"}
        assert isinstance(result["payload"], dict)
        return result["payload"]


async def test_healthz_answers_ok(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


async def test_readyz_reports_ready_when_the_database_answers(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_metrics_are_prometheus_text_counting_requests_by_path_and_status(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/healthz")).status_code == 200

    response = await http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE ordergraph_http_requests_total counter" in response.text
    sample = re.search(
        r'^ordergraph_http_requests_total\{method="GET",path="/healthz",status="200"\} (\S+)$',
        response.text,
        re.MULTILINE,
    )
    assert sample is not None, response.text
    assert float(sample.group(1)) >= 1
    assert "ordergraph_http_request_duration_seconds_bucket" in response.text


async def test_unknown_paths_are_404_not_500(http: httpx.AsyncClient) -> None:
    assert (await http.get("/nope")).status_code == 404
    assert (await http.get("/static/graphiql/missing.js")).status_code == 404


async def test_graphiql_is_served_from_local_assets_that_all_load(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()
    resources = _PageResources()
    resources.feed(page.text)
    resources.close()
    assert resources.scripts, "the page loads no scripts"
    assert resources.inline_scripts >= 1
    assert resources.stylesheets, "the page loads no stylesheets"
    for url in resources.scripts + resources.stylesheets:
        assert url.startswith(ASSET_PREFIX), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert "unpkg.com" not in page.text


async def test_a_graphql_get_without_html_accept_is_not_the_ide(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "application/json"})
    assert 400 <= response.status_code < 500
    assert "<html" not in response.text.lower()


async def test_a_query_runs_over_a_websocket_authenticated_in_connection_init(
    live: LiveApi, http: httpx.AsyncClient
) -> None:
    over_http = await http.post(
        "/graphql",
        json={"query": "{ products(first: 1) { totalCount } }"},
        headers={"Authorization": f"Bearer {live.admin_token}"},
    )
    expected = over_http.json()["data"]["products"]["totalCount"]

    payload = await ws_query(
        live, f"Bearer {live.admin_token}", "{ products(first: 1) { totalCount } }"
    )

    assert "errors" not in payload, payload
    assert payload["data"] == {"products": {"totalCount": expected}}


async def test_a_websocket_without_a_token_is_anonymous_and_unauthenticated(
    live: LiveApi,
) -> None:
    payload = await ws_query(live, None, "{ products(first: 1) { totalCount } }")

    assert payload.get("data") is None
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]


async def test_a_websocket_storefront_token_keeps_its_limits(live: LiveApi) -> None:
    payload = await ws_query(
        live, f"Bearer {live.storefront_token}", "{ warehouses(first: 1) { totalCount } }"
    )
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize("authorization", ["Bearer wrong-token", "Basic x", "Bearer"])
async def test_a_wrong_token_in_connection_init_closes_the_socket_with_4403(
    live: LiveApi, authorization: str
) -> None:
    async with connect(ws_url(live), subprotocols=[PROTOCOL], open_timeout=WS_TIMEOUT) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": authorization}})
        )
        messages = await messages_until_closed(ws)
    assert messages == []
    assert ws.close_code == 4403
