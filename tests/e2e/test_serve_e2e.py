"""``ordergraph serve`` with two worker processes, driven over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.databases import Databases
from tests.support.pg import free_port

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 20
STOP_SECONDS = 10
WORKERS = 2
STARTED = "Application startup complete."
FINISHED = "Finished server process"


def ordergraph_executable() -> str:
    return str(Path(sys.executable).parent / "ordergraph")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    database_url: str
    admin_token: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self) -> str:
        return self.log()[-4000:]

    def stop(self) -> int:
        """SIGTERM, then SIGKILL the server's own process group if it hangs; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)
                raise AssertionError(f"server ignored SIGTERM\n{self.tail()}") from None
        return self.process.returncode


def wait_until_healthy(server: Server) -> None:
    """Until /healthz answers and every worker has finished its startup (bounded)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=server.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {server.process.returncode}\n{server.tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                healthy = client.get("/healthz").status_code == 200
                if healthy and server.log().count(STARTED) == WORKERS:
                    return
            time.sleep(0.1)
    raise AssertionError(f"server not up within {STARTUP_SECONDS} s\n{server.tail()}")


def cli_env(database_url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.setdefault("ORDERGRAPH_QUERY_COST_BUDGET", str(10**9))  # one busy trusted client
    env.pop("READ_DATABASE_URL", None)
    return env


def start_server(database_url: str, workdir: Path, *, workers: int, name: str = "server") -> Server:
    """``ordergraph serve`` on a free port, logging to ``workdir/<name>.log``."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                ordergraph_executable(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=cli_env(database_url),
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a hung server can be killed whole
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path, database_url)


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database_url = databases.new_postgres()
    workdir = tmp_path_factory.mktemp("serve")
    running = start_server(database_url, workdir, workers=WORKERS)
    try:
        wait_until_healthy(running)
        issued = subprocess.run(
            [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "e2e"],
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
    # Stopping cleanly: exit code 0 and every worker ran its shutdown to the end.
    assert code == 0, f"server exited with {code} after SIGTERM\n{running.tail()}"
    assert running.log().count(FINISHED) == WORKERS, running.tail()


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def admin_client(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=30,
    )


CREATE_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id code } userErrors { code message } }
}"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { sku } userErrors { code message } }
}"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { code message } }
}"""
PRODUCT = """
query($sku: String!) {
  product(sku: $sku) { available inventoryLevels { onHand warehouse { code } } }
}"""


async def stock_a_product(client: httpx.AsyncClient, code: str, sku: str, units: int) -> str:
    warehouse = (
        await graphql(
            client,
            CREATE_WAREHOUSE,
            {"input": {"code": code, "name": code, "region": "EU-WEST", "countryCode": "NL"}},
        )
    )["createWarehouse"]
    assert warehouse["userErrors"] == []
    warehouse_id: str = warehouse["warehouse"]["id"]
    product = (
        await graphql(
            client,
            CREATE_PRODUCT,
            {
                "input": {
                    "sku": sku,
                    "name": f"Product {sku}",
                    "price": {"amount": "12.50", "currency": "EUR"},
                }
            },
        )
    )["createProduct"]
    assert product["userErrors"] == []
    assert product["product"]["sku"] == sku
    adjusted = (
        await graphql(
            client,
            ADJUST,
            {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": units}},
        )
    )["adjustInventory"]
    assert adjusted["userErrors"] == []
    assert adjusted["inventoryLevel"]["onHand"] == units
    return warehouse_id


async def test_server_reports_healthy_and_ready(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_stock_created_over_http_is_visible_on_the_product(server: Server) -> None:
    async with admin_client(server) as client:
        await stock_a_product(client, "E2E-A", "E2E-STOCK", 7)
        data = await graphql(client, PRODUCT, {"sku": "E2E-STOCK"})
    product = data["product"]
    assert product["available"] == 7
    assert product["inventoryLevels"] == [{"onHand": 7, "warehouse": {"code": "E2E-A"}}]


async def test_concurrent_requests_across_two_workers_lose_no_adjustment(server: Server) -> None:
    start, adjustments, reads = 10, 20, 20
    async with admin_client(server) as client:
        warehouse_id = await stock_a_product(client, "E2E-B", "E2E-RACE", start)

        async def adjust() -> httpx.Response:
            return await client.post(
                "/graphql",
                json={
                    "query": ADJUST,
                    "variables": {
                        "input": {"sku": "E2E-RACE", "warehouseId": warehouse_id, "delta": 1}
                    },
                },
            )

        async def read() -> httpx.Response:
            return await client.post(
                "/graphql", json={"query": PRODUCT, "variables": {"sku": "E2E-RACE"}}
            )

        # Interleave writes and reads so both kinds are in flight at once.
        pairs = zip(
            [adjust() for _ in range(adjustments)], [read() for _ in range(reads)], strict=True
        )
        responses = await asyncio.gather(*(call for pair in pairs for call in pair))

        assert [r.status_code for r in responses] == [200] * (adjustments + reads)
        bodies = [r.json() for r in responses]
        assert [b for b in bodies if "errors" in b] == []
        adjusted = [b["data"]["adjustInventory"] for b in bodies if "adjustInventory" in b["data"]]
        assert len(adjusted) == adjustments
        assert all(a["userErrors"] == [] for a in adjusted)
        # Each adjustment saw a distinct on-hand value: none overwrote another.
        seen = sorted(a["inventoryLevel"]["onHand"] for a in adjusted)
        assert seen == list(range(start + 1, start + adjustments + 1))
        for body in bodies:
            if "product" in body["data"]:
                on_hand = body["data"]["product"]["inventoryLevels"][0]["onHand"]
                assert start <= on_hand <= start + adjustments

        final = await graphql(client, PRODUCT, {"sku": "E2E-RACE"})
    assert final["product"]["inventoryLevels"] == [
        {"onHand": start + adjustments, "warehouse": {"code": "E2E-B"}}
    ]
    assert final["product"]["available"] == start + adjustments
