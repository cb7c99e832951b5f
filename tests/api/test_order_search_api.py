"""``orders(filter: {query})`` over real HTTP on both backends: the broad order search.

It finds an order by part of its number, email, contact name, a line's SKU or a shipment's
tracking number; case does not matter, ``%`` and ``_`` are literal, and a customer finds only
its own orders. Tests share one database, so each searches for text only its orders carry.
"""

from __future__ import annotations

from typing import Any

from tests.api.test_customer_login_api import customer, login
from tests.api.test_fulfillment_api import confirmed, pack, ship_ok
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient

SEARCH = """
query($query: String!) {
  orders(first: 50, filter: {query: $query}) { totalCount nodes { id number } }
}"""


async def found(client: GraphQLClient, query: str) -> set[str]:
    data = await client.data(SEARCH, {"query": query})
    connection = data["orders"]
    numbers = {node["number"] for node in connection["nodes"]}
    assert connection["totalCount"] == len(numbers)
    return numbers


async def place(
    client: GraphQLClient, sku: str, email: str, name: str = "Ada Lovelace", **extra: Any
) -> str:
    order = await place_ok(client, order_input([(sku, 1)], email=email, name=name, **extra))
    number = order["number"]
    assert isinstance(number, str)
    return number


async def test_an_order_is_found_by_part_of_its_email_or_contact_name_in_any_case(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    tag = unique.lower()
    item = await stock(admin, unique)
    by_email = await place(storefront, item.sku, f"zelda-{tag}@example.com")
    by_name = await place(
        storefront, item.sku, "someone@example.com", name=f"Grace {unique} Hopper"
    )

    assert await found(admin, f"ZELDA-{unique}") == {by_email}
    assert await found(admin, f"  zelda-{tag}@EXAMPLE  ") == {by_email}  # trimmed
    assert await found(admin, f"grace {tag} hop") == {by_name}
    assert await found(admin, tag) == {by_email, by_name}


async def test_an_order_is_found_by_part_of_its_number(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    number = await place(storefront, item.sku, f"n-{unique.lower()}@example.com")

    assert number in await found(admin, number.lower())
    assert number in await found(admin, number[-5:])
    assert await found(admin, f"{number}-{unique}") == set()


async def test_an_order_is_found_by_part_of_the_sku_of_any_of_its_lines(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    first, second = await stock(admin, unique), await stock(admin, unique)
    order = await place_ok(
        storefront, order_input([(first.sku, 1), (second.sku, 2)], email="sku@example.com")
    )
    other = await place(storefront, first.sku, "sku@example.com")

    assert await found(admin, second.sku.lower()) == {order["number"]}
    assert await found(admin, first.sku) == {order["number"], other}


async def test_an_order_is_found_by_part_of_a_shipment_s_tracking_number(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 2)
    await pack(admin, order.fulfillment_id)
    tracking = f"1Z{unique}TRACK"
    await ship_ok(admin, order.fulfillment_id, number=tracking)

    assert await found(admin, tracking[2:].lower()) == {order.order["number"]}
    assert await found(admin, f"{tracking}X") == set()


async def test_percent_and_underscore_match_only_themselves(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    tag = unique.lower()
    item = await stock(admin, unique)
    literal = await place(storefront, item.sku, "x@example.com", name=f"{tag} 100%_off")
    lookalike = await place(storefront, item.sku, "y@example.com", name=f"{tag} 100xyoff")

    assert await found(admin, f"{tag} 100%_off") == {literal}
    assert await found(admin, f"{tag} 100%") == {literal}
    assert await found(admin, f"{tag} 100__off") == set()
    assert await found(admin, f"{tag}%off") == set()
    assert await found(admin, f"{tag} 100") == {literal, lookalike}


async def test_a_customer_finds_only_its_own_orders(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    tag = unique.lower()
    email = f"own-{tag}@example.com"
    mine = await customer(admin, email, "correct horse battery")
    theirs = await customer(admin, f"theirs-{tag}@example.com", "another password")
    item = await stock(admin, unique)
    own = await place(admin, item.sku, email, customerId=mine)
    foreign = await place(admin, item.sku, f"theirs-{tag}@example.com", customerId=theirs)
    token = (await login(anonymous, email, "correct horse battery"))["token"]
    signed_in = anonymous.as_token(token)

    assert await found(admin, item.sku) == {own, foreign}
    assert await found(signed_in, item.sku) == {own}
    assert await found(signed_in, foreign) == set()


async def test_an_empty_or_too_long_query_is_a_graphql_error_not_a_server_error(
    admin: GraphQLClient,
) -> None:
    for text in ("", "   ", "x" * 201):
        response = await admin.execute(SEARCH, {"query": text})
        assert response.error_codes == ["BAD_USER_INPUT"], response.errors
        assert "1 to 200 characters" in response.errors[0]["message"]
    assert await found(admin, "x" * 200) == set()


async def test_query_combines_with_the_other_filters(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    web = await place(storefront, item.sku, "c@example.com")
    await place(storefront, item.sku, "c@example.com", channel="APP")

    data = await admin.data(
        """query($query: String!) {
             orders(first: 10, filter: {query: $query, channel: [WEB]}) { nodes { number } }
           }""",
        {"query": item.sku},
    )
    assert [n["number"] for n in data["orders"]["nodes"]] == [web]
