"""The order read side over real HTTP, on both backends: filters, sorts, keyset pages, batching.

Tests in this module share one database, so each one tags the orders it creates (in the contact
email) and narrows every query to that tag with the ``search`` filter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.api.test_place_order_api import (
    create_customer,
    create_product,
    create_warehouse,
    global_id,
    order_input,
    place_ok,
    receive,
    short,
    stock,
)
from tests.support.aio import run_sync
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
# the server's background expiry job may run at any moment; its one query is not ours
EXPIRY_JOB = "ORDER BY orders.expires_at"
SEEDED_ORDERS = 20

ORDERS = """
query($first: Int, $after: String, $last: Int, $before: String,
      $filter: OrderFilter, $sort: OrderSort) {
  orders(first: $first, after: $after, last: $last, before: $before,
         filter: $filter, sort: $sort) {
    totalCount
    edges { cursor node { id number email contactName total { amount } createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

PAY = """
mutation($input: PaymentInput!) {
  authorizePayment(input: $input) { order { status } userErrors { code } }
}"""

HOLD = """
mutation($input: HoldOrderInput!) {
  holdOrder(input: $input) { order { id } userErrors { code } }
}"""

CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { code } }
}"""


def tagged(tag: str, index: int = 0) -> str:
    return f"buyer{index}-{tag.lower()}@example.com"


async def orders(client: GraphQLClient, tag: str | None = None, **arguments: Any) -> dict[str, Any]:
    """One page of orders; ``tag`` narrows the search filter to one test's orders."""
    given_filter = dict(arguments.pop("filter", {}))
    if tag is not None:
        given_filter.setdefault("search", tag)
    data = await client.data(ORDERS, {"filter": given_filter, **arguments})
    connection = data["orders"]
    assert isinstance(connection, dict)
    return connection


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def authorize(admin: GraphQLClient, order_id: str) -> None:
    payload = await admin.mutate(PAY, {"input": {"orderId": order_id, "token": "tok_ok"}})
    assert payload["userErrors"] == [], payload


async def hold(admin: GraphQLClient, order_id: str) -> None:
    payload = await admin.mutate(HOLD, {"input": {"orderId": order_id, "type": "STOCK_ISSUE"}})
    assert payload["userErrors"] == [], payload


async def cancel(admin: GraphQLClient, order_id: str) -> None:
    payload = await admin.mutate(CANCEL, {"input": {"orderId": order_id, "reason": "test"}})
    assert payload["userErrors"] == [], payload


async def place_tagged(
    client: GraphQLClient, sku: str, tag: str, quantities: list[int], **extra: Any
) -> list[dict[str, Any]]:
    """One order per quantity, in order, each with a tagged email."""
    placed = []
    for index, quantity in enumerate(quantities):
        placed.append(
            await place_ok(
                client, order_input([(sku, quantity)], email=tagged(tag, index), **extra)
            )
        )
    return placed


# --- filters ---------------------------------------------------------------------------------


async def test_orders_are_filtered_by_status_and_payment_status(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    placed, confirmed, cancelled = await place_tagged(storefront, item.sku, unique, [1, 1, 1])
    await authorize(admin, confirmed["id"])
    await cancel(admin, cancelled["id"])

    by_status = await orders(admin, unique, filter={"status": ["CONFIRMED", "CANCELLED"]})
    only_placed = await orders(admin, unique, filter={"status": ["PLACED"]})
    authorized = await orders(admin, unique, filter={"paymentStatus": ["AUTHORIZED"]})
    pending = await orders(admin, unique, filter={"paymentStatus": ["PENDING"]})
    both = await orders(
        admin, unique, filter={"status": ["PLACED"], "paymentStatus": ["AUTHORIZED"]}
    )

    assert set(ids(by_status)) == {confirmed["id"], cancelled["id"]}
    assert by_status["totalCount"] == 2
    assert ids(only_placed) == [placed["id"]]
    assert ids(authorized) == [confirmed["id"]]
    assert set(ids(pending)) == {placed["id"], cancelled["id"]}
    assert (ids(both), both["totalCount"]) == ([], 0)


async def test_orders_are_filtered_by_channel(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    (web,) = await place_tagged(storefront, item.sku, unique, [1])
    (phone,) = await place_tagged(admin, item.sku, unique, [1], channel="PHONE")
    (market,) = await place_tagged(admin, item.sku, unique, [1], channel="MARKETPLACE")

    assert ids(await orders(admin, unique, filter={"channel": ["PHONE"]})) == [phone["id"]]
    assert set(ids(await orders(admin, unique, filter={"channel": ["WEB", "MARKETPLACE"]}))) == {
        web["id"],
        market["id"],
    }
    assert ids(await orders(admin, unique, filter={"channel": ["STORE"]})) == []


async def test_orders_are_filtered_by_customer(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    customer_id = await create_customer(admin, f"cust-{unique.lower()}@example.com")
    other_id = await create_customer(admin, f"other-{unique.lower()}@example.com")
    (guest,) = await place_tagged(storefront, item.sku, unique, [1])
    (mine,) = await place_tagged(admin, item.sku, unique, [1], customerId=customer_id)
    await place_tagged(admin, item.sku, unique, [1], customerId=other_id)

    found = await orders(admin, filter={"customerId": customer_id})

    assert ids(found) == [mine["id"]]
    assert found["totalCount"] == 1
    assert guest["id"] not in ids(found)


async def test_a_malformed_customer_filter_is_an_invalid_id(admin: GraphQLClient) -> None:
    result = await admin.execute(ORDERS, {"filter": {"customerId": global_id("Product", 1)}})

    assert result.error_codes == ["INVALID_ID"]


async def test_orders_are_filtered_by_creation_time(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    first, second, third = await place_tagged(storefront, item.sku, unique, [1, 1, 1])
    assert first["createdAt"] < second["createdAt"] < third["createdAt"]

    after = await orders(admin, unique, filter={"createdAfter": second["createdAt"]})
    before = await orders(admin, unique, filter={"createdBefore": second["createdAt"]})
    between = await orders(
        admin,
        unique,
        filter={"createdAfter": second["createdAt"], "createdBefore": third["createdAt"]},
    )

    # createdAfter is inclusive, createdBefore exclusive
    assert ids(after) == [third["id"], second["id"]]
    assert ids(before) == [first["id"]]
    assert ids(between) == [second["id"]]


async def test_a_creation_time_without_a_zone_is_not_a_server_error(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    (order,) = await place_tagged(storefront, item.sku, unique, [1])

    result = await admin.execute(
        ORDERS, {"filter": {"search": unique, "createdAfter": "2000-01-01T00:00:00"}}
    )

    assert result.status == 200, result.body
    errors = result.body.get("errors") or []
    if errors:  # refusing a zoneless time is fine, as a coded client error
        assert [e.get("extensions", {}).get("code") for e in errors] == ["BAD_USER_INPUT"]
        assert "SQL" not in errors[0]["message"]
    else:  # and so is reading it as UTC
        assert ids(result.data["orders"]) == [order["id"]]


async def test_orders_are_searched_by_part_of_the_number_email_or_name(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    (order,) = await place_tagged(storefront, item.sku, unique, [1], name=f"Grace Hopper {unique}")
    other = await place_ok(
        storefront,
        order_input([(item.sku, 1)], email=tagged(unique, 1), name=f"Alan Turing {unique}"),
    )

    by_number = await orders(admin, filter={"search": order["number"][3:]})
    by_email = await orders(admin, filter={"search": tagged(unique, 0).upper()})
    by_name = await orders(admin, filter={"search": f"grace hopper {unique.lower()}"})
    by_tag = await orders(admin, filter={"search": unique})

    numbers = [edge["node"]["number"] for edge in by_number["edges"]]
    assert order["number"] in numbers
    assert all(order["number"][3:] in number for number in numbers)
    assert ids(by_email) == [order["id"]]
    assert ids(by_name) == [order["id"]]
    assert set(ids(by_tag)) == {order["id"], other["id"]}


async def test_percent_and_underscore_in_a_search_are_literal(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    (percent,) = await place_tagged(storefront, item.sku, unique, [1], name=f"Deal 50%off {unique}")
    (letter,) = await place_tagged(storefront, item.sku, unique, [1], name=f"Deal 50Xoff {unique}")
    (under,) = await place_tagged(storefront, item.sku, unique, [1], name=f"Deal a_b {unique}")
    await place_tagged(storefront, item.sku, unique, [1], name=f"Deal axb {unique}")

    assert ids(await orders(admin, filter={"search": f"50%off {unique}"})) == [percent["id"]]
    assert ids(await orders(admin, filter={"search": f"50Xoff {unique}"})) == [letter["id"]]
    assert ids(await orders(admin, filter={"search": f"a_b {unique}"})) == [under["id"]]
    assert ids(await orders(admin, unique, filter={"search": "%"})) == [percent["id"]]


async def test_orders_are_filtered_by_whether_they_have_an_active_hold(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    held, free = await place_tagged(storefront, item.sku, unique, [1, 1])
    await hold(admin, held["id"])

    assert ids(await orders(admin, unique, filter={"hasHold": True})) == [held["id"]]
    assert ids(await orders(admin, unique, filter={"hasHold": False})) == [free["id"]]
    assert len(ids(await orders(admin, unique))) == 2


# --- sorting and keyset pages ----------------------------------------------------------------


@dataclass(frozen=True)
class Sortable:
    tag: str
    created: list[str]  # ids in creation order
    totals: dict[str, Decimal]


async def five_orders(admin: GraphQLClient, storefront: GraphQLClient, unique: str) -> Sortable:
    """Five orders with totals 34.95, 14.95, 24.95, 14.95 (a tie), 54.95."""
    item = await stock(admin, unique, on_hand=50, price="10.00")
    placed = await place_tagged(storefront, item.sku, unique, [3, 1, 2, 1, 5])
    return Sortable(
        unique,
        [o["id"] for o in placed],
        {o["id"]: Decimal(o["total"]["amount"]) for o in placed},
    )


async def walk_forward(
    admin: GraphQLClient, tag: str, size: int, sort: dict[str, str] | None = None
) -> list[str]:
    """Every page from the start with first/after; checks pageInfo on the way."""
    seen: list[str] = []
    after: str | None = None
    while True:
        page = await orders(admin, tag, first=size, after=after, sort=sort)
        assert len(page["edges"]) <= size
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen.extend(ids(page))
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert len(page["edges"]) == size
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert len(seen) == len(set(seen)), "a page repeated an order"
    return seen


async def walk_backward(
    admin: GraphQLClient, tag: str, size: int, sort: dict[str, str] | None = None
) -> list[str]:
    """Every page from the end with last/before, returned in the sort's order."""
    seen: list[str] = []
    before: str | None = None
    while True:
        page = await orders(admin, tag, last=size, before=before, sort=sort)
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        seen = ids(page) + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert len(seen) == len(set(seen)), "a page repeated an order"
    return seen


async def test_orders_are_newest_first_by_default_across_pages(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    made = await five_orders(admin, storefront, unique)
    newest_first = list(reversed(made.created))

    first_page = await orders(admin, unique)

    assert ids(first_page) == newest_first
    assert first_page["totalCount"] == 5
    assert await walk_forward(admin, unique, 2) == newest_first
    assert await walk_backward(admin, unique, 2) == newest_first
    explicit = {"field": "CREATED_AT", "direction": "DESC"}
    assert await walk_forward(admin, unique, 2, explicit) == newest_first
    ascending = {"field": "CREATED_AT", "direction": "ASC"}
    assert await walk_forward(admin, unique, 3, ascending) == made.created


async def test_orders_sort_by_number_ascending_across_pages(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    made = await five_orders(admin, storefront, unique)
    sort = {"field": "NUMBER", "direction": "ASC"}

    walked = await walk_forward(admin, unique, 2, sort)

    assert walked == made.created
    numbers = [e["node"]["number"] for e in (await orders(admin, unique, sort=sort))["edges"]]
    assert [int(n[3:]) for n in numbers] == sorted(int(n[3:]) for n in numbers)
    assert await walk_backward(admin, unique, 2, sort) == made.created


async def test_orders_sort_by_total_both_ways_with_ties_broken_by_id(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    made = await five_orders(admin, storefront, unique)
    by_total = sorted(made.created, key=lambda i: (made.totals[i], made.created.index(i)))
    asc = {"field": "TOTAL", "direction": "ASC"}
    desc = {"field": "TOTAL", "direction": "DESC"}

    assert [made.totals[i] for i in by_total] == [
        Decimal("14.95"),
        Decimal("14.95"),
        Decimal("24.95"),
        Decimal("34.95"),
        Decimal("54.95"),
    ]
    for size in (1, 2, 3, 5):
        assert await walk_forward(admin, unique, size, asc) == by_total
        assert await walk_forward(admin, unique, size, desc) == list(reversed(by_total))
        assert await walk_backward(admin, unique, size, asc) == by_total
        assert await walk_backward(admin, unique, size, desc) == list(reversed(by_total))


async def test_last_and_before_page_backwards_from_the_end(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    made = await five_orders(admin, storefront, unique)
    sort = {"field": "NUMBER", "direction": "ASC"}

    tail = await orders(admin, unique, last=2, sort=sort)
    middle = await orders(admin, unique, last=2, before=tail["pageInfo"]["startCursor"], sort=sort)
    head = await orders(admin, unique, last=2, before=middle["pageInfo"]["startCursor"], sort=sort)

    assert ids(tail) == made.created[3:]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    assert ids(middle) == made.created[1:3]
    assert ids(head) == made.created[:1]
    assert head["pageInfo"]["hasPreviousPage"] is False
    assert tail["totalCount"] == middle["totalCount"] == head["totalCount"] == 5


async def test_orders_sort_by_last_update(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    made = await five_orders(admin, storefront, unique)
    touched = made.created[1]
    await hold(admin, touched)

    walked = await walk_forward(admin, unique, 2, {"field": "UPDATED_AT", "direction": "DESC"})

    assert walked[0] == touched
    assert walked[1:] == [i for i in reversed(made.created) if i != touched]


async def test_a_page_size_over_the_limit_is_refused(admin: GraphQLClient) -> None:
    result = await admin.execute(ORDERS, {"first": 101})

    assert result.error_codes == ["BAD_USER_INPUT"]


# --- access and single orders ----------------------------------------------------------------


async def test_a_storefront_cannot_list_orders(storefront: GraphQLClient) -> None:
    result = await storefront.execute(ORDERS, {"first": 5})

    assert result.status == 200
    assert result.body.get("data") is None
    assert result.error_codes == ["FORBIDDEN"]


async def test_a_storefront_cannot_read_an_order_it_placed(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    (order,) = await place_tagged(storefront, item.sku, unique, [1])

    result = await storefront.execute(
        "query($id: ID!) { order(id: $id) { id } }", {"id": order["id"]}
    )

    assert result.error_codes == ["FORBIDDEN"]


async def test_read_only_staff_can_list_and_read_orders(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    (order,) = await place_tagged(storefront, item.sku, unique, [1])

    listed = await orders(staff, unique)
    single = await staff.data("query($id: ID!) { order(id: $id) { number } }", {"id": order["id"]})

    assert ids(listed) == [order["id"]]
    assert single == {"order": {"number": order["number"]}}


async def test_an_order_that_does_not_exist_is_null(admin: GraphQLClient) -> None:
    data = await admin.data(
        "query($id: ID!) { order(id: $id) { id } }", {"id": global_id("Order", 987654321)}
    )

    assert data == {"order": None}


async def test_an_order_id_of_another_type_is_an_invalid_id(
    admin: GraphQLClient, unique: str
) -> None:
    product_id = await create_product(admin, f"P-{unique}-{short()}")

    result = await admin.execute("query($id: ID!) { order(id: $id) { id } }", {"id": product_id})

    assert result.error_codes == ["INVALID_ID"]


# --- statements per request ------------------------------------------------------------------

FULL_PAGE = """
query($first: Int!, $search: String!) {
  orders(first: $first, filter: {search: $search}) {
    totalCount
    nodes {
      number status paymentStatus total { amount }
      lines { sku quantity product { sku price { amount } } }
      customer { email }
      fulfillments { status warehouse { code } lines { sku quantity } }
      holds { type active }
      events { sequence type }
      payments { kind status }
      routing { allocations { sku warehouse { code } } }
    }
  }
}"""


@dataclass(frozen=True)
class Seeded:
    tag: str
    numbers: list[str]


async def _seed(live: LiveApi) -> Seeded:
    """20 orders, each with two lines, a customer, fulfillments, payments, a hold and events."""
    tag = f"QC{short()}"
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as http:
        admin = GraphQLClient(http, live.admin_token)
        sku_a, sku_b = f"QA-{tag}", f"QB-{tag}"
        await create_product(admin, sku_a, price="3.00")
        await create_product(admin, sku_b, price="4.00")
        first = await create_warehouse(admin, f"QW1-{tag}", region=f"R1-{tag}")
        second = await create_warehouse(admin, f"QW2-{tag}", region=f"R2-{tag}")
        await receive(admin, sku_a, first, 100)
        await receive(admin, sku_b, second, 100)  # every order ships from both
        customers = [
            await create_customer(admin, f"qc{i}-{tag.lower()}@example.com") for i in range(4)
        ]

        async def one(index: int) -> str:
            order = await place_ok(
                admin,
                order_input(
                    [(sku_a, 1 + index % 3), (sku_b, 1)],
                    email=None,
                    name=f"Buyer {tag} {index}",
                    customerId=customers[index % len(customers)],
                ),
            )
            await authorize(admin, order["id"])
            await hold(admin, order["id"])
            number = order["number"]
            assert isinstance(number, str)
            return number

        numbers = []
        for batch in range(0, SEEDED_ORDERS, 5):
            numbers += await asyncio.gather(*(one(i) for i in range(batch, batch + 5)))
    return Seeded(tag, numbers)


@pytest.fixture(scope="module")
def seeded(live: LiveApi) -> Seeded:
    return run_sync(lambda: _seed(live))


def queries(live: LiveApi) -> list[str]:
    return [
        statement
        for statement in list(live.sql.statements)
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL)
        and EXPIRY_JOB not in statement
    ]


async def test_a_page_of_orders_with_every_relation_takes_constant_statements(
    admin: GraphQLClient, live: LiveApi, seeded: Seeded
) -> None:
    async def measure(first: int) -> tuple[list[str], list[dict[str, Any]]]:
        live.sql.clear()
        data = await admin.data(FULL_PAGE, {"first": first, "search": seeded.tag})
        return queries(live), data["orders"]["nodes"]

    small_sql, small = await measure(2)
    large_sql, large = await measure(SEEDED_ORDERS)

    assert len(small) == 2
    assert sorted(n["number"] for n in large) == sorted(seeded.numbers)
    for node in large:
        assert (node["status"], node["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
        assert len(node["lines"]) == 2
        assert all(line["product"]["sku"] == line["sku"] for line in node["lines"])
        assert node["customer"]["email"].endswith(f"-{seeded.tag.lower()}@example.com")
        assert len(node["fulfillments"]) == 2
        assert node["holds"] == [{"type": "STOCK_ISSUE", "active": True}]
        assert [e["type"] for e in node["events"]][:2] == ["order.placed", "order.confirmed"]
        assert node["payments"] == [{"kind": "AUTHORIZE", "status": "SUCCESS"}]
        assert {a["warehouse"]["code"] for a in node["routing"]["allocations"]} == {
            f"QW1-{seeded.tag}",
            f"QW2-{seeded.tag}",
        }
    assert len(small_sql) == len(large_sql), (small_sql, large_sql)
