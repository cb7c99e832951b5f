"""Transfers and inbound shipments over real HTTP, on both backends: the numbers at both ends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox
from ordergraph.domain.principals import Role, Scope
from ordergraph.schema.ids import decode_id
from tests.api.test_query_counts import queries
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

TRANSFER_FIELDS = """
  id number status quantity sku version createdAt receivedAt cancelledAt
  fromWarehouse { id code } toWarehouse { id code }
"""

TRANSFER = f"""
mutation($input: TransferInventoryInput!) {{
  transferInventory(input: $input) {{
    transfer {{ {TRANSFER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

RECEIVE = f"""
mutation($input: TransferInput!) {{
  receiveTransfer(input: $input) {{
    transfer {{ {TRANSFER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

CANCEL = f"""
mutation($input: TransferInput!) {{
  cancelTransfer(input: $input) {{
    transfer {{ {TRANSFER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

SHIPMENT_FIELDS = """
  id number status expectedAt reference version
  warehouse { id code }
  lines { id sku quantityExpected quantityReceived quantityOutstanding }
"""

CREATE_INBOUND = f"""
mutation($input: CreateInboundShipmentInput!) {{
  createInboundShipment(input: $input) {{
    inboundShipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

RECEIVE_INBOUND = f"""
mutation($input: ReceiveInboundShipmentInput!) {{
  receiveInboundShipment(input: $input) {{
    inboundShipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

CANCEL_INBOUND = f"""
mutation($input: InboundShipmentInput!) {{
  cancelInboundShipment(input: $input) {{
    inboundShipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

LEVEL = """
query($sku: String!, $warehouseId: ID!) {
  inventoryLevels(sku: $sku, warehouseId: $warehouseId) {
    nodes { onHand reserved inTransit incoming }
  }
}"""


@dataclass(frozen=True)
class Shop:
    sku: str
    warehouses: list[str]


async def make_shop(client: GraphQLClient, unique: str, *, warehouses: int = 2) -> Shop:
    created = await client.mutate(
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { sku } userErrors { code } }
           }""",
        {
            "input": {
                "sku": f"TRF-{unique}",
                "name": f"Moved {unique}",
                "price": {"amount": "5.00", "currency": "EUR"},
            }
        },
    )
    assert created["userErrors"] == []
    ids = []
    for index in range(warehouses):
        code = f"T{index}-{unique}"
        made = await client.mutate(
            """mutation($input: CreateWarehouseInput!) {
                 createWarehouse(input: $input) { warehouse { id } userErrors { code } }
               }""",
            {"input": {"code": code, "name": code, "region": "EU-WEST", "countryCode": "DE"}},
        )
        assert made["userErrors"] == []
        ids.append(made["warehouse"]["id"])
    return Shop(f"TRF-{unique}", ids)


async def stock(client: GraphQLClient, sku: str, warehouse_id: str, units: int) -> None:
    done = await client.mutate(
        """mutation($input: AdjustInventoryInput!) {
             adjustInventory(input: $input) { userErrors { code } }
           }""",
        {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": units, "reason": "RECEIVED"}},
    )
    assert done["userErrors"] == []


async def level(client: GraphQLClient, sku: str, warehouse_id: str) -> dict[str, int]:
    data = await client.data(LEVEL, {"sku": sku, "warehouseId": warehouse_id})
    nodes = data["inventoryLevels"]["nodes"]
    if not nodes:
        return {"onHand": 0, "reserved": 0, "inTransit": 0, "incoming": 0}
    (node,) = nodes
    assert isinstance(node, dict)
    return node


async def send(client: GraphQLClient, shop: Shop, quantity: int, **extra: Any) -> dict[str, Any]:
    return await client.mutate(
        TRANSFER,
        {
            "input": {
                "sku": shop.sku,
                "fromWarehouseId": shop.warehouses[0],
                "toWarehouseId": shop.warehouses[1],
                "quantity": quantity,
                **extra,
            }
        },
    )


async def events_about(live: LiveApi, aggregate: str, aggregate_id: str) -> list[str]:
    """Event types in the outbox for one transfer or inbound shipment (read directly)."""
    pk = int(decode_id(aggregate_id)[1])
    engine = create_engine(live.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox.c.type)
                .where(outbox.c.aggregate_type == aggregate, outbox.c.aggregate_id == pk)
                .order_by(outbox.c.id)
            )
            return [r.type for r in rows]
    finally:
        await engine.dispose()


async def test_a_transfer_leaves_the_source_at_once_and_arrives_when_received(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    source, destination = shop.warehouses
    await stock(admin, shop.sku, source, 10)

    sent = await send(admin, shop, 4)
    assert sent["userErrors"] == []
    transfer = sent["transfer"]
    assert transfer["status"] == "IN_TRANSIT"
    assert (transfer["sku"], transfer["quantity"]) == (shop.sku, 4)
    assert transfer["fromWarehouse"]["id"] == source
    assert transfer["toWarehouse"]["id"] == destination
    assert transfer["number"].startswith("TR-")
    assert transfer["receivedAt"] is None
    assert await level(admin, shop.sku, source) == {
        "onHand": 6,
        "reserved": 0,
        "inTransit": 0,
        "incoming": 0,
    }
    assert await level(admin, shop.sku, destination) == {
        "onHand": 0,
        "reserved": 0,
        "inTransit": 4,
        "incoming": 0,
    }

    received = await admin.mutate(RECEIVE, {"input": {"transferId": transfer["id"]}})
    assert received["userErrors"] == []
    assert received["transfer"]["status"] == "RECEIVED"
    assert received["transfer"]["receivedAt"] is not None
    assert received["transfer"]["version"] == 2
    assert (await level(admin, shop.sku, source))["onHand"] == 6
    arrived = await level(admin, shop.sku, destination)
    assert (arrived["onHand"], arrived["inTransit"]) == (4, 0)

    found = await admin.data(
        """query($id: ID!) { transfer(id: $id) { status }
             node(id: $id) { ... on InventoryTransfer { number } } }""",
        {"id": transfer["id"]},
    )
    assert found["transfer"]["status"] == "RECEIVED"
    assert found["node"]["number"] == transfer["number"]
    listed = await admin.data(
        "{ inventoryTransfers(status: RECEIVED, first: 100) { nodes { id } } }"
    )
    assert transfer["id"] in [n["id"] for n in listed["inventoryTransfers"]["nodes"]]
    assert await events_about(live, "InventoryTransfer", transfer["id"]) == [
        "transfer.created",
        "transfer.received",
    ]


async def test_cancelling_returns_the_units_to_the_source(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    source, destination = shop.warehouses
    await stock(admin, shop.sku, source, 5)
    transfer = (await send(admin, shop, 5))["transfer"]
    assert (await level(admin, shop.sku, source))["onHand"] == 0

    cancelled = await admin.mutate(CANCEL, {"input": {"transferId": transfer["id"]}})
    assert cancelled["userErrors"] == []
    assert cancelled["transfer"]["status"] == "CANCELLED"
    assert cancelled["transfer"]["cancelledAt"] is not None
    assert (await level(admin, shop.sku, source))["onHand"] == 5
    assert (await level(admin, shop.sku, destination))["inTransit"] == 0
    assert await events_about(live, "InventoryTransfer", transfer["id"]) == [
        "transfer.created",
        "transfer.cancelled",
    ]


async def test_a_finished_transfer_refuses_a_second_transition_with_a_code(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 3)
    transfer = (await send(admin, shop, 3))["transfer"]
    assert (await admin.mutate(RECEIVE, {"input": {"transferId": transfer["id"]}}))[
        "userErrors"
    ] == []

    for mutation in (RECEIVE, CANCEL):
        again = await admin.mutate(mutation, {"input": {"transferId": transfer["id"]}})
        assert again["transfer"] is None
        assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
            ("TRANSFER_NOT_IN_TRANSIT", ["input", "transferId"])
        ]
    # received once: the destination holds the units once
    assert (await level(admin, shop.sku, shop.warehouses[1]))["onHand"] == 3


async def test_transfer_input_is_checked_and_nothing_moves_on_refusal(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    source = shop.warehouses[0]
    await stock(admin, shop.sku, source, 2)

    too_many = await send(admin, shop, 3)
    assert [e["code"] for e in too_many["userErrors"]] == ["INSUFFICIENT_STOCK"]
    zero = await send(admin, shop, 0)
    assert [e["code"] for e in zero["userErrors"]] == ["INVALID_QUANTITY"]
    same = await admin.mutate(
        TRANSFER,
        {
            "input": {
                "sku": shop.sku,
                "fromWarehouseId": source,
                "toWarehouseId": source,
                "quantity": 1,
            }
        },
    )
    assert [e["code"] for e in same["userErrors"]] == ["SAME_WAREHOUSE"]
    unknown = await admin.mutate(
        TRANSFER,
        {
            "input": {
                "sku": f"NOPE-{unique}",
                "fromWarehouseId": source,
                "toWarehouseId": shop.warehouses[1],
                "quantity": 1,
            }
        },
    )
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("NOT_FOUND", ["input", "sku"])
    ]
    assert await level(admin, shop.sku, source) == {
        "onHand": 2,
        "reserved": 0,
        "inTransit": 0,
        "incoming": 0,
    }


async def test_a_replayed_key_sends_once(admin: GraphQLClient, unique: str) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 10)
    first = await send(admin, shop, 2, idempotencyKey=f"tr-{unique}")
    second = await send(admin, shop, 2, idempotencyKey=f"tr-{unique}")
    assert first["transfer"]["id"] == second["transfer"]["id"]
    assert (await level(admin, shop.sku, shop.warehouses[0]))["onHand"] == 8


async def test_moving_stock_needs_inventory_write(
    staff: GraphQLClient, admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 1)
    refused = await send(staff, shop, 1)
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    writer = staff.as_token(
        issue_token(live.database_url, Role.STAFF, frozenset({Scope.INVENTORY_WRITE}))
    )
    assert (await send(writer, shop, 1))["userErrors"] == []


def _expected_at(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def announce(
    client: GraphQLClient, warehouse_id: str, lines: list[tuple[str, int]], **extra: Any
) -> dict[str, Any]:
    return await client.mutate(
        CREATE_INBOUND,
        {
            "input": {
                "warehouseId": warehouse_id,
                "expectedAt": _expected_at(7),
                "lines": [{"sku": s, "quantity": q} for s, q in lines],
                **extra,
            }
        },
    )


async def test_an_inbound_shipment_is_incoming_then_received_in_parts(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shop = await make_shop(admin, unique, warehouses=1)
    (warehouse,) = shop.warehouses
    created = await announce(admin, warehouse, [(shop.sku, 10)], reference="PO-1")
    assert created["userErrors"] == []
    shipment = created["inboundShipment"]
    assert shipment["status"] == "PENDING"
    assert shipment["reference"] == "PO-1"
    assert shipment["number"].startswith("IN-")
    assert (await level(admin, shop.sku, warehouse))["incoming"] == 10

    part = await admin.mutate(
        RECEIVE_INBOUND,
        {
            "input": {
                "inboundShipmentId": shipment["id"],
                "lines": [{"sku": shop.sku, "quantity": 4}],
            }
        },
    )
    assert part["userErrors"] == []
    assert part["inboundShipment"]["status"] == "PARTIALLY_RECEIVED"
    (line,) = part["inboundShipment"]["lines"]
    assert (line["quantityReceived"], line["quantityOutstanding"]) == (4, 6)
    now = await level(admin, shop.sku, warehouse)
    assert (now["onHand"], now["incoming"]) == (4, 6)

    rest = await admin.mutate(RECEIVE_INBOUND, {"input": {"inboundShipmentId": shipment["id"]}})
    assert rest["userErrors"] == []
    assert rest["inboundShipment"]["status"] == "RECEIVED"
    done = await level(admin, shop.sku, warehouse)
    assert (done["onHand"], done["incoming"]) == (10, 0)

    closed = await admin.mutate(RECEIVE_INBOUND, {"input": {"inboundShipmentId": shipment["id"]}})
    assert [e["code"] for e in closed["userErrors"]] == ["INBOUND_SHIPMENT_NOT_OPEN"]
    assert await events_about(live, "InboundShipment", shipment["id"]) == [
        "inbound_shipment.created",
        "inbound_shipment.received",
        "inbound_shipment.received",
    ]
    listed = await admin.data(
        """query($w: ID!) { inboundShipments(warehouseId: $w, status: RECEIVED) {
             totalCount nodes { id lines { sku } } } }""",
        {"w": warehouse},
    )
    assert listed["inboundShipments"]["totalCount"] == 1
    assert listed["inboundShipments"]["nodes"][0]["id"] == shipment["id"]


async def test_an_over_receipt_puts_everything_on_hand_and_nothing_stays_incoming(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique, warehouses=1)
    (warehouse,) = shop.warehouses
    shipment = (await announce(admin, warehouse, [(shop.sku, 5)]))["inboundShipment"]
    line_id = shipment["lines"][0]["id"]
    over = await admin.mutate(
        RECEIVE_INBOUND,
        {
            "input": {
                "inboundShipmentId": shipment["id"],
                "lines": [{"lineId": line_id, "quantity": 7}],
            }
        },
    )
    assert over["userErrors"] == []
    assert over["inboundShipment"]["status"] == "RECEIVED"
    assert over["inboundShipment"]["lines"][0]["quantityReceived"] == 7
    done = await level(admin, shop.sku, warehouse)
    assert (done["onHand"], done["incoming"]) == (7, 0)


async def test_cancelling_an_inbound_shipment_drops_only_the_outstanding_rest(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique, warehouses=1)
    (warehouse,) = shop.warehouses
    shipment = (await announce(admin, warehouse, [(shop.sku, 8)]))["inboundShipment"]
    await admin.mutate(
        RECEIVE_INBOUND,
        {
            "input": {
                "inboundShipmentId": shipment["id"],
                "lines": [{"sku": shop.sku, "quantity": 3}],
            }
        },
    )
    cancelled = await admin.mutate(CANCEL_INBOUND, {"input": {"inboundShipmentId": shipment["id"]}})
    assert cancelled["userErrors"] == []
    assert cancelled["inboundShipment"]["status"] == "CANCELLED"
    done = await level(admin, shop.sku, warehouse)
    assert (done["onHand"], done["incoming"]) == (3, 0)
    again = await admin.mutate(CANCEL_INBOUND, {"input": {"inboundShipmentId": shipment["id"]}})
    assert [e["code"] for e in again["userErrors"]] == ["INBOUND_SHIPMENT_NOT_OPEN"]


async def test_inbound_input_is_checked_and_nothing_is_written_on_refusal(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique, warehouses=1)
    (warehouse,) = shop.warehouses
    unknown = await announce(admin, warehouse, [(shop.sku, 2), (f"NOPE-{unique}", 1)])
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("NOT_FOUND", ["input", "lines", "1", "sku"])
    ]
    zero = await announce(admin, warehouse, [(shop.sku, 0)])
    assert [e["code"] for e in zero["userErrors"]] == ["INVALID_QUANTITY"]
    empty = await announce(admin, warehouse, [])
    assert [e["code"] for e in empty["userErrors"]] == ["REQUIRED"]
    assert (await level(admin, shop.sku, warehouse))["incoming"] == 0

    shipment = (await announce(admin, warehouse, [(shop.sku, 2)]))["inboundShipment"]
    stranger = await admin.mutate(
        RECEIVE_INBOUND,
        {
            "input": {
                "inboundShipmentId": shipment["id"],
                "lines": [{"sku": f"NOPE-{unique}", "quantity": 1}],
            }
        },
    )
    assert [(e["code"], e["field"]) for e in stranger["userErrors"]] == [
        ("NOT_FOUND", ["input", "lines", "0", "sku"])
    ]
    assert (await level(admin, shop.sku, warehouse))["incoming"] == 2


async def test_racing_receipts_and_cancels_settle_a_transfer_once(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    source, destination = shop.warehouses
    await stock(admin, shop.sku, source, 6)
    transfer = (await send(admin, shop, 6))["transfer"]

    answers = await asyncio.gather(
        *(
            admin.mutate(mutation, {"input": {"transferId": transfer["id"]}})
            for mutation in (RECEIVE, CANCEL, RECEIVE, CANCEL, RECEIVE, CANCEL)
        )
    )
    winners = [a["transfer"]["status"] for a in answers if a["transfer"] is not None]
    assert len(winners) == 1
    losers = [e["code"] for a in answers for e in a["userErrors"]]
    assert losers == ["TRANSFER_NOT_IN_TRANSIT"] * 5
    at_source, at_destination = (
        await level(admin, shop.sku, source),
        await level(admin, shop.sku, destination),
    )
    if winners == ["RECEIVED"]:
        assert (at_source["onHand"], at_destination["onHand"]) == (0, 6)
    else:
        assert (at_source["onHand"], at_destination["onHand"]) == (6, 0)
    assert at_destination["inTransit"] == 0


async def test_racing_transfers_never_send_more_than_the_source_holds(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 5)
    answers = await asyncio.gather(*(send(admin, shop, 2) for _ in range(6)))
    sent = [a for a in answers if a["transfer"] is not None]
    assert len(sent) == 2
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"INSUFFICIENT_STOCK"}
    assert (await level(admin, shop.sku, shop.warehouses[0]))["onHand"] == 1
    assert (await level(admin, shop.sku, shop.warehouses[1]))["inTransit"] == 4


TRANSFER_LIST = """
query($first: Int!) {
  inventoryTransfers(first: $first) { nodes { number fromWarehouse { code } toWarehouse { code } } }
}"""

INBOUND_LIST = """
query($first: Int!) {
  inboundShipments(first: $first) { nodes { number warehouse { code } lines { sku } } }
}"""


async def test_lists_take_as_many_statements_for_ten_as_for_two(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 20)
    for _ in range(10):
        await send(admin, shop, 1)
        await announce(admin, shop.warehouses[1], [(shop.sku, 1)])

    async def count(query: str, first: int) -> int:
        live.sql.clear()
        data = await admin.data(query, {"first": first})
        (connection,) = data.values()
        assert len(connection["nodes"]) == first
        return len(queries(live))

    for query in (TRANSFER_LIST, INBOUND_LIST):
        assert await count(query, 2) == await count(query, 10), live.sql.statements
