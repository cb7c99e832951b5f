"""editOrder and cancelOrderLines over real HTTP on both backends: one change-set engine.

After every step the stock levels, the ledger audit and the money are checked: only changed
units move, the payment equals the new total, a declined card changes nothing.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from tests.api.test_place_order_api import (
    address,
    level,
    order_input,
    place_ok,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

EDIT_FIELDS = """
  number kind dryRun version paymentSettlement promisedDeliveryAt reason
  before { subtotal { amount } total { amount } }
  after { subtotal { amount } discountTotal { amount } taxTotal { amount } total { amount } }
  totalDifference { amount currency }
  reservedChanges { sku warehouseId delta }
  lines { orderLineId sku before after }
"""

ORDER_FIELDS = """
  id version status paymentStatus subtotal { amount } total { amount }
  shippingAddress { city countryCode }
  lines { id sku quantity unitPrice { amount } }
  fulfillments { id status lines { orderLineId sku quantity } }
  payments { kind status amount { amount } }
  refunds { status total { amount } }
  events { type }
  routing { allocations { sku quantity warehouse { id } } }
  changes { number kind version lines { sku before after } totalDifference { amount } actor }
"""

EDIT = f"""
mutation($input: EditOrderInput!) {{
  editOrder(input: $input) {{
    order {{ {ORDER_FIELDS} }}
    edit {{ {EDIT_FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

CANCEL_LINES = f"""
mutation($input: CancelOrderLinesInput!) {{
  cancelOrderLines(input: $input) {{
    order {{ {ORDER_FIELDS} }}
    edit {{ {EDIT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

READ = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
PAY = """
mutation($input: PaymentInput!) {
  %s(input: $input) { order { status paymentStatus } userErrors { code message } }
}"""
START_PICKING = """
mutation($id: ID!) {
  startPicking(input: {fulfillmentId: $id}) { userErrors { code message } }
}"""
CANCEL = """
mutation($id: ID!) {
  cancelOrder(input: {orderId: $id, reason: "race"}) { userErrors { code } }
}"""
AUDIT = "{ inventoryAudit { drift { sku } } }"


async def read(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    data = await admin.data(READ, {"id": order_id})
    order = data["order"]
    assert isinstance(order, dict)
    return order


async def edit(admin: GraphQLClient, order_id: str, changes: list[Any], **extra: Any) -> Any:
    return await admin.mutate(EDIT, {"input": {"orderId": order_id, "changes": changes, **extra}})


async def pay(admin: GraphQLClient, mutation: str, order_id: str, token: str = "tok_ok") -> None:
    payload = await admin.mutate(PAY % mutation, {"input": {"orderId": order_id, "token": token}})
    assert payload["userErrors"] == [], payload


async def no_drift(admin: GraphQLClient) -> None:
    assert (await admin.data(AUDIT))["inventoryAudit"]["drift"] == []


def charged(order: dict[str, Any]) -> Decimal:
    """What the provider holds for the order: charges kept, less refunds paid."""
    total = Decimal(0)
    for p in order["payments"]:
        if p["status"] != "SUCCESS":
            continue
        if p["kind"] in {"SALE", "CAPTURE"}:
            total += Decimal(p["amount"]["amount"])
    for r in order["refunds"]:
        if r["status"] == "SUCCEEDED":
            total -= Decimal(r["total"]["amount"])
    return total


def line_of(order: dict[str, Any], sku: str) -> dict[str, Any]:
    (line,) = [line for line in order["lines"] if line["sku"] == sku]
    assert isinstance(line, dict)
    return line


async def two_items(admin: GraphQLClient, unique: str) -> tuple[Any, Any]:
    first = await stock(admin, unique, on_hand=10, price="10.00")
    second = await stock(admin, unique, on_hand=10, price="4.00")
    return first, second


async def test_an_edit_moves_only_the_changed_units_and_a_dry_run_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a, b = await two_items(admin, unique)
    c = await stock(admin, unique, on_hand=5, price="2.50")
    order = await read(
        admin, (await place_ok(storefront, order_input([(a.sku, 3), (b.sku, 2)])))["id"]
    )
    line_a, line_b = line_of(order, a.sku), line_of(order, b.sku)
    changes = [
        {"setQuantity": {"orderLineId": line_a["id"], "quantity": 1}},
        {"removeLine": {"orderLineId": line_b["id"]}},
        {"addLine": {"sku": c.sku, "quantity": 2}},
    ]

    preview = await edit(admin, order["id"], changes, dryRun=True)
    assert preview["userErrors"] == [], preview
    p = preview["edit"]
    assert p["dryRun"] is True
    assert p["number"] is None
    assert Decimal(p["after"]["subtotal"]["amount"]) == Decimal("15.00")  # 10 + 2 x 2.50
    assert Decimal(p["totalDifference"]["amount"]) == Decimal("15.00") - Decimal("38.00")
    assert p["paymentSettlement"] == "NONE"  # unpaid: the payment will be for the new total
    assert sorted((m["sku"], m["delta"]) for m in p["reservedChanges"]) == sorted(
        [(a.sku, -2), (b.sku, -2), (c.sku, 2)]
    )
    # nothing was written
    assert await level(admin, a.sku, a.warehouse_id) == (10, 3, 7)
    assert await level(admin, c.sku, c.warehouse_id) == (5, 0, 5)
    assert (await read(admin, order["id"]))["version"] == order_version(preview)

    payload = await edit(admin, order["id"], changes, reason="customer phoned")
    assert payload["userErrors"] == [], payload
    done, after = payload["edit"], payload["order"]
    assert done["number"] == 1
    assert done["dryRun"] is False
    assert done["after"] == p["after"]  # the preview is the real thing
    assert sorted((line["sku"], line["quantity"]) for line in after["lines"]) == sorted(
        [(a.sku, 1), (c.sku, 2)]
    )
    assert Decimal(after["subtotal"]["amount"]) == Decimal("15.00")
    assert await level(admin, a.sku, a.warehouse_id) == (10, 1, 9)
    assert await level(admin, b.sku, b.warehouse_id) == (10, 0, 10)
    assert await level(admin, c.sku, c.warehouse_id) == (5, 2, 3)
    assert after["version"] == done["version"]
    assert sorted((r["sku"], r["quantity"]) for r in after["routing"]["allocations"]) == sorted(
        [(a.sku, 1), (c.sku, 2)]
    )
    assert "order.edited" in [e["type"] for e in after["events"]]
    (change,) = after["changes"]
    assert change["number"] == 1
    assert change["kind"] == "EDIT"
    assert change["actor"]
    await no_drift(admin)


def order_version(payload: dict[str, Any]) -> int:
    version = payload["order"]["version"]
    assert isinstance(version, int)
    return version


async def test_an_address_only_edit_reserves_and_releases_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a = await stock(admin, unique, on_hand=10)
    order = await read(admin, (await place_ok(storefront, order_input([(a.sku, 2)])))["id"])
    new_address = address(city="Hamburg", postalCode="20095")

    payload = await edit(admin, order["id"], [{"setShippingAddress": new_address}])

    assert payload["userErrors"] == [], payload
    assert payload["edit"]["reservedChanges"] == []
    assert payload["order"]["shippingAddress"]["city"] == "Hamburg"
    assert await level(admin, a.sku, a.warehouse_id) == (10, 2, 8)


async def test_a_higher_total_on_a_paid_order_is_charged_first_and_a_decline_changes_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a, b = await two_items(admin, unique)
    order = await read(admin, (await place_ok(storefront, order_input([(a.sku, 1)])))["id"])
    await pay(admin, "capturePayment", order["id"])
    paid = await read(admin, order["id"])
    assert paid["paymentStatus"] == "PAID"
    add = [{"addLine": {"sku": b.sku, "quantity": 2}}]

    missing = await edit(admin, order["id"], add)
    assert [e["code"] for e in missing["userErrors"]] == ["PAYMENT_REQUIRED"]
    declined = await edit(admin, order["id"], add, paymentToken="tok_declined")
    assert [e["code"] for e in declined["userErrors"]] == ["PAYMENT_DECLINED"]
    unchanged = await read(admin, order["id"])
    assert unchanged["version"] == paid["version"]
    assert [line["sku"] for line in unchanged["lines"]] == [a.sku]
    assert await level(admin, b.sku, b.warehouse_id) == (10, 0, 10)

    payload = await edit(admin, order["id"], add, paymentToken="tok_ok")
    assert payload["userErrors"] == [], payload
    assert payload["edit"]["paymentSettlement"] == "CHARGE"
    after = await read(admin, order["id"])
    assert Decimal(payload["edit"]["totalDifference"]["amount"]) > 0
    assert charged(after) == Decimal(after["total"]["amount"])
    assert await level(admin, b.sku, b.warehouse_id) == (10, 2, 8)

    # and back down: the difference is refunded, the payment equals the new total again
    line_b = line_of(after, b.sku)
    down = await edit(admin, order["id"], [{"removeLine": {"orderLineId": line_b["id"]}}])
    assert down["userErrors"] == [], down
    assert down["edit"]["paymentSettlement"] == "REFUND"
    final = await read(admin, order["id"])
    assert charged(final) == Decimal(final["total"]["amount"])
    assert await level(admin, b.sku, b.warehouse_id) == (10, 0, 10)
    assert [c["number"] for c in final["changes"]] == [1, 2]
    await no_drift(admin)


async def test_a_higher_total_on_an_authorized_order_replaces_the_hold_and_captures_it_all(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a, b = await two_items(admin, unique)
    order = await read(admin, (await place_ok(storefront, order_input([(a.sku, 1)])))["id"])
    await pay(admin, "authorizePayment", order["id"])

    payload = await edit(
        admin, order["id"], [{"addLine": {"sku": b.sku, "quantity": 1}}], paymentToken="tok_ok"
    )

    assert payload["userErrors"] == [], payload
    assert payload["edit"]["paymentSettlement"] == "AUTHORIZE"
    after = await read(admin, order["id"])
    kinds = [(p["kind"], p["status"]) for p in after["payments"]]
    assert kinds.count(("AUTHORIZE", "SUCCESS")) == 2
    assert ("VOID", "SUCCESS") in kinds  # the first hold, replaced
    assert after["paymentStatus"] == "AUTHORIZED"
    # the new line's warehouse got a pending fulfillment for it
    pending = [f for f in after["fulfillments"] if f["status"] == "PENDING"]
    assert sorted((fl["sku"], fl["quantity"]) for f in pending for fl in f["lines"]) == sorted(
        [(a.sku, 1), (b.sku, 1)]
    )
    assert "fulfillment.created" in [e["type"] for e in after["events"]]
    await pay(admin, "capturePayment", order["id"])
    captured = await read(admin, order["id"])
    assert captured["paymentStatus"] == "PAID"
    assert charged(captured) == Decimal(captured["total"]["amount"])


async def test_cancel_order_lines_releases_unpicked_units_and_refunds_their_share(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a, b = await two_items(admin, unique)
    order = await read(
        admin, (await place_ok(storefront, order_input([(a.sku, 3), (b.sku, 1)])))["id"]
    )
    await pay(admin, "capturePayment", order["id"])
    confirmed = await read(admin, order["id"])
    line_a, line_b = line_of(confirmed, a.sku), line_of(confirmed, b.sku)

    payload = await admin.mutate(
        CANCEL_LINES,
        {
            "input": {
                "orderId": order["id"],
                "lines": [{"orderLineId": line_a["id"], "quantity": 2}],
                "reason": "out of season",
            }
        },
    )

    assert payload["userErrors"] == [], payload
    assert payload["edit"]["kind"] == "CANCELLATION"
    assert payload["edit"]["paymentSettlement"] == "REFUND"
    after = await read(admin, order["id"])
    assert after["status"] == "CONFIRMED"  # the rest goes ahead
    assert line_of(after, a.sku)["quantity"] == 1
    assert await level(admin, a.sku, a.warehouse_id) == (10, 1, 9)
    assert charged(after) == Decimal(after["total"]["amount"])
    assert "order.lines_cancelled" in [e["type"] for e in after["events"]]

    # picked units cannot be cancelled
    fulfillments = [f for f in after["fulfillments"] if f["status"] == "PENDING"]
    picked = next(f for f in fulfillments if any(fl["sku"] == b.sku for fl in f["lines"]))
    started = await admin.mutate(START_PICKING, {"id": picked["id"]})
    assert started["userErrors"] == [], started
    refused = await admin.mutate(
        CANCEL_LINES,
        {
            "input": {
                "orderId": order["id"],
                "lines": [{"orderLineId": line_b["id"], "quantity": 1}],
                "reason": "too late",
            }
        },
    )
    assert [e["code"] for e in refused["userErrors"]] == ["LINE_NOT_EDITABLE"]
    assert await level(admin, b.sku, b.warehouse_id) == (10, 1, 9)
    await no_drift(admin)


async def test_bad_edits_get_clear_errors_and_change_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a = await stock(admin, unique, on_hand=3)
    order = await read(admin, (await place_ok(storefront, order_input([(a.sku, 2)])))["id"])
    line = order["lines"][0]["id"]
    version = (await read(admin, order["id"]))["version"]

    stale = await edit(
        admin,
        order["id"],
        [{"setQuantity": {"orderLineId": line, "quantity": 1}}],
        expectedVersion=version - 1,
    )
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [
        ("CONFLICT", version)
    ]
    too_many = await edit(
        admin, order["id"], [{"setQuantity": {"orderLineId": line, "quantity": 4}}]
    )
    assert [e["code"] for e in too_many["userErrors"]] == ["OUT_OF_STOCK"]
    empty = await edit(admin, order["id"], [{"removeLine": {"orderLineId": line}}])
    assert [e["code"] for e in empty["userErrors"]] == ["ORDER_WOULD_BE_EMPTY"]
    same = await edit(admin, order["id"], [{"setQuantity": {"orderLineId": line, "quantity": 2}}])
    assert [e["code"] for e in same["userErrors"]] == ["NOTHING_TO_CHANGE"]
    unknown = await edit(admin, order["id"], [{"addLine": {"sku": "NO-SUCH-SKU", "quantity": 1}}])
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    customer = await edit(
        storefront, order["id"], [{"setQuantity": {"orderLineId": line, "quantity": 1}}]
    )
    assert [e["code"] for e in customer["userErrors"]] == ["FORBIDDEN"]
    assert (await read(admin, order["id"]))["version"] == version
    assert await level(admin, a.sku, a.warehouse_id) == (3, 2, 1)


async def test_an_edit_racing_a_cancel_one_wins_and_nothing_is_half_applied(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str, live: LiveApi
) -> None:
    a, b = await two_items(admin, unique)
    order = await read(admin, (await place_ok(storefront, order_input([(a.sku, 2)])))["id"])
    add = [{"addLine": {"sku": b.sku, "quantity": 3}}]

    edited, cancelled = await asyncio.gather(
        edit(admin, order["id"], add), admin.mutate(CANCEL, {"id": order["id"]})
    )

    after = await read(admin, order["id"])
    if after["status"] == "CANCELLED":
        assert cancelled["userErrors"] == []
        # the edit either lost (refused) or came first and was then cancelled with the order
        assert await level(admin, a.sku, a.warehouse_id) == (10, 0, 10)
        assert await level(admin, b.sku, b.warehouse_id) == (10, 0, 10)
    else:
        assert edited["userErrors"] == [], edited
        assert [e["code"] for e in cancelled["userErrors"]] != []
        assert await level(admin, b.sku, b.warehouse_id) == (10, 3, 7)
    await no_drift(admin)


NOTIFIED = """
query($id: ID!) { order(id: $id) { notifications { type status } } }
"""


async def notified(admin: GraphQLClient, order_id: str, wanted: str) -> list[str]:
    for _ in range(200):
        data = await admin.data(NOTIFIED, {"id": order_id})
        types = [n["type"] for n in data["order"]["notifications"]]
        if wanted in types:
            return types
        await asyncio.sleep(0.05)
    return types


async def test_the_customer_hears_about_an_edit_and_a_partial_cancellation_once_each(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a, b = await two_items(admin, unique)
    placed = await place_ok(storefront, order_input([(a.sku, 2), (b.sku, 2)]))
    order = await read(admin, placed["id"])

    edited = await edit(
        admin,
        order["id"],
        [{"setQuantity": {"orderLineId": line_of(order, a.sku)["id"], "quantity": 3}}],
    )
    assert edited["userErrors"] == [], edited
    lines = [{"orderLineId": line_of(order, b.sku)["id"], "quantity": 1}]
    cut = await admin.mutate(
        CANCEL_LINES, {"input": {"orderId": order["id"], "lines": lines, "reason": "damaged"}}
    )
    assert cut["userErrors"] == [], cut
    silent = await edit(
        admin,
        order["id"],
        [{"setQuantity": {"orderLineId": line_of(order, a.sku)["id"], "quantity": 2}}],
        notifyCustomer=False,
    )
    assert silent["userErrors"] == [], silent

    types = await notified(admin, order["id"], "ORDER_CANCELLED")
    assert "ORDER_EDITED" in await notified(admin, order["id"], "ORDER_EDITED")
    types = await notified(admin, order["id"], "ORDER_EDITED")
    assert types.count("ORDER_EDITED") == 1  # the silent edit mailed nobody
    assert types.count("ORDER_CANCELLED") == 1


async def test_an_edit_racing_a_pick_leaves_the_fulfillment_equal_to_the_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a = await stock(admin, unique, on_hand=10)
    placed = await place_ok(storefront, order_input([(a.sku, 4)]))
    await pay(admin, "capturePayment", placed["id"])
    order = await read(admin, placed["id"])
    (fulfillment,) = order["fulfillments"]
    line = line_of(order, a.sku)["id"]

    edited, picked = await asyncio.gather(
        edit(
            admin,
            order["id"],
            [{"setQuantity": {"orderLineId": line, "quantity": 1}}],
            paymentToken="tok_ok",
        ),
        admin.mutate(START_PICKING, {"id": fulfillment["id"]}),
    )

    after = await read(admin, order["id"])
    quantity = line_of(after, a.sku)["quantity"]
    open_units = sum(
        fl["quantity"]
        for f in after["fulfillments"]
        if f["status"] != "CANCELLED"
        for fl in f["lines"]
    )
    assert open_units == quantity  # the warehouse picks exactly what the order holds
    assert await level(admin, a.sku, a.warehouse_id) == (10, quantity, 10 - quantity)
    if edited["userErrors"]:
        # the pick came first: the units are locked (or, had money been taken, CONFLICT)
        assert [e["code"] for e in edited["userErrors"]] in (["LINE_NOT_EDITABLE"], ["CONFLICT"])
        assert quantity == 4
        assert picked["userErrors"] == []
    else:
        assert quantity == 1
    assert charged(after) == Decimal(after["total"]["amount"])
    await no_drift(admin)
