"""SQL statements per request stay constant in the page size: DataLoaders batch, nothing is N+1.

The server's engine reports every statement to ``live.sql``; the bearer-token lookup is one of
them. Transaction control (SQLite's ``BEGIN DEFERRED`` on each connection) is not a query and is
left out of the counts. The module's database holds only what the fixture below creates.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.aio import run_sync
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

ROWS = 50
MAX_STATEMENTS = 6
MAX_ALIASES = 30  # the server's limit on aliases per operation
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

PRODUCTS = """
query($first: Int!) {
  products(first: $first) {
    nodes { sku available inventoryLevels { onHand warehouse { code } } }
  }
}"""

CUSTOMERS = """
query($first: Int!) {
  customers(first: $first) {
    nodes { email addresses { city countryCode } defaultAddress { city } }
  }
}"""

LEVELS = """
query($first: Int!) {
  inventoryLevels(first: $first) {
    nodes { sku onHand warehouse { code } product { sku available price { amount } } }
  }
}"""

MOVEMENTS = """
query($first: Int!) {
  inventoryMovements(first: $first) {
    nodes { sku delta field reason occurredAt warehouse { code } }
  }
}"""


@dataclass(frozen=True)
class Seeded:
    skus: list[str]
    warehouse_codes: list[str]
    emails: list[str]


async def _seed(live: LiveApi) -> Seeded:
    prefix = f"QC-{uuid.uuid4().hex[:6].upper()}"
    headers = {"Authorization": f"Bearer {live.admin_token}"}
    gate = asyncio.Semaphore(8)

    async with httpx.AsyncClient(base_url=live.base_url, headers=headers, timeout=60) as client:

        async def post(query: str, values: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                response = await client.post(
                    "/graphql", json={"query": query, "variables": {"input": values}}
                )
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            (payload,) = body["data"].values()
            assert payload["userErrors"] == [], payload
            assert isinstance(payload, dict)
            return payload

        warehouse_ids: list[str] = []
        codes = [f"{prefix}-W{i}" for i in range(2)]
        for code in codes:
            created = await post(
                """mutation($input: CreateWarehouseInput!) {
                     createWarehouse(input: $input) { warehouse { id } userErrors { code } }
                   }""",
                {"code": code, "name": code, "region": "EU", "countryCode": "BE"},
            )
            warehouse_ids.append(created["warehouse"]["id"])

        skus = [f"{prefix}-{i:02d}" for i in range(ROWS)]

        async def product(sku: str) -> None:
            await post(
                """mutation($input: CreateProductInput!) {
                     createProduct(input: $input) { userErrors { code } }
                   }""",
                {"sku": sku, "name": sku, "price": {"amount": "2.50", "currency": "EUR"}},
            )
            for quantity, warehouse_id in enumerate(warehouse_ids, start=1):
                await post(
                    """mutation($input: AdjustInventoryInput!) {
                         adjustInventory(input: $input) { userErrors { code } }
                       }""",
                    {
                        "sku": sku,
                        "warehouseId": warehouse_id,
                        "delta": quantity,
                        "reason": "RECEIVED",
                    },
                )

        emails = [f"{prefix.lower()}-{i}@example.com" for i in range(ROWS)]

        async def customer(index: int, email: str) -> None:
            await post(
                """mutation($input: CreateCustomerInput!) {
                     createCustomer(input: $input) { userErrors { code } }
                   }""",
                {
                    "email": email,
                    "name": f"Customer {index}",
                    "address": {
                        "name": f"Customer {index}",
                        "line1": f"{index} Rue Haute",
                        "city": "Brussels",
                        "countryCode": "BE",
                    },
                },
            )

        await asyncio.gather(
            *(product(sku) for sku in skus),
            *(customer(i, email) for i, email in enumerate(emails)),
        )
    return Seeded(skus=skus, warehouse_codes=codes, emails=emails)


@pytest.fixture(scope="module")
def seeded(live: LiveApi) -> Seeded:
    """50 products stocked in two warehouses, and 50 customers with an address each."""
    return run_sync(lambda: _seed(live))


def queries(live: LiveApi) -> list[str]:
    """The statements the server ran since the last ``clear()``, without transaction control."""
    return [
        statement
        for statement in list(live.sql.statements)
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]


async def statements_for(
    client: GraphQLClient, live: LiveApi, query: str, first: int
) -> tuple[int, dict[str, Any], list[str]]:
    live.sql.clear()
    data = await client.data(query, {"first": first})
    statements = queries(live)
    return len(statements), data, statements


async def test_products_with_levels_and_warehouses_take_constant_statements(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    small, small_data, small_sql = await statements_for(admin, live, PRODUCTS, 5)
    large, large_data, large_sql = await statements_for(admin, live, PRODUCTS, ROWS)

    assert len(small_data["products"]["nodes"]) == 5
    nodes = large_data["products"]["nodes"]
    assert sorted(n["sku"] for n in nodes) == seeded.skus
    for product in nodes:
        assert product["available"] == 3
        assert sorted(
            (lv["warehouse"]["code"], lv["onHand"]) for lv in product["inventoryLevels"]
        ) == [(seeded.warehouse_codes[0], 1), (seeded.warehouse_codes[1], 2)]
    assert small == large, (small_sql, large_sql)
    assert large <= MAX_STATEMENTS, large_sql


async def test_customers_with_addresses_take_constant_statements(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    small, small_data, small_sql = await statements_for(admin, live, CUSTOMERS, 5)
    large, large_data, large_sql = await statements_for(admin, live, CUSTOMERS, ROWS)

    assert len(small_data["customers"]["nodes"]) == 5
    nodes = large_data["customers"]["nodes"]
    assert sorted(n["email"] for n in nodes) == sorted(seeded.emails)
    for customer in nodes:
        assert customer["addresses"] == [{"city": "Brussels", "countryCode": "BE"}]
        assert customer["defaultAddress"] == {"city": "Brussels"}
    assert small == large, (small_sql, large_sql)
    assert large <= MAX_STATEMENTS, large_sql


async def test_inventory_levels_with_products_and_warehouses_take_constant_statements(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    small, small_data, small_sql = await statements_for(admin, live, LEVELS, 5)
    large, large_data, large_sql = await statements_for(admin, live, LEVELS, 100)

    assert len(small_data["inventoryLevels"]["nodes"]) == 5
    nodes = large_data["inventoryLevels"]["nodes"]
    assert len(nodes) == 2 * ROWS
    assert {n["product"]["sku"] for n in nodes} == set(seeded.skus)
    assert all(n["product"]["available"] == 3 for n in nodes)
    assert small == large, (small_sql, large_sql)
    assert large <= MAX_STATEMENTS, large_sql


async def test_inventory_movements_with_warehouses_take_constant_statements(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    small, small_data, small_sql = await statements_for(admin, live, MOVEMENTS, 5)
    large, large_data, large_sql = await statements_for(admin, live, MOVEMENTS, 100)

    assert len(small_data["inventoryMovements"]["nodes"]) == 5
    nodes = large_data["inventoryMovements"]["nodes"]
    assert len(nodes) == 2 * ROWS  # one RECEIVE per level
    assert {n["sku"] for n in nodes} == set(seeded.skus)
    assert {n["warehouse"]["code"] for n in nodes} == set(seeded.warehouse_codes)
    assert {(n["reason"], n["field"]) for n in nodes} == {("RECEIVE", "ON_HAND")}
    assert small == large, (small_sql, large_sql)
    assert large <= MAX_STATEMENTS, large_sql


async def test_many_node_lookups_in_one_request_are_batched(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    listed = await admin.data("{ products(first: 50) { nodes { id sku } } }")
    ids = [n["id"] for n in listed["products"]["nodes"]]
    skus = [n["sku"] for n in listed["products"]["nodes"]]
    assert sorted(skus) == seeded.skus

    async def lookup(count: int) -> tuple[int, list[str]]:
        fields = " ".join(
            f'n{i}: node(id: "{node_id}") {{ ... on Product {{ sku available }} }}'
            for i, node_id in enumerate(ids[:count])
        )
        live.sql.clear()
        data = await admin.data(f"{{ {fields} }}")
        assert [data[f"n{i}"]["sku"] for i in range(count)] == skus[:count]
        statements = queries(live)
        return len(statements), statements

    small, small_sql = await lookup(2)
    large, large_sql = await lookup(MAX_ALIASES)

    assert small == large, (small_sql, large_sql)
    assert large <= MAX_STATEMENTS, large_sql


async def test_the_token_lookup_is_the_only_statement_of_a_request_that_reads_nothing(
    admin: GraphQLClient, live: LiveApi
) -> None:
    live.sql.clear()
    data = await admin.data("{ __typename }")

    assert data == {"__typename": "Query"}
    assert len(queries(live)) == 1, live.sql.statements
    assert "api_tokens" in queries(live)[0]
