"""createExchange over real HTTP on both backends: a linked return and replacement order.

Orders are built through the API as in the returns module (paid, shipped, delivered); the
replacement's SKUs are stocked in the same warehouse. Every refusal is checked twice: a coded
userError, and re-reading shows nothing written (returns, orders, the original's version,
stock, payments).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx

from tests.api.test_place_order_api import level, order_count, receive, short
from tests.api.test_returns_api import (
    MONEY,
    RETURN,
    Sold,
    all_returns,
    amount,
    create_product,
    receipt,
    refund,
    return_line,
    sold,
)
from tests.support.graphql import GraphQLClient

ORDER = f"""
  id number status paymentStatus version total {MONEY} shippingTotal {MONEY}
  lines {{ id sku quantity }}
  holds(active: true) {{ type reason }}
  payments {{ kind status amount {MONEY} }}
  refunds {{ status total {MONEY} }}
  events {{ type }}
"""

EXCHANGE = f"""
  id settlement shipBeforeReturnReceived dryRun createdBy createdAt
  returnedValue {MONEY} newTotal {MONEY} difference {MONEY}
  order {{ id }} replacementOrder {{ id }} return {{ id status }}
"""

CREATE_EXCHANGE = f"""
mutation($input: CreateExchangeInput!) {{
  createExchange(input: $input) {{
    exchange {{ {EXCHANGE} }}
    return {{ {RETURN} }}
    order {{ {ORDER} }}
    replacementOrder {{ {ORDER} }}
    userErrors {{ field message code }}
  }}
}}"""

LINKS = f"""
query($id: ID!) {{
  order(id: $id) {{
    id version
    exchanges {{ {EXCHANGE} }}
    exchangeFor {{ id order {{ id }} }}
    changes {{ kind version lines {{ sku before after }} }}
    returns {{ id exchange {{ id replacementOrder {{ id }} }} }}
    {ORDER}
  }}
}}"""

AUDIT = "{ inventoryAudit { levelsChecked drift { sku field expected actual } } }"

AVAILABILITY = """
query($skus: [String!]!) {
  availability(skus: $skus, countryCode: "DE") { sku inStock quantity }
}"""


async def stocked(admin: GraphQLClient, order: Sold, price: str, quantity: int = 5) -> str:
    """A new product at ``price`` with ``quantity`` on hand where ``order`` shipped from."""
    sku = f"NEW-{short()}"
    await create_product(admin, sku, price)
    await receive(admin, sku, order.warehouse_id, quantity)
    return sku


async def create_exchange(
    client: GraphQLClient,
    order: Sold,
    new_lines: list[tuple[str, int]],
    *,
    returned: int = 1,
    line: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    return await client.mutate(
        CREATE_EXCHANGE,
        {
            "input": {
                "orderId": order.id,
                "returnLines": [return_line(order.line_id(line), returned, "SIZE_FIT")],
                "newLines": [{"sku": sku, "quantity": q} for sku, q in new_lines],
                **extra,
            }
        },
    )


def made(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    assert payload["exchange"] is not None
    return payload


def refused(payload: dict[str, Any], code: str, field: list[str] | None = None) -> None:
    for name in ("exchange", "return", "order", "replacementOrder"):
        assert payload[name] is None, payload
    (error,) = payload["userErrors"]
    assert error["code"] == code, error
    if field is not None:
        assert error["field"] == ["input", *field], error


async def links(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    found = (await admin.data(LINKS, {"id": order_id}))["order"]
    assert isinstance(found, dict)
    return found


async def state(admin: GraphQLClient, order: Sold, skus: list[str]) -> tuple[Any, ...]:
    """What a refused exchange must leave as it was."""
    return (
        await all_returns(admin),
        await order_count(admin),
        await links(admin, order.id),
        [await level(admin, sku, order.warehouse_id) for sku in skus],
    )


async def in_stock(admin: GraphQLClient, sku: str) -> bool:
    (found,) = (await admin.data(AVAILABILITY, {"skus": [sku]}))["availability"]
    assert isinstance(found["inStock"], bool)
    return found["inStock"]


async def receive_all(admin: GraphQLClient, rma: dict[str, Any], **extra: Any) -> dict[str, Any]:
    lines = [receipt(line["id"], line["quantity"]) for line in rma["lines"]]
    payload = await admin.mutate(
        """mutation($input: ReceiveReturnInput!) {
             receiveReturn(input: $input) { return { id status } userErrors { field code } }
           }""",
        {"input": {"returnId": rma["id"], "lines": lines, **extra}},
    )
    return payload


def event_types(order: dict[str, Any]) -> list[str]:
    return [event["type"] for event in order["events"]]


async def no_drift(admin: GraphQLClient) -> None:
    audit = (await admin.data(AUDIT))["inventoryAudit"]
    assert audit["levelsChecked"] > 0
    assert audit["drift"] == []


# --- the even swap ----------------------------------------------------------------------------


async def test_an_even_swap_moves_no_money_reserves_at_once_and_waits_for_the_return(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 2)])
    new_sku = await stocked(admin, order, "19.99", quantity=1)
    version = (await links(admin, order.id))["version"]
    assert await in_stock(admin, new_sku) is True

    payload = made(await create_exchange(admin, order, [(new_sku, 1)], reason="too small"))

    exchange = payload["exchange"]
    assert exchange["settlement"] == "NONE"
    assert amount(exchange["difference"]) == Decimal("0")
    assert amount(exchange["returnedValue"]) == amount(exchange["newTotal"]) > 0
    assert (exchange["dryRun"], exchange["shipBeforeReturnReceived"]) == (False, False)
    assert payload["return"]["status"] == "APPROVED"
    assert [(x["sku"], x["quantity"]) for x in payload["return"]["lines"]] == [(order.skus[0], 1)]
    original, replacement = payload["order"], payload["replacementOrder"]
    assert original["id"] == order.id == exchange["order"]["id"]
    assert original["version"] == version + 1
    assert exchange["replacementOrder"]["id"] == replacement["id"] != order.id
    assert (replacement["status"], replacement["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert amount(replacement["shippingTotal"]) == Decimal("0")
    assert [(x["sku"], x["quantity"]) for x in replacement["lines"]] == [(new_sku, 1)]
    assert [h["type"] for h in replacement["holds"]] == ["AWAITING_RETURN"]
    assert replacement["payments"] == []  # no money moved, on either order
    assert [p["kind"] for p in original["payments"]] == ["SALE"]
    # the replacement's unit is reserved at once: the storefront sees the last one gone
    assert await level(admin, new_sku, order.warehouse_id) == (1, 1, 0)
    assert await in_stock(admin, new_sku) is False

    # both timelines show it, and the links read back from either side
    assert "order.exchange_created" in event_types(original)
    assert "order.exchange_created" in event_types(replacement)
    seen = await links(admin, order.id)
    assert [e["id"] for e in seen["exchanges"]] == [exchange["id"]]
    assert seen["exchangeFor"] is None
    assert [(c["kind"], c["version"]) for c in seen["changes"]] == [("EXCHANGE", version + 1)]
    assert [(x["sku"], x["before"], x["after"]) for x in seen["changes"][0]["lines"]] == [
        (order.skus[0], 2, 1)
    ]
    assert [r["exchange"]["replacementOrder"]["id"] for r in seen["returns"]] == [replacement["id"]]
    back = await links(admin, replacement["id"])
    assert back["exchangeFor"] == {"id": exchange["id"], "order": {"id": order.id}}
    assert back["exchanges"] == []

    # the return comes in: the hold is lifted, still no money
    assert (await receive_all(admin, payload["return"]))["userErrors"] == []
    released = await read_order(admin, replacement["id"])
    assert released["holds"] == []
    assert released["payments"] == []
    assert released["refunds"] == []
    assert (await read_order(admin, order.id))["refunds"] == []
    await no_drift(admin)


async def read_order(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    found = await admin.data(
        f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}", {"id": order_id}
    )
    order = found["order"]
    assert isinstance(order, dict)
    return order


async def test_shipping_first_places_no_hold(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique, [("19.99", 1)])
    new_sku = await stocked(admin, order, "19.99")

    payload = made(
        await create_exchange(admin, order, [(new_sku, 1)], shipBeforeReturnReceived=True)
    )

    assert payload["exchange"]["shipBeforeReturnReceived"] is True
    assert payload["replacementOrder"]["holds"] == []
    assert payload["replacementOrder"]["status"] == "CONFIRMED"


MAILS = "query($id: ID!) { order(id: $id) { notifications { type recipient status } } }"


async def mailed(admin: GraphQLClient, order_id: str, type_: str) -> dict[str, Any]:
    """The order's SENT mail of ``type_`` (bounded wait: the mail consumer runs after commit)."""
    found: list[dict[str, Any]] = []
    for _ in range(200):
        found = (await admin.data(MAILS, {"id": order_id}))["order"]["notifications"]
        sent = [n for n in found if n["type"] == type_ and n["status"] == "SENT"]
        if sent:
            return sent[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {type_} mail sent: {found}")


async def test_the_customer_is_mailed_the_approved_return_and_the_replacement(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 1)])
    new_sku = await stocked(admin, order, "19.99")

    payload = made(await create_exchange(admin, order, [(new_sku, 1)], paymentToken="tok_ok"))

    email = f"{order.skus[0].removeprefix('SKU-').rsplit('-', 1)[0].lower()}@example.com"
    approved = await mailed(admin, order.id, "RETURN_APPROVED")
    confirmed = await mailed(admin, payload["replacementOrder"]["id"], "ORDER_CONFIRMED")
    assert approved["recipient"] == confirmed["recipient"] == email
    # the return mail tells the customer about the replacement and the difference charged
    number = payload["replacementOrder"]["number"]
    difference = payload["exchange"]["difference"]["amount"]
    listing = (await http.get("/dev/mailbox")).text
    pages = [
        (await http.get(f"/dev/mailbox/{n}")).text
        for n in range(1, 400)
        if f'/dev/mailbox/{n}"' in listing
    ]
    (page,) = [p for p in pages if f"your replacement order {number}" in p]
    assert "ships as soon as we receive these items" in page
    assert "We charged the difference of" in page
    assert difference in page


# --- money --------------------------------------------------------------------------------------


async def test_a_dearer_replacement_is_charged_first_as_the_replacements_payment(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 1)])
    new_sku = await stocked(admin, order, "19.99")

    payload = made(await create_exchange(admin, order, [(new_sku, 1)], paymentToken="tok_ok"))

    exchange = payload["exchange"]
    assert exchange["settlement"] == "CHARGE"
    difference = amount(exchange["difference"])
    assert difference == amount(exchange["newTotal"]) - amount(exchange["returnedValue"]) > 0
    replacement = payload["replacementOrder"]
    assert [(p["kind"], p["status"], amount(p["amount"])) for p in replacement["payments"]] == [
        ("SALE", "SUCCESS", difference)
    ]
    assert replacement["paymentStatus"] == "PAID"
    assert [p["kind"] for p in payload["order"]["payments"]] == ["SALE"]  # only the first sale


async def test_a_dearer_replacement_declined_or_without_a_token_writes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 1)])
    new_sku = await stocked(admin, order, "19.99")
    before = await state(admin, order, [new_sku, *order.skus])

    refused(
        await create_exchange(admin, order, [(new_sku, 1)], paymentToken="tok_declined"),
        "PAYMENT_DECLINED",
    )
    # only the declined gateway call is on record, as for every payment attempt
    after = await state(admin, order, [new_sku, *order.skus])
    declined = after[2]["payments"].pop()
    assert (declined["kind"], declined["status"]) == ("SALE", "DECLINED")
    assert after == before
    before = await state(admin, order, [new_sku, *order.skus])

    refused(
        await create_exchange(admin, order, [(new_sku, 1)]), "PAYMENT_REQUIRED", ["paymentToken"]
    )
    assert await state(admin, order, [new_sku, *order.skus]) == before
    await no_drift(admin)


async def test_a_cheaper_replacement_is_refunded_once_when_the_return_arrives(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 1)])
    new_sku = await stocked(admin, order, "12.50")

    payload = made(await create_exchange(admin, order, [(new_sku, 1)]))

    exchange = payload["exchange"]
    assert exchange["settlement"] == "REFUND_ON_RECEIPT"
    owed = -amount(exchange["difference"])
    assert owed > 0
    assert payload["order"]["refunds"] == []  # not before the units are back
    key = {"idempotencyKey": f"receive-{unique}"}
    assert (await receive_all(admin, payload["return"], **key))["userErrors"] == []
    # a retry of the receipt (same key) and a second receipt do not pay again
    assert (await receive_all(admin, payload["return"], **key))["userErrors"] == []
    again = await receive_all(admin, payload["return"])
    assert [e["code"] for e in again["userErrors"]] != []

    original = await read_order(admin, order.id)
    assert [(r["status"], amount(r["total"])) for r in original["refunds"]] == [("SUCCEEDED", owed)]
    assert original["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert (await read_order(admin, payload["replacementOrder"]["id"]))["holds"] == []

    # the return's value paid for the replacement: refundOrder will not pay it out again
    refusal = await refund(admin, order.id, returnId=payload["return"]["id"])
    assert [e["code"] for e in refusal["userErrors"]] == ["EXCHANGE_RETURN"]
    assert len((await read_order(admin, order.id))["refunds"]) == 1
    await no_drift(admin)


async def test_a_later_line_refund_does_not_pay_back_the_exchanged_units(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 2)])
    new_sku = await stocked(admin, order, "19.99")
    exchange = made(await create_exchange(admin, order, [(new_sku, 1)]))["exchange"]
    line = {"orderLineId": order.line_id(), "quantity": 2}

    too_many = await refund(admin, order.id, lines=[line])

    assert [(e["code"], e["field"]) for e in too_many["userErrors"]] == [
        ("REFUND_QUANTITY_EXCEEDED", ["input", "lines", "0", "quantity"])
    ]
    done = await refund(admin, order.id, lines=[{**line, "quantity": 1}])
    assert done["userErrors"] == []
    # the refunded unit and the exchanged one together give back the line's charge, no more
    charged = await admin.data(
        "query($id: ID!) { order(id: $id) { lines { chargedTotal { amount } } } }",
        {"id": order.id},
    )
    (line_charge,) = charged["order"]["lines"]
    refunded = amount(done["refund"]["total"])
    assert refunded + amount(exchange["returnedValue"]) == amount(line_charge["chargedTotal"])
    assert len((await read_order(admin, order.id))["refunds"]) == 1


# --- dry run, keys, races -----------------------------------------------------------------------


async def test_a_dry_run_answers_the_terms_and_writes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 1)])
    new_sku = await stocked(admin, order, "19.99")
    before = await state(admin, order, [new_sku, *order.skus])

    payload = made(await create_exchange(admin, order, [(new_sku, 1)], dryRun=True))

    exchange = payload["exchange"]
    assert (exchange["dryRun"], exchange["settlement"]) == (True, "CHARGE")
    assert amount(exchange["difference"]) > 0
    assert exchange["replacementOrder"]["id"] == payload["replacementOrder"]["id"]
    assert exchange["return"]["status"] == "APPROVED"
    assert [(x["sku"], x["quantity"]) for x in payload["replacementOrder"]["lines"]] == [
        (new_sku, 1)
    ]
    assert await state(admin, order, [new_sku, *order.skus]) == before


async def test_a_retried_key_answers_the_same_exchange_and_changes_nothing_again(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 1)])
    new_sku = await stocked(admin, order, "19.99")
    key: dict[str, Any] = {"idempotencyKey": f"exchange-{unique}", "paymentToken": "tok_ok"}

    first = made(await create_exchange(admin, order, [(new_sku, 1)], **key))
    after_first = await state(admin, order, [new_sku])
    second = made(await create_exchange(admin, order, [(new_sku, 1)], **key))

    assert second["exchange"]["id"] == first["exchange"]["id"]
    assert second["replacementOrder"]["id"] == first["replacementOrder"]["id"]
    assert second["return"]["id"] == first["return"]["id"]
    assert await state(admin, order, [new_sku]) == after_first
    payments = (await read_order(admin, first["replacementOrder"]["id"]))["payments"]
    assert len(payments) == 1  # charged once


async def test_two_concurrent_exchanges_of_the_same_unit_let_one_win(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 1)])
    new_sku = await stocked(admin, order, "19.99")
    returns_before, orders_before = await all_returns(admin), await order_count(admin)

    answers = await asyncio.gather(
        create_exchange(admin, order, [(new_sku, 1)]),
        create_exchange(admin, order, [(new_sku, 1)]),
    )

    won = [a for a in answers if a["userErrors"] == []]
    lost = [a for a in answers if a["userErrors"] != []]
    assert len(won) == 1, answers
    assert len(lost) == 1, answers
    assert lost[0]["exchange"] is None
    (error,) = lost[0]["userErrors"]
    assert error["code"] == "RETURN_QUANTITY_EXCEEDED", error
    assert (await all_returns(admin), await order_count(admin)) == (
        returns_before + 1,
        orders_before + 1,
    )
    assert len((await links(admin, order.id))["exchanges"]) == 1
    assert await level(admin, new_sku, order.warehouse_id) == (5, 1, 4)
    await no_drift(admin)


# --- bad input ----------------------------------------------------------------------------------


async def test_bad_exchanges_are_coded_user_errors_and_write_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 2)])
    other = await sold(admin, unique, [("19.99", 1)])
    new_sku = await stocked(admin, order, "19.99")
    before = await state(admin, order, [new_sku, *order.skus])

    async def refuses(
        code: str, field: list[str], new: list[tuple[str, int]], **extra: Any
    ) -> None:
        refused(await create_exchange(admin, order, new, **extra), code, field)
        assert await state(admin, order, [new_sku, *order.skus]) == before

    await refuses(
        "RETURN_QUANTITY_EXCEEDED", ["returnLines", "0", "quantity"], [(new_sku, 1)], returned=3
    )
    await refuses("INVALID_QUANTITY", ["newLines", "0", "quantity"], [(new_sku, 0)])
    await refuses("NOT_FOUND", ["newLines", "0", "sku"], [(f"NOPE-{unique}", 1)])
    await refuses("REQUIRED", ["newLines"], [])
    await refuses("OUT_OF_STOCK", ["newLines"], [(new_sku, 6)])
    await refuses("DUPLICATE", ["newLines", "1", "sku"], [(new_sku, 1), (new_sku, 1)])

    # a line of another order, and an id that is no order line
    foreign = await admin.mutate(
        CREATE_EXCHANGE,
        {
            "input": {
                "orderId": order.id,
                "returnLines": [return_line(other.line_id(), 1)],
                "newLines": [{"sku": new_sku, "quantity": 1}],
            }
        },
    )
    assert foreign["userErrors"][0]["code"] == "NOT_FOUND", foreign
    assert foreign["exchange"] is None
    not_a_line = await admin.mutate(
        CREATE_EXCHANGE,
        {
            "input": {
                "orderId": order.id,
                "returnLines": [return_line(order.id, 1)],
                "newLines": [{"sku": new_sku, "quantity": 1}],
            }
        },
    )
    refused(not_a_line, "INVALID_ID", ["returnLines", "0", "orderLineId"])
    assert await state(admin, order, [new_sku, *order.skus]) == before


async def test_an_order_not_yet_delivered_cannot_be_exchanged(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 1)], ship=False)
    new_sku = await stocked(admin, order, "19.99")
    before = await state(admin, order, [new_sku, *order.skus])

    payload = await create_exchange(admin, order, [(new_sku, 1)])

    refused(payload, "NOT_DELIVERED")
    assert await state(admin, order, [new_sku, *order.skus]) == before


async def test_a_storefront_cannot_make_an_exchange(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("19.99", 1)])
    new_sku = await stocked(admin, order, "19.99")
    before = await state(admin, order, [new_sku])

    refused(await create_exchange(storefront, order, [(new_sku, 1)]), "FORBIDDEN")
    assert await state(admin, order, [new_sku]) == before
