"""Returns over real HTTP on both backends: request, approve, receive, refund; policy; ledger.

Orders are built through the API: stock, placeOrder, capturePayment (PAID), pick, pack, ship and a
DELIVERED carrier event. Every refusal is checked twice: a coded userError, and re-reading shows
nothing written (returns ``totalCount``, the order's returns and timeline).
The helpers here are shared by the refund API module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import inventory_levels, inventory_movements, warehouses
from ordergraph.domain.principals import Role, Scope
from tests.api.test_fulfillment_api import pack, parse_time, ship_ok
from tests.api.test_place_order_api import (
    create_warehouse,
    global_id,
    level,
    order_input,
    place_ok,
    receive,
    short,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token, live_api

MONEY = "{ amount currency }"

RETURN = """
  id number status note requestedBy rejectionReason createdAt decidedAt receivedAt refundedAt
  label { carrier trackingNumber url instructions }
  lines {
    id orderLineId sku quantity reason note receivedQuantity restockedQuantity discardedQuantity
  }
"""

BREAKDOWN = f"""
  lines {{ orderLineId quantity amount {MONEY} }}
  shipping {MONEY} appeasement {MONEY} adjustment {MONEY} total {MONEY}
  refundableBefore {MONEY}
"""

REFUND = f"""
  id status reason total {MONEY} returnId gatewayReference error createdBy completedAt
  breakdown {{ {BREAKDOWN} }}
"""

ORDER = f"""
  id number status paymentStatus
  subtotal {MONEY} shippingTotal {MONEY} total {MONEY}
  lines {{ id sku quantity unitPrice {MONEY} }}
  fulfillments {{ id warehouse {{ id }} }}
  shipments {{ id status shippedAt deliveredAt }}
  returns {{ {RETURN} }}
  refunds {{ {REFUND} }}
  payments {{ kind status amount {MONEY} }}
  events {{ sequence type }}
"""

READ_ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku returnable } userErrors { field code } }
}"""

CAPTURE = """
mutation($input: PaymentInput!) {
  capturePayment(input: $input) { order { id status paymentStatus } userErrors { code } }
}"""

RECORD_EVENT = """
mutation($input: ShipmentEventInput!) {
  recordShipmentEvent(input: $input) {
    shipment { id status deliveredAt events { status applied } }
    order { id status deliveredAt }
    userErrors { field code }
  }
}"""

REQUEST_RETURN = f"""
mutation($input: RequestReturnInput!) {{
  requestReturn(input: $input) {{
    return {{ {RETURN} }}
    order {{ id status }}
    userErrors {{ field message code }}
  }}
}}"""


def return_mutation(name: str, input_type: str = "ReturnInput") -> str:
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{
    return {{ {RETURN} }}
    order {{ id status paymentStatus }}
    userErrors {{ field message code }}
  }}
}}"""


APPROVE = return_mutation("approveReturn")
REJECT = return_mutation("rejectReturn")
RECEIVE = return_mutation("receiveReturn", "ReceiveReturnInput")

REFUND_ORDER = f"""
mutation($input: RefundOrderInput!) {{
  refundOrder(input: $input) {{
    refund {{ {REFUND} }}
    breakdown {{ {BREAKDOWN} }}
    order {{ id status paymentStatus }}
    userErrors {{ field message code }}
  }}
}}"""

RETURNS = f"""
query($status: ReturnStatus, $orderId: ID) {{
  returns(first: 50, status: $status, orderId: $orderId) {{
    totalCount nodes {{ {RETURN} }}
  }}
}}"""


NODE = "query($id: ID!) { node(id: $id) { id ... on Return { number status } } }"


@dataclass(frozen=True)
class Sold:
    """An order paid in full and shipped from one warehouse (delivered unless asked not to)."""

    order: dict[str, Any]
    warehouse_id: str
    skus: tuple[str, ...]

    @property
    def id(self) -> str:
        order_id = self.order["id"]
        assert isinstance(order_id, str)
        return order_id

    def line_id(self, index: int = 0) -> str:
        line_id = self.order["lines"][index]["id"]
        assert isinstance(line_id, str)
        return line_id

    @property
    def shipment_id(self) -> str:
        (shipment,) = self.order["shipments"]
        shipment_id = shipment["id"]
        assert isinstance(shipment_id, str)
        return shipment_id


def amount(money: dict[str, Any]) -> Decimal:
    return Decimal(money["amount"])


async def create_product(
    admin: GraphQLClient, sku: str, price: str, *, returnable: bool = True
) -> None:
    payload = await admin.mutate(
        CREATE_PRODUCT,
        {
            "input": {
                "sku": sku,
                "name": f"Product {sku}",
                "price": {"amount": price, "currency": "EUR"},
                "returnable": returnable,
            }
        },
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    assert payload["product"]["returnable"] is returnable


async def read(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    order = (await admin.data(READ_ORDER, {"id": order_id}))["order"]
    assert isinstance(order, dict)
    return order


async def capture(admin: GraphQLClient, order_id: str) -> None:
    payload = await admin.mutate(CAPTURE, {"input": {"orderId": order_id, "token": "tok_ok"}})
    assert payload["userErrors"] == [], payload["userErrors"]
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CONFIRMED",
        "PAID",
    )


async def record_event(
    admin: GraphQLClient, shipment_id: str, status: str, occurred_at: str
) -> dict[str, Any]:
    payload = await admin.mutate(
        RECORD_EVENT,
        {"input": {"shipmentId": shipment_id, "status": status, "occurredAt": occurred_at}},
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def deliver(admin: GraphQLClient, order: dict[str, Any]) -> None:
    """A DELIVERED carrier event at the moment each shipment left: never in the server's future,
    so even a zero-day return window is already closed for it."""
    for shipment in order["shipments"]:
        payload = await record_event(admin, shipment["id"], "DELIVERED", shipment["shippedAt"])
        assert payload["shipment"]["status"] == "DELIVERED"


async def sold(
    admin: GraphQLClient,
    unique: str,
    lines: Sequence[tuple[str, int]] = (("12.50", 3),),
    *,
    returnable: bool = True,
    capture_payment: bool = True,
    ship: bool = True,
    delivered: bool = True,
) -> Sold:
    """Products at ``(price, quantity)`` in one fresh warehouse, ordered by one customer, paid
    (captured), shipped in full and delivered; each step can be left out."""
    tag = f"{unique}-{short()}"
    warehouse_id = await create_warehouse(admin, f"W-{tag}")
    skus = tuple(f"SKU-{tag}-{i}" for i in range(len(lines)))
    for sku, (price, _) in zip(skus, lines, strict=True):
        await create_product(admin, sku, price, returnable=returnable)
        await receive(admin, sku, warehouse_id, 10)
    placed = await place_ok(
        admin,
        order_input(
            [(sku, quantity) for sku, (_, quantity) in zip(skus, lines, strict=True)],
            email=f"{tag.lower()}@example.com",
        ),
    )
    if capture_payment:
        await capture(admin, placed["id"])
        if ship:
            (fulfillment,) = (await read(admin, placed["id"]))["fulfillments"]
            await pack(admin, fulfillment["id"])
            await ship_ok(admin, fulfillment["id"])
            if delivered:
                await deliver(admin, await read(admin, placed["id"]))
    order = await read(admin, placed["id"])
    if delivered and ship and capture_payment:
        assert order["status"] == "DELIVERED", order
    return Sold(order, warehouse_id, skus)


def return_line(
    order_line_id: str, quantity: int, reason: str = "NO_LONGER_NEEDED", **extra: Any
) -> dict[str, Any]:
    return {"orderLineId": order_line_id, "quantity": quantity, "reason": reason, **extra}


async def request_return(
    client: GraphQLClient, order_id: str, lines: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    payload = await client.mutate(
        REQUEST_RETURN, {"input": {"orderId": order_id, "lines": lines, **extra}}
    )
    return payload


def accepted(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    rma = payload["return"]
    assert isinstance(rma, dict)
    return rma


def refused(payload: dict[str, Any], code: str, result: str = "return") -> dict[str, Any]:
    assert payload[result] is None, payload
    assert payload["order"] is None, payload
    (error,) = payload["userErrors"]
    assert error["code"] == code, error
    assert isinstance(error, dict)
    return error


async def returned(
    client: GraphQLClient, order_id: str, lines: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return accepted(await request_return(client, order_id, lines, **extra))


async def approve(client: GraphQLClient, return_id: str, **extra: Any) -> dict[str, Any]:
    payload = await client.mutate(APPROVE, {"input": {"returnId": return_id, **extra}})
    return payload


async def reject(client: GraphQLClient, return_id: str, **extra: Any) -> dict[str, Any]:
    payload = await client.mutate(REJECT, {"input": {"returnId": return_id, **extra}})
    return payload


def receipt(
    return_line_id: str, quantity: int, disposition: str = "RESTOCK", **extra: Any
) -> dict[str, Any]:
    return {
        "returnLineId": return_line_id,
        "quantity": quantity,
        "disposition": disposition,
        **extra,
    }


async def receive_return(
    client: GraphQLClient, return_id: str, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    payload = await client.mutate(RECEIVE, {"input": {"returnId": return_id, "lines": lines}})
    return payload


async def refund(client: GraphQLClient, order_id: str, **values: Any) -> dict[str, Any]:
    payload = await client.mutate(REFUND_ORDER, {"input": {"orderId": order_id, **values}})
    return payload


async def refund_ok(client: GraphQLClient, order_id: str, **values: Any) -> dict[str, Any]:
    payload = await refund(client, order_id, **values)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def received_return(
    admin: GraphQLClient, order: Sold, quantity: int, disposition: str = "RESTOCK"
) -> dict[str, Any]:
    """A return of ``quantity`` units of the first line, approved and received in full."""
    rma = await returned(admin, order.id, [return_line(order.line_id(), quantity, "DAMAGED")])
    assert rma["status"] == "APPROVED"
    payload = await receive_return(
        admin, rma["id"], [receipt(rma["lines"][0]["id"], quantity, disposition)]
    )
    done = accepted(payload)
    assert done["status"] == "RECEIVED"
    return done


async def returns_of(
    client: GraphQLClient, order_id: str | None = None, status: str | None = None
) -> dict[str, Any]:
    connection = (await client.data(RETURNS, {"orderId": order_id, "status": status}))["returns"]
    assert isinstance(connection, dict)
    return connection


async def all_returns(admin: GraphQLClient) -> int:
    count = (await returns_of(admin))["totalCount"]
    assert isinstance(count, int)
    return count


async def assert_return_refused(
    client: GraphQLClient,
    admin: GraphQLClient,
    order_id: str,
    lines: list[dict[str, Any]],
    code: str,
    field: list[str] | None = None,
) -> None:
    """requestReturn answers one ``code`` userError, and no return or event appears."""
    before = (await all_returns(admin), await read(admin, order_id))

    error = refused(await request_return(client, order_id, lines), code)

    if field is not None:
        assert error["field"] == ["input", *field], error
    assert (await all_returns(admin), await read(admin, order_id)) == before


def event_types(order: dict[str, Any]) -> list[str]:
    return [event["type"] for event in order["events"]]


# --- the whole flow --------------------------------------------------------------------------


async def test_a_return_is_requested_approved_received_in_parts_and_refunded(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])
    assert order.order["paymentStatus"] == "PAID"

    rma = await returned(
        admin,
        order.id,
        [return_line(order.line_id(), 2, "SIZE_FIT", note="too small")],
        note="customer phoned",
    )
    assert rma["status"] == "REQUESTED"
    assert rma["number"] == f"{order.order['number']}-R1"
    assert rma["note"] == "customer phoned"
    assert rma["decidedAt"] is None
    (line,) = rma["lines"]
    assert (line["orderLineId"], line["sku"], line["quantity"], line["reason"], line["note"]) == (
        order.line_id(),
        order.skus[0],
        2,
        "SIZE_FIT",
        "too small",
    )
    assert line["receivedQuantity"] == 0

    label = {
        "carrier": "DHL",
        "trackingNumber": f"RT{short()}",
        "url": "https://labels.example.com/1.pdf",
        "instructions": "Drop it at any DHL point",
    }
    approved = accepted(await approve(admin, rma["id"], label=label))
    assert approved["status"] == "APPROVED"
    assert approved["label"] == label
    assert approved["decidedAt"] is not None

    part = accepted(await receive_return(admin, rma["id"], [receipt(line["id"], 1)]))
    assert part["status"] == "APPROVED"
    assert part["receivedAt"] is None
    assert (part["lines"][0]["receivedQuantity"], part["lines"][0]["restockedQuantity"]) == (1, 1)

    rest = accepted(await receive_return(admin, rma["id"], [receipt(line["id"], 1, "DISCARD")]))
    assert rest["status"] == "RECEIVED"
    assert rest["receivedAt"] is not None
    (done_line,) = rest["lines"]
    assert (
        done_line["receivedQuantity"],
        done_line["restockedQuantity"],
        done_line["discardedQuantity"],
    ) == (2, 1, 1)

    payload = await refund_ok(admin, order.id, returnId=rma["id"], reason="returned")
    paid_back = payload["refund"]
    assert paid_back["status"] == "SUCCEEDED"
    assert paid_back["returnId"] == rma["id"]
    assert paid_back["reason"] == "returned"
    assert [
        (x["orderLineId"], x["quantity"], amount(x["amount"]))
        for x in paid_back["breakdown"]["lines"]
    ] == [(order.line_id(), 2, Decimal("25.00"))]
    assert amount(paid_back["total"]) == Decimal("25.00")
    assert payload["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"

    after = await read(admin, order.id)
    assert after["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert [r["id"] for r in after["refunds"]] == [paid_back["id"]]
    (final,) = after["returns"]
    assert (final["id"], final["status"]) == (rma["id"], "REFUNDED")
    assert final["refundedAt"] is not None
    assert [(p["kind"], p["status"], amount(p["amount"])) for p in after["payments"]][-1] == (
        "REFUND",
        "SUCCESS",
        Decimal("25.00"),
    )
    types = event_types(after)
    for expected in (
        "return.requested",
        "return.approved",
        "return.partially_received",
        "return.received",
        "refund.succeeded",
        "return.refunded",
    ):
        assert expected in types, (expected, types)
    assert types.index("return.requested") < types.index("return.approved")
    assert types.index("return.approved") < types.index("return.received")
    assert types.index("return.received") < types.index("refund.succeeded")
    assert [e["sequence"] for e in after["events"]] == list(range(1, len(types) + 1))
    node = await admin.data(NODE, {"id": rma["id"]})
    assert node["node"] == {"id": rma["id"], "number": rma["number"], "status": "REFUNDED"}


async def test_the_returns_query_filters_by_status_and_order(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    first = await sold(admin, unique, [("10.00", 2), ("20.00", 1)])
    second = await sold(admin, unique)
    requested = await returned(admin, first.id, [return_line(first.line_id(0), 1)])
    damaged = await returned(admin, first.id, [return_line(first.line_id(1), 1, "DAMAGED")])
    elsewhere = await returned(admin, second.id, [return_line(second.line_id(), 1)])

    mine = await returns_of(admin, first.id)
    assert mine["totalCount"] == 2
    assert [r["id"] for r in mine["nodes"]] == [requested["id"], damaged["id"]]
    assert [r["number"] for r in mine["nodes"]] == [
        f"{first.order['number']}-R1",
        f"{first.order['number']}-R2",
    ]
    only_requested = await returns_of(admin, first.id, "REQUESTED")
    assert [r["id"] for r in only_requested["nodes"]] == [requested["id"]]
    only_approved = await returns_of(admin, first.id, "APPROVED")
    assert [r["id"] for r in only_approved["nodes"]] == [damaged["id"]]
    assert (await returns_of(admin, first.id, "REFUNDED"))["totalCount"] == 0
    everywhere = {r["id"] for r in (await returns_of(admin, status="REQUESTED"))["nodes"]}
    assert {requested["id"], elsewhere["id"]} <= everywhere
    assert damaged["id"] not in everywhere
    # read-only staff may read returns; the order shows them too
    assert (await returns_of(staff, second.id))["nodes"] == [elsewhere]
    assert [r["id"] for r in (await read(admin, first.id))["returns"]] == [
        requested["id"],
        damaged["id"],
    ]


PAGE = """
query($orderId: ID, $first: Int, $after: String, $last: Int, $before: String) {
  returns(orderId: $orderId, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_the_returns_of_an_order_page_forwards_and_backwards(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("10.00", 3)])
    made = [(await returned(admin, order.id, [return_line(order.line_id(), 1)]))["id"]]
    made.append((await returned(admin, order.id, [return_line(order.line_id(), 1)]))["id"])
    made.append((await returned(admin, order.id, [return_line(order.line_id(), 1)]))["id"])

    page = (await admin.data(PAGE, {"orderId": order.id, "first": 2}))["returns"]
    assert page["totalCount"] == 3
    assert [e["node"]["id"] for e in page["edges"]] == made[:2]
    assert (page["pageInfo"]["hasNextPage"], page["pageInfo"]["hasPreviousPage"]) == (True, False)
    rest = (
        await admin.data(
            PAGE, {"orderId": order.id, "first": 2, "after": page["pageInfo"]["endCursor"]}
        )
    )["returns"]
    assert [e["node"]["id"] for e in rest["edges"]] == made[2:]
    assert rest["pageInfo"]["hasNextPage"] is False
    back = (
        await admin.data(
            PAGE, {"orderId": order.id, "last": 2, "before": rest["pageInfo"]["startCursor"]}
        )
    )["returns"]
    assert [e["node"]["id"] for e in back["edges"]] == made[:2]


async def test_the_returns_query_refuses_an_id_that_is_not_an_order(admin: GraphQLClient) -> None:
    for bad in ("not-an-id", global_id("Warehouse", 1)):
        result = await admin.execute(RETURNS, {"orderId": bad})
        assert result.error_codes == ["INVALID_ID"]


async def test_damaged_goods_are_approved_at_once_but_a_mixed_request_waits(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("10.00", 2), ("20.00", 2)])

    rma = await returned(
        admin,
        order.id,
        [
            return_line(order.line_id(0), 1, "DAMAGED"),
            return_line(order.line_id(1), 1, "WRONG_ITEM"),
        ],
    )

    assert rma["status"] == "APPROVED"
    assert rma["decidedAt"] is not None
    types = event_types(await read(admin, order.id))
    assert types[-2:] == ["return.requested", "return.approved"]

    mixed = await returned(
        admin,
        order.id,
        [return_line(order.line_id(0), 1, "DAMAGED"), return_line(order.line_id(1), 1, "OTHER")],
    )
    assert mixed["status"] == "REQUESTED"
    assert event_types(await read(admin, order.id))[-1] == "return.requested"


async def test_a_rejected_return_records_why_and_frees_its_units(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 2)])
    rma = await returned(admin, order.id, [return_line(order.line_id(), 2)])

    rejected = accepted(await reject(admin, rma["id"], reason="worn and washed"))

    assert rejected["status"] == "REJECTED"
    assert rejected["rejectionReason"] == "worn and washed"
    assert event_types(await read(admin, order.id))[-1] == "return.rejected"
    again = await returned(admin, order.id, [return_line(order.line_id(), 2)])
    assert (again["status"], again["number"]) == ("REQUESTED", f"{order.order['number']}-R2")


async def test_requesting_a_return_twice_with_one_key_opens_one_return(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    key = f"rma-{unique}"
    lines = [return_line(order.line_id(), 1)]

    first = await returned(admin, order.id, lines, idempotencyKey=key)
    second = await returned(admin, order.id, lines, idempotencyKey=key)

    assert second["id"] == first["id"]
    assert (await returns_of(admin, order.id))["totalCount"] == 1


# --- policy ----------------------------------------------------------------------------------


async def test_units_not_yet_delivered_cannot_be_returned(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, delivered=False)
    assert order.order["status"] == "SHIPPED"

    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(order.line_id(), 1)],
        "NOT_DELIVERED",
        ["lines", "0", "orderLineId"],
    )


async def test_a_delivery_dated_before_the_label_does_not_count_as_delivered(
    admin: GraphQLClient, unique: str
) -> None:
    # A carrier event older than the shipment's newest event is stored but not applied, so a
    # DELIVERED event 31 days back leaves the parcel undelivered: nothing can be returned yet.
    order = await sold(admin, unique, delivered=False)
    (shipment,) = order.order["shipments"]
    long_ago = (parse_time(shipment["shippedAt"]) - timedelta(days=31)).isoformat()

    payload = await record_event(admin, order.shipment_id, "DELIVERED", long_ago)

    assert payload["shipment"]["status"] != "DELIVERED"
    assert payload["shipment"]["events"][-1] == {"status": "DELIVERED", "applied": False}
    await assert_return_refused(
        admin, admin, order.id, [return_line(order.line_id(), 1)], "NOT_DELIVERED"
    )


async def test_final_sale_products_cannot_be_returned(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique, returnable=False)

    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(order.line_id(), 1, "DAMAGED")],
        "NOT_RETURNABLE",
        ["lines", "0", "orderLineId"],
    )


async def test_no_more_units_can_come_back_than_were_delivered(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])

    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(order.line_id(), 4)],
        "RETURN_QUANTITY_EXCEEDED",
        ["lines", "0", "quantity"],
    )
    # two lines of one request for the same order line add up
    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(order.line_id(), 2), return_line(order.line_id(), 2, "DAMAGED")],
        "RETURN_QUANTITY_EXCEEDED",
        ["lines", "1", "quantity"],
    )


async def test_a_second_return_cannot_cover_units_the_first_already_covers(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])
    await returned(admin, order.id, [return_line(order.line_id(), 2)])

    await assert_return_refused(
        admin, admin, order.id, [return_line(order.line_id(), 2)], "RETURN_QUANTITY_EXCEEDED"
    )
    last = await returned(admin, order.id, [return_line(order.line_id(), 1)])
    assert last["number"] == f"{order.order['number']}-R2"


@pytest.fixture
def closed_window(live: LiveApi) -> Iterator[LiveApi]:
    """A second server on the same database whose return window is zero days long."""
    with live_api(live.backend, live.database_url, ORDERGRAPH_RETURN_WINDOW_DAYS=0) as other:
        yield other


@pytest.fixture
async def strict_admin(closed_window: LiveApi) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=closed_window.base_url, timeout=30) as client:
        yield GraphQLClient(client, closed_window.admin_token)


async def test_a_return_after_the_window_closed_is_refused(
    admin: GraphQLClient, strict_admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)

    await assert_return_refused(
        strict_admin,
        admin,
        order.id,
        [return_line(order.line_id(), 1, "DAMAGED")],
        "RETURN_WINDOW_CLOSED",
        ["lines", "0", "orderLineId"],
    )
    # the same order under the default 30-day window is still returnable
    assert (await returned(admin, order.id, [return_line(order.line_id(), 1)]))["id"]


async def test_an_order_line_of_another_order_is_not_found(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    other = await sold(admin, unique)

    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(other.line_id(), 1)],
        "NOT_FOUND",
        ["lines", "0", "orderLineId"],
    )
    await assert_return_refused(
        admin,
        admin,
        order.id,
        [return_line(global_id("OrderLine", 987654321), 1)],
        "NOT_FOUND",
        ["lines", "0", "orderLineId"],
    )


async def test_an_id_that_is_not_an_order_line_is_invalid(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)

    for bad in (order.id, "not-an-id", global_id("OrderLine", "abc")):
        await assert_return_refused(
            admin,
            admin,
            order.id,
            [return_line(bad, 1)],
            "INVALID_ID",
            ["lines", "0", "orderLineId"],
        )


async def test_a_return_needs_at_least_one_unit_on_at_least_one_line(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)

    for quantity in (0, -1):
        await assert_return_refused(
            admin,
            admin,
            order.id,
            [return_line(order.line_id(), quantity)],
            "INVALID_QUANTITY",
            ["lines", "0", "quantity"],
        )
    await assert_return_refused(admin, admin, order.id, [], "REQUIRED", ["lines"])


async def test_an_unknown_order_cannot_have_a_return(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique)
    before = await all_returns(admin)

    error = refused(
        await request_return(
            admin, global_id("Order", 987654321), [return_line(order.line_id(), 1)]
        ),
        "NOT_FOUND",
    )

    assert error["field"] == ["input", "orderId"]
    assert await all_returns(admin) == before


# --- transitions -----------------------------------------------------------------------------


async def test_a_rejected_return_cannot_be_approved(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 1)])
    accepted(await reject(admin, rma["id"], reason="outside policy"))
    before = await read(admin, order.id)

    error = refused(await approve(admin, rma["id"]), "ILLEGAL_TRANSITION")

    assert error["field"] == ["input", "returnId"]
    after = await read(admin, order.id)
    assert after == before
    assert after["returns"][0]["status"] == "REJECTED"


async def test_a_requested_return_cannot_be_received_before_approval(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 1)])
    before = (
        await read(admin, order.id),
        await level(admin, order.skus[0], order.warehouse_id),
    )

    refused(
        await receive_return(admin, rma["id"], [receipt(rma["lines"][0]["id"], 1)]),
        "ILLEGAL_TRANSITION",
    )

    after = (
        await read(admin, order.id),
        await level(admin, order.skus[0], order.warehouse_id),
    )
    assert after == before


async def test_receiving_more_than_is_still_expected_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])
    rma = await returned(admin, order.id, [return_line(order.line_id(), 2, "DAMAGED")])
    line_id = rma["lines"][0]["id"]
    accepted(await receive_return(admin, rma["id"], [receipt(line_id, 1)]))
    before = (
        await read(admin, order.id),
        await level(admin, order.skus[0], order.warehouse_id),
    )

    error = refused(
        await receive_return(admin, rma["id"], [receipt(line_id, 2)]), "INVALID_QUANTITY"
    )

    assert error["field"] == ["input", "lines", "0", "quantity"]
    assert (
        await read(admin, order.id),
        await level(admin, order.skus[0], order.warehouse_id),
    ) == before


async def test_a_refunded_return_cannot_be_refunded_again(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    rma = await received_return(admin, order, 1)
    accepted_refund = await refund_ok(admin, order.id, returnId=rma["id"])
    assert accepted_refund["refund"]["status"] == "SUCCEEDED"
    before = await read(admin, order.id)

    refused(
        await refund(admin, order.id, returnId=rma["id"]),
        "RETURN_NOT_RECEIVED",
        "refund",
    )

    assert await read(admin, order.id) == before


# --- permissions -----------------------------------------------------------------------------


async def test_a_storefront_cannot_request_approve_or_receive_returns(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 1)])
    before = (await all_returns(admin), await read(admin, order.id))

    refused(
        await request_return(storefront, order.id, [return_line(order.line_id(), 1)]), "FORBIDDEN"
    )
    refused(await approve(storefront, rma["id"]), "FORBIDDEN")
    refused(await reject(storefront, rma["id"]), "FORBIDDEN")
    refused(
        await receive_return(storefront, rma["id"], [receipt(rma["lines"][0]["id"], 1)]),
        "FORBIDDEN",
    )
    result = await storefront.execute(RETURNS, {"orderId": order.id})
    assert result.error_codes == ["FORBIDDEN"]

    assert (await all_returns(admin), await read(admin, order.id)) == before


async def test_read_only_staff_cannot_request_or_approve_returns(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 1)])
    before = (await all_returns(admin), await read(admin, order.id))

    refused(await request_return(staff, order.id, [return_line(order.line_id(), 1)]), "FORBIDDEN")
    refused(await approve(staff, rma["id"]), "FORBIDDEN")

    assert (await all_returns(admin), await read(admin, order.id)) == before


async def test_staff_with_returns_write_handle_a_return_from_request_to_refund(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    clerk = GraphQLClient(
        http, issue_token(live.database_url, Role.STAFF, frozenset({Scope.RETURNS_WRITE}))
    )
    order = await sold(admin, unique)

    rma = await returned(clerk, order.id, [return_line(order.line_id(), 1)])
    assert accepted(await approve(clerk, rma["id"]))["status"] == "APPROVED"
    done = accepted(await receive_return(clerk, rma["id"], [receipt(rma["lines"][0]["id"], 1)]))
    assert done["status"] == "RECEIVED"
    paid_back = (await refund_ok(clerk, order.id, returnId=rma["id"]))["refund"]
    assert paid_back["status"] == "SUCCEEDED"
    assert paid_back["createdBy"] == rma["requestedBy"]


# --- stock and the ledger --------------------------------------------------------------------


@pytest.fixture
async def db(live: LiveApi) -> AsyncIterator[AsyncEngine]:
    """The live server's database, read directly."""
    engine = create_engine(live.database_url, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()


async def movements(db: AsyncEngine, sku: str) -> list[tuple[str, str, str, int, str | None]]:
    """(kind, warehouse code, field, delta, reference) for ``sku``, in order."""
    m = inventory_movements.c
    async with db.connect() as conn:
        rows = await conn.execute(
            sa.select(m.kind, warehouses.c.code, m.field, m.delta, m.reference)
            .join(warehouses, warehouses.c.id == m.warehouse_id)
            .where(m.sku == sku)
            .order_by(m.id)
        )
        return [(r.kind, r.code, r.field, r.delta, r.reference) for r in rows]


async def ledger_matches_levels(db: AsyncEngine, sku: str) -> dict[str, tuple[int, int]]:
    """Per warehouse code: (on_hand, reserved); asserts the ledger sums to exactly that."""
    m = inventory_movements.c
    lv = inventory_levels.c
    async with db.connect() as conn:
        sums = {
            (r.warehouse_id): (int(r.on_hand), int(r.reserved))
            for r in await conn.execute(
                sa.select(
                    m.warehouse_id,
                    sa.func.sum(sa.case((m.field == "ON_HAND", m.delta), else_=0)).label("on_hand"),
                    sa.func.sum(sa.case((m.field == "RESERVED", m.delta), else_=0)).label(
                        "reserved"
                    ),
                )
                .where(m.sku == sku)
                .group_by(m.warehouse_id)
            )
        }
        levels = {
            r.warehouse_id: (r.code, r.on_hand, r.reserved)
            for r in await conn.execute(
                sa.select(lv.warehouse_id, warehouses.c.code, lv.on_hand, lv.reserved)
                .join(warehouses, warehouses.c.id == lv.warehouse_id)
                .where(lv.sku == sku)
            )
        }
    assert sums == {key: (on_hand, held) for key, (_, on_hand, held) in levels.items()}
    return {code: (on_hand, held) for code, on_hand, held in levels.values()}


async def test_restocked_units_go_back_on_hand_where_they_shipped_from_and_discards_do_not(
    admin: GraphQLClient, db: AsyncEngine, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 4)])
    sku = order.skus[0]
    assert await level(admin, sku, order.warehouse_id) == (6, 0, 6)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 3, "DAMAGED")])
    line_id = rma["lines"][0]["id"]

    accepted(await receive_return(admin, rma["id"], [receipt(line_id, 2, "RESTOCK")]))
    assert await level(admin, sku, order.warehouse_id) == (8, 0, 8)
    accepted(await receive_return(admin, rma["id"], [receipt(line_id, 1, "DISCARD")]))
    assert await level(admin, sku, order.warehouse_id) == (8, 0, 8)

    reference = f"return:{rma['number']}"
    returned_moves = [move for move in await movements(db, sku) if move[4] == reference]
    (home,) = await ledger_matches_levels(db, sku)
    assert returned_moves == [
        ("RESTOCK", home, "ON_HAND", 2, reference),
        ("WRITE_OFF", home, "ON_HAND", 0, reference),
    ]
    assert await ledger_matches_levels(db, sku) == {home: (8, 0)}


async def test_restocking_into_a_chosen_warehouse_raises_stock_there(
    admin: GraphQLClient, db: AsyncEngine, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 2)])
    sku = order.skus[0]
    outlet_code = f"OUT-{unique}-{short()}"
    outlet = await create_warehouse(admin, outlet_code)
    rma = await returned(admin, order.id, [return_line(order.line_id(), 2, "DAMAGED")])

    done = accepted(
        await receive_return(
            admin, rma["id"], [receipt(rma["lines"][0]["id"], 2, "RESTOCK", warehouseId=outlet)]
        )
    )

    assert done["status"] == "RECEIVED"
    assert await level(admin, sku, outlet) == (2, 0, 2)
    assert await level(admin, sku, order.warehouse_id) == (8, 0, 8)
    levels = await ledger_matches_levels(db, sku)
    assert levels[outlet_code] == (2, 0)
    assert [move[:4] for move in await movements(db, sku) if move[0] == "RESTOCK"] == [
        ("RESTOCK", outlet_code, "ON_HAND", 2)
    ]


async def test_restocking_into_an_unknown_warehouse_changes_nothing(
    admin: GraphQLClient, db: AsyncEngine, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 2)])
    rma = await returned(admin, order.id, [return_line(order.line_id(), 2, "DAMAGED")])
    before = (await read(admin, order.id), await movements(db, order.skus[0]))

    error = refused(
        await receive_return(
            admin,
            rma["id"],
            [receipt(rma["lines"][0]["id"], 2, warehouseId=global_id("Warehouse", 987654321))],
        ),
        "NOT_FOUND",
    )

    assert error["field"] == ["input", "lines", "0", "warehouseId"]
    assert (await read(admin, order.id), await movements(db, order.skus[0])) == before
