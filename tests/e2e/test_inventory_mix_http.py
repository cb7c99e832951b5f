"""The stock ledger under load, over real HTTP against ``serve --workers 2`` on PostgreSQL.

A few hundred operations run at once — orders, cancellations, counts, transfers and their
receipts or cancellations, inbound shipments and their receipts — while a sampler keeps reading
every level. Whatever was refused, the audit afterwards recomputes every level from the ledger
and finds no drift, and no sample ever showed more reserved than on hand.
"""

from __future__ import annotations

import asyncio
import random
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
    wait_until_healthy,
)
from tests.support.databases import Databases

pytestmark = [pytest.mark.slow, pytest.mark.scale]

SKUS = ("MIX-A", "MIX-B", "MIX-C")
WAREHOUSES = ("MIX-AMS", "MIX-RTM")
START_STOCK = 30
OPERATIONS = 240
IN_FLIGHT = 24

SETUP_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id code } userErrors { code message } }
}"""
SETUP_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { sku } userErrors { code message } }
}"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { code message } }
}"""
PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id } userErrors { code field message } }
}"""
CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { id status } userErrors { code message } }
}"""
COUNT = """
mutation($input: SetInventoryInput!) {
  setInventory(input: $input) { inventoryLevel { onHand } userErrors { code message } }
}"""
TRANSFER = """
mutation($input: TransferInventoryInput!) {
  transferInventory(input: $input) { transfer { id status } userErrors { code message } }
}"""
RECEIVE_TRANSFER = """
mutation($input: TransferInput!) {
  receiveTransfer(input: $input) { transfer { id status } userErrors { code message } }
}"""
CANCEL_TRANSFER = """
mutation($input: TransferInput!) {
  cancelTransfer(input: $input) { transfer { id status } userErrors { code message } }
}"""
INBOUND = """
mutation($input: CreateInboundShipmentInput!) {
  createInboundShipment(input: $input) { inboundShipment { id } userErrors { code message } }
}"""
RECEIVE_INBOUND = """
mutation($input: ReceiveInboundShipmentInput!) {
  receiveInboundShipment(input: $input) {
    inboundShipment { id status } userErrors { code message }
  }
}"""
LEVELS = """
{ inventoryLevels(first: 100) {
    nodes { sku onHand reserved safetyStock inTransit incoming availableToSell warehouse { code } }
} }"""
AUDIT = """
{ inventoryAudit { levelsChecked drift { sku field expected actual warehouse { code } } } }"""


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database_url = databases.new_postgres()
    workdir = tmp_path_factory.mktemp("serve-stock-mix")
    running = start_server(database_url, workdir, workers=WORKERS)
    try:
        wait_until_healthy(running)
        issued = subprocess.run(
            [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "mix"],
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


async def _setup(client: httpx.AsyncClient) -> dict[str, str]:
    warehouses: dict[str, str] = {}
    for priority, code in enumerate(WAREHOUSES):
        made = (
            await graphql(
                client,
                SETUP_WAREHOUSE,
                {
                    "input": {
                        "code": code,
                        "name": code,
                        "region": "EU-WEST",
                        "countryCode": "NL",
                        "priority": priority,
                    }
                },
            )
        )["createWarehouse"]
        assert made["userErrors"] == []
        warehouses[code] = made["warehouse"]["id"]
    for sku in SKUS:
        made = (
            await graphql(
                client,
                SETUP_PRODUCT,
                {"input": {"sku": sku, "name": sku, "price": {"amount": "5", "currency": "EUR"}}},
            )
        )["createProduct"]
        assert made["userErrors"] == []
        for warehouse_id in warehouses.values():
            adjusted = (
                await graphql(
                    client,
                    ADJUST,
                    {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": START_STOCK}},
                )
            )["adjustInventory"]
            assert adjusted["userErrors"] == []
    return warehouses


def _address(i: int) -> dict[str, str]:
    return {
        "name": f"Mixer {i}",
        "line1": "Coolsingel 1",
        "city": "Rotterdam",
        "region": "EU-WEST",
        "postalCode": "3011 AD",
        "countryCode": "NL",
    }


class Mix:
    """The operations, drawn from a seeded generator; later ones act on what earlier ones made."""

    def __init__(self, client: httpx.AsyncClient, warehouses: dict[str, str]) -> None:
        self.client = client
        self.warehouse_ids = list(warehouses.values())
        self.random = random.Random(14)
        self.orders: list[str] = []
        self.transfers: list[str] = []
        self.inbound: list[str] = []
        self.outcomes: Counter[str] = Counter()
        self.statuses: list[int] = []
        self.top_level_errors: list[Any] = []

    async def call(self, name: str, query: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": {"input": payload}}
        )
        self.statuses.append(response.status_code)
        body = response.json()
        if "errors" in body:
            self.top_level_errors.append(body["errors"])
            return None
        result: dict[str, Any] = next(iter(body["data"].values()))
        codes = [e["code"] for e in result["userErrors"]]
        self.outcomes[f"{name}:{'ok' if not codes else ','.join(sorted(set(codes)))}"] += 1
        return result if not codes else None

    async def one(self, i: int) -> None:
        r = self.random
        sku = r.choice(SKUS)
        source, destination = r.sample(self.warehouse_ids, 2)
        kind = r.choices(
            [
                "order",
                "cancel",
                "count",
                "transfer",
                "receive_transfer",
                "cancel_transfer",
                "inbound",
                "receive_inbound",
            ],
            weights=[40, 10, 8, 10, 8, 4, 6, 6],
        )[0]
        if kind == "order":
            lines = [
                {"sku": s, "quantity": r.randint(1, 3)} for s in r.sample(SKUS, r.randint(1, 2))
            ]
            made = await self.call(
                "placeOrder",
                PLACE,
                {
                    "channel": "WEB",
                    "lines": lines,
                    "email": f"mix{i}@example.com",
                    "shippingAddress": _address(i),
                },
            )
            if made:
                self.orders.append(made["order"]["id"])
        elif kind == "cancel" and self.orders:
            await self.call(
                "cancelOrder",
                CANCEL,
                {"orderId": self.orders.pop(r.randrange(len(self.orders))), "reason": "mix"},
            )
        elif kind == "count":
            await self.call(
                "setInventory",
                COUNT,
                {"sku": sku, "warehouseId": source, "onHand": r.randint(5, 40)},
            )
        elif kind == "transfer":
            made = await self.call(
                "transferInventory",
                TRANSFER,
                {
                    "sku": sku,
                    "fromWarehouseId": source,
                    "toWarehouseId": destination,
                    "quantity": r.randint(1, 5),
                },
            )
            if made:
                self.transfers.append(made["transfer"]["id"])
        elif kind in ("receive_transfer", "cancel_transfer") and self.transfers:
            transfer = self.transfers.pop(r.randrange(len(self.transfers)))
            if kind == "receive_transfer":
                await self.call("receiveTransfer", RECEIVE_TRANSFER, {"transferId": transfer})
            else:
                await self.call("cancelTransfer", CANCEL_TRANSFER, {"transferId": transfer})
        elif kind == "inbound":
            made = await self.call(
                "createInboundShipment",
                INBOUND,
                {
                    "warehouseId": source,
                    "expectedAt": "2027-01-15T09:00:00Z",
                    "lines": [{"sku": sku, "quantity": r.randint(5, 20)}],
                },
            )
            if made:
                self.inbound.append(made["inboundShipment"]["id"])
        elif kind == "receive_inbound" and self.inbound:
            await self.call(
                "receiveInboundShipment",
                RECEIVE_INBOUND,
                {"inboundShipmentId": self.inbound.pop(r.randrange(len(self.inbound)))},
            )


async def test_a_mix_of_stock_operations_over_two_workers_leaves_no_drift(server: Server) -> None:
    async with admin_client(server) as client:
        warehouses = await _setup(client)
        mix = Mix(client, warehouses)
        samples: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def sample() -> None:
            async with admin_client(server) as reader:
                while not done.is_set():
                    samples.extend((await graphql(reader, LEVELS))["inventoryLevels"]["nodes"])
                    await asyncio.sleep(0.05)

        gate = asyncio.Semaphore(IN_FLIGHT)

        async def run(i: int) -> None:
            async with gate:
                await mix.one(i)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(run(i) for i in range(OPERATIONS)))
        done.set()
        await sampler
        audit = (await graphql(client, AUDIT))["inventoryAudit"]
        final = (await graphql(client, LEVELS))["inventoryLevels"]["nodes"]

    print("stock mix outcomes:", dict(sorted(mix.outcomes.items())), f"{len(samples)} samples")
    assert set(mix.statuses) == {200}, server.tail()
    assert mix.top_level_errors == []
    ok = {name for name, n in mix.outcomes.items() if name.endswith(":ok")}
    # the mix really mixed: every kind of operation succeeded at least once
    assert {n.split(":")[0] for n in ok} >= {
        "placeOrder",
        "cancelOrder",
        "setInventory",
        "transferInventory",
        "receiveTransfer",
        "createInboundShipment",
        "receiveInboundShipment",
    }, mix.outcomes
    refusals = {n.split(":", 1)[1] for n in mix.outcomes if not n.endswith(":ok")}
    assert refusals <= {"OUT_OF_STOCK", "INSUFFICIENT_STOCK", "ORDER_NOT_CANCELLABLE"}, mix.outcomes
    assert audit["drift"] == []
    assert audit["levelsChecked"] == len(SKUS) * len(WAREHOUSES)
    assert samples, "the sampler read nothing"
    assert min(s["onHand"] - s["reserved"] for s in samples + final) >= 0
    assert min(s["availableToSell"] for s in samples + final) >= 0
    assert all(s["inTransit"] >= 0 and s["incoming"] >= 0 for s in samples + final)

    audited = await asyncio.create_subprocess_exec(
        ordergraph_executable(),
        "inventory",
        "audit",
        env=cli_env(server.database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(audited.communicate(), timeout=60)
    assert audited.returncode == 0, output.decode()
