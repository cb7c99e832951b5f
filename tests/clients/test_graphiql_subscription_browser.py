"""A subscription run from GraphiQL itself, in headless Chromium driven by Playwright.

The page is the one ``GET /graphql`` serves a browser (strawberry's GraphiQL with vendored
assets: its bundle includes the graphql-ws client it uses for subscriptions). The query comes in
the page's own ``?q=`` share link; the user pastes the token into the headers editor, runs the
subscription and watches events arrive in the result pane while an order is placed and paid over
HTTP. Events are counted from the frames GraphiQL's websocket received (DevTools protocol) and
the last one is read back from the result pane. Playwright drives the system Chromium; it never
downloads a browser.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, WebSocket, expect

from ordergraph.web.graphiql import load_manifest
from tests.clients.journey import (
    EVENT_FIELDS,
    newest_event_id,
    place_and_pay_while_subscribed,
    stock_a_sku,
)
from tests.clients.matrix import Matrix, Row
from tests.e2e.test_serve_e2e import Server
from tests.support.browser import chromium_or_skip, launched_chromium
from tests.support.graphql import GraphQLClient

pytestmark = pytest.mark.slow

PAGE_MS = 30_000
GRAPHIQL_VERSION = next(a.version for a in load_manifest() if a.package == "graphiql")
STOP_SECONDS = 10


@pytest.fixture(scope="session")
def chromium() -> Path:
    return chromium_or_skip()


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with launched_chromium(chromium, "og-graphiql-") as launched:
        yield launched


class GraphiQLSockets:
    """The protocol messages GraphiQL's websockets sent and received, as the browser saw them."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.binary: list[bytes] = []  # graphql-ws refuses binary frames: any is a server bug
        self.answered = asyncio.Event()  # the server sent GraphiQL a first frame
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.completed = asyncio.Event()  # GraphiQL sent a complete: it ended a subscription
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.urls.append(socket.url)
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    # Playwright only logs what its event listeners raise, so they record and the test asserts.

    def _sent(self, payload: str | bytes) -> None:
        message = json.loads(payload)
        self.sent.append(message)
        if message.get("type") == "complete":
            self.completed.set()

    def _received(self, payload: str | bytes) -> None:
        self.answered.set()
        if isinstance(payload, bytes):
            self.binary.append(payload)
            return
        message = json.loads(payload)
        self.received.append(message)
        data = message.get("payload", {}).get("data") if message.get("type") == "next" else None
        if data and "orderEvents" in data:
            self.events.put_nowait(data["orderEvents"])

    def types_sent(self) -> list[str]:
        return [str(message["type"]) for message in self.sent]


async def open_graphiql(page: Page, base_url: str, query: str) -> None:
    await page.goto(f"{base_url}/graphql?q={quote(query)}", timeout=PAGE_MS)
    await page.get_by_role("button", name="Execute query").wait_for(timeout=PAGE_MS)


async def paste_headers(page: Page, headers: dict[str, str]) -> None:
    """What a user does: open the Headers tab, select all in its editor, paste."""
    await page.get_by_text("Headers", exact=True).click()
    editor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(json.dumps(headers))
    await expect(editor).to_contain_text('"Authorization"')


async def test_graphiql_runs_a_subscription_and_shows_the_events_of_an_order(
    served: Server, admin: GraphQLClient, browser: Browser, matrix: Matrix
) -> None:
    sku = await stock_a_sku(admin)
    cursor = await newest_event_id(admin)
    page = await browser.new_page()
    sockets = GraphiQLSockets(page)
    query = f'subscription {{ orderEvents(after: "{cursor}") {{ {EVENT_FIELDS} }} }}'
    await open_graphiql(page, served.base_url, query)
    result = page.locator(".result-window")

    # Without a token the subscription is refused, and GraphiQL shows why.
    await page.get_by_role("button", name="Execute query").click()
    await asyncio.wait_for(sockets.answered.wait(), PAGE_MS / 1000)
    assert sockets.binary == [], "the server sent binary websocket frames"
    await expect(result).to_contain_text("UNAUTHENTICATED", timeout=PAGE_MS)

    await paste_headers(page, {"Authorization": f"Bearer {served.admin_token}"})
    await page.get_by_role("button", name="Execute query").click()
    await expect(page.get_by_role("button", name="Stop query")).to_be_visible(timeout=PAGE_MS)
    received = await place_and_pay_while_subscribed(admin, sku, sockets.events.get)

    last_id, _sequence, last_type = received.events[-1]
    await expect(result).to_contain_text(f'"id": "{last_id}"', timeout=PAGE_MS)
    await expect(result).to_contain_text(last_type)
    # GraphiQL spoke graphql-transport-ws to /graphql, the token in connection_init's payload.
    assert set(sockets.urls) == {served.base_url.replace("http://", "ws://") + "/graphql"}
    inits = [m for m in sockets.sent if m["type"] == "connection_init"]
    assert inits[-1].get("payload") == {"Authorization": f"Bearer {served.admin_token}"}
    assert "subscribe" in sockets.types_sent()

    # Stopping it in GraphiQL completes the subscription on the wire.
    await page.get_by_role("button", name="Stop query").click()
    await expect(page.get_by_role("button", name="Execute query")).to_be_visible()
    await asyncio.wait_for(sockets.completed.wait(), STOP_SECONDS)
    client = f"GraphiQL {GRAPHIQL_VERSION} in Chromium (its bundled graphql-ws)"
    matrix.record(Row.of_subscription(client, "graphql-transport-ws", received))
