"""The Node.js ``graphql-ws`` client (v6, with ``ws``), unmodified, subscribed to ``orderEvents``
on ``ordergraph serve`` while an order is placed and paid over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.clients.journey import (
    EVENT_TIMEOUT,
    ORDER_EVENTS,
    newest_event_id,
    place_and_pay_while_subscribed,
    stock_a_sku,
)
from tests.clients.matrix import Matrix, Row
from tests.clients.nodejs import NODE_DIR, NodeJs
from tests.e2e.test_serve_e2e import Server
from tests.support.graphql import GraphQLClient

pytestmark = pytest.mark.slow

EXIT_SECONDS = 10


def package_version(node_modules: Path, name: str) -> str:
    manifest = json.loads((node_modules / name / "package.json").read_text())
    version: str = manifest["version"]
    return version


class NodeSubscriber:
    """``node subscribe.mjs``: one JSON line per protocol step on its stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def message(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            assert self.process.stderr is not None
            errors = (await self.process.stderr.read()).decode(errors="replace")
            raise AssertionError(f"node subscriber ended: {errors[-3000:]}")
        message = json.loads(line)
        assert isinstance(message, dict)
        return message

    async def next_event(self) -> dict[str, Any]:
        message = await self.message()
        assert "next" in message, message
        result = message["next"]
        assert "errors" not in result, result
        event = result["data"]["orderEvents"]
        assert isinstance(event, dict)
        return event

    async def stop(self) -> int:
        """Close its stdin: the script disposes of the client and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            return await asyncio.wait_for(self.process.wait(), EXIT_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
            raise AssertionError("node subscriber did not exit") from None


async def test_graphql_ws_for_node_receives_the_events_of_an_order_placed_and_paid(
    served: Server, admin: GraphQLClient, matrix: Matrix, node: NodeJs, node_modules: Path
) -> None:
    sku = await stock_a_sku(admin)
    cursor = await newest_event_id(admin)
    ws_url = served.base_url.replace("http://", "ws://", 1) + "/graphql"
    process = await asyncio.create_subprocess_exec(
        node.path,
        "subscribe.mjs",
        ws_url,
        served.admin_token,
        ORDER_EVENTS,
        json.dumps({"after": cursor}),
        cwd=NODE_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    subscriber = NodeSubscriber(process)
    try:
        assert await asyncio.wait_for(subscriber.message(), EVENT_TIMEOUT) == {"connected": True}
        received = await place_and_pay_while_subscribed(admin, sku, subscriber.next_event)
    finally:
        code = await subscriber.stop()
    assert code == 0
    assert received.types[0] == "order.placed", received.types
    client = (
        f"graphql-ws {package_version(node_modules, 'graphql-ws')} "
        f"(node {node.version}, ws {package_version(node_modules, 'ws')})"
    )
    matrix.record(Row.of_subscription(client, "graphql-transport-ws", received))
