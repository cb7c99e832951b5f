"""Never oversell over real HTTP: 64 concurrent placeOrder calls against ``serve --workers 2``."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_serve_e2e import (
    FINISHED,
    WORKERS,
    Server,
    admin_client,
    cli_env,
    graphql,
    ordergraph_executable,
    start_server,
    stock_a_product,
    wait_until_healthy,
)
from tests.support.databases import Databases

pytestmark = [pytest.mark.slow, pytest.mark.scale]

CALLERS = 64
STOCK = 20
IN_FLIGHT = 32  # requests open at once

PLACE_ORDER = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { number status lines { sku quantity } }
    userErrors { code field message }
  }
}"""
LEVELS = """
query($sku: String!) {
  product(sku: $sku) {
    available
    inventoryLevels { onHand reserved available warehouse { code } }
  }
  orders(first: 100) { totalCount nodes { number status } }
}"""


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ordergraph serve --workers 2`` on a fresh database, started as test_serve_e2e does."""
    database_url = databases.new_postgres()
    workdir = tmp_path_factory.mktemp("serve-orders")
    running = start_server(database_url, workdir, workers=WORKERS)
    try:
        wait_until_healthy(running)
        issued = subprocess.run(
            [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "race"],
            env=cli_env(database_url),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        running.admin_token = issued.stdout.strip()
        yield running
    finally:
        try:
            code = running.stop()
        finally:
            databases.drop_postgres(database_url)
    assert code == 0, f"server exited with {code} after SIGTERM\n{running.tail()}"
    assert running.log().count(FINISHED) == WORKERS, running.tail()


def order_input(index: int, sku: str) -> dict[str, Any]:
    return {
        "channel": "WEB",
        "lines": [{"sku": sku, "quantity": 1}],
        "email": f"racer{index}@example.com",
        "shippingAddress": {
            "name": f"Racer {index}",
            "line1": "Damrak 1",
            "city": "Amsterdam",
            "region": "EU-WEST",
            "postalCode": "1012 LG",
            "countryCode": "NL",
        },
    }


async def test_sixty_four_concurrent_http_orders_for_twenty_units_sell_exactly_twenty(
    server: Server,
) -> None:
    sku = "HTTP-RACE"
    async with admin_client(server) as client:
        await stock_a_product(client, "HTTP-W", sku, STOCK)
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def place(index: int) -> httpx.Response:
            async with gate:
                return await client.post(
                    "/graphql",
                    json={"query": PLACE_ORDER, "variables": {"input": order_input(index, sku)}},
                )

        responses = await asyncio.gather(*(place(i) for i in range(CALLERS)))
        after = await graphql(client, LEVELS, {"sku": sku})

    assert [r.status_code for r in responses] == [200] * CALLERS, server.tail()
    bodies = [r.json() for r in responses]
    assert [b for b in bodies if "errors" in b] == []
    payloads = [b["data"]["placeOrder"] for b in bodies]
    placed = [p["order"] for p in payloads if p["userErrors"] == []]
    refused = [p for p in payloads if p["userErrors"] != []]
    assert (len(placed), len(refused)) == (STOCK, CALLERS - STOCK)
    assert all(order is not None for order in placed)
    assert all(p["order"] is None for p in refused)
    codes = Counter(e["code"] for p in refused for e in p["userErrors"])
    assert codes == Counter({"OUT_OF_STOCK": CALLERS - STOCK})
    assert {o["status"] for o in placed} == {"PLACED"}
    assert all(o["lines"] == [{"sku": sku, "quantity": 1}] for o in placed)
    numbers = {o["number"] for o in placed}
    assert len(numbers) == STOCK

    product = after["product"]
    assert product["available"] == 0
    assert product["inventoryLevels"] == [
        {"onHand": STOCK, "reserved": STOCK, "available": 0, "warehouse": {"code": "HTTP-W"}}
    ]
    # The database holds exactly the orders the callers were told about.
    assert after["orders"]["totalCount"] == STOCK
    assert {o["number"] for o in after["orders"]["nodes"]} == numbers
