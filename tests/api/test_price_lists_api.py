"""Price lists over real HTTP on both backends: create, update with versions, setPrices all or
nothing, the list; and placement: the price in force at capture (dated windows around now),
channel and group lists over the general list, an order keeping its price, quote equal to
order, PRICE_UNAVAILABLE, the market given or derived, MARKET_UNAVAILABLE; Customer.group.

Tests share one database per backend, so each claims countries of its own and fresh SKUs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.test_markets_api import create as create_market
from tests.api.test_place_order_api import address, create_product, create_warehouse, receive
from tests.api.test_query_counts import queries
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

MONEY = "{ amount currency }"
PRICE_LIST = f"""
  id name market {{ id handle }} channel customerGroup startsAt endsAt active version
  prices(first: 50) {{ nodes {{ sku amount {MONEY} }} }}
"""
ERRORS = "userErrors { field message code currentVersion }"

CREATE = f"""
mutation($input: CreatePriceListInput!) {{
  createPriceList(input: $input) {{ priceList {{ {PRICE_LIST} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation($input: UpdatePriceListInput!) {{
  updatePriceList(input: $input) {{ priceList {{ {PRICE_LIST} }} {ERRORS} }}
}}"""
SET_PRICES = f"""
mutation($input: SetPricesInput!) {{
  setPrices(input: $input) {{ priceList {{ {PRICE_LIST} }} {ERRORS} }}
}}"""
LISTS = f"query($marketId: ID!) {{ priceLists(marketId: $marketId) {{ {PRICE_LIST} }} }}"

ORDER = f"lines {{ sku unitPrice {MONEY} total {MONEY} }} subtotal {MONEY} total {MONEY}"
PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{ order {{ id {ORDER} }} userErrors {{ field message code }} }}
}}"""
QUOTE = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{ quote {{ {ORDER} }} userErrors {{ field message code }} }}
}}"""
READ_ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code } }
}"""
UPDATE_CUSTOMER = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id group version } userErrors { field code } }
}"""

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def new_market(
    admin: GraphQLClient, unique: str, countries: list[str], **extra: Any
) -> dict[str, Any]:
    return await create_market(
        admin, f"m-{unique.lower()}-{countries[0].lower()}", countries, **extra
    )


async def new_list(admin: GraphQLClient, market_id: str, **extra: Any) -> dict[str, Any]:
    payload = await admin.mutate(CREATE, {"input": {"name": "List", "marketId": market_id} | extra})
    assert payload["userErrors"] == [], payload
    created = payload["priceList"]
    assert isinstance(created, dict)
    return created


async def set_prices(
    client: GraphQLClient, price_list_id: str, prices: list[tuple[str, str | None]]
) -> dict[str, Any]:
    return await client.mutate(
        SET_PRICES,
        {
            "input": {
                "priceListId": price_list_id,
                "prices": [{"sku": sku, "amount": amount} for sku, amount in prices],
            }
        },
    )


async def priced(admin: GraphQLClient, price_list_id: str, prices: list[tuple[str, str]]) -> None:
    payload = await set_prices(admin, price_list_id, list(prices))
    assert payload["userErrors"] == [], payload


async def stocked_skus(admin: GraphQLClient, unique: str, *prices: str) -> list[str]:
    """Fresh EUR products with these base prices, 50 units each in a fresh warehouse."""
    warehouse = await create_warehouse(admin, f"W-{unique}-{len(prices)}")
    skus = []
    for i, price in enumerate(prices):
        sku = f"PL-{unique}-{len(prices)}-{i}"
        await create_product(admin, sku, price=price)
        await receive(admin, sku, warehouse, 50)
        skus.append(sku)
    return skus


def order(skus: list[str], country: str, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "WEB",
        "lines": [{"sku": sku, "quantity": 1} for sku in skus],
        "shippingAddress": address(country=country),
        "email": "ada@example.com",
    } | extra


async def place(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(PLACE, {"input": values})


async def place_ok(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await place(client, values)
    assert payload["userErrors"] == [], payload["userErrors"]
    placed = payload["order"]
    assert isinstance(placed, dict)
    return placed


def unit_prices(placed: dict[str, Any]) -> dict[str, str]:
    return {line["sku"]: line["unitPrice"]["amount"] for line in placed["lines"]}


# --- lists: create, update, set prices -----------------------------------------------------------


async def test_a_price_list_is_created_priced_updated_and_listed(
    admin: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["PT"])
    (sku,) = await stocked_skus(admin, unique, "10.00")
    created = await new_list(
        admin,
        market["id"],
        name="Wholesale web",
        channel="WEB",
        customerGroup="Wholesale",
        startsAt=iso(NOW - DAY),
        endsAt=iso(NOW + DAY),
    )
    assert created["market"] == {"id": market["id"], "handle": market["handle"]}
    assert (created["channel"], created["customerGroup"], created["active"]) == (
        "WEB",
        "wholesale",
        True,
    )
    assert (created["version"], created["prices"]["nodes"]) == (1, [])

    payload = await set_prices(admin, created["id"], [(sku, "8.5")])
    assert payload["userErrors"] == []
    assert payload["priceList"]["prices"]["nodes"] == [
        {"sku": sku, "amount": {"amount": "8.50", "currency": "EUR"}}
    ]

    stale = await admin.mutate(
        UPDATE, {"input": {"id": created["id"], "expectedVersion": 5, "name": "X"}}
    )
    assert codes(stale) == ["CONFLICT"]
    assert stale["userErrors"][0]["currentVersion"] == 1
    updated = await admin.mutate(
        UPDATE,
        {"input": {"id": created["id"], "expectedVersion": 1, "channel": None, "endsAt": None}},
    )
    assert updated["userErrors"] == []
    changed = updated["priceList"]
    assert (changed["version"], changed["channel"], changed["endsAt"]) == (2, None, None)
    assert changed["customerGroup"] == "wholesale"  # absent: unchanged

    listed = (await admin.data(LISTS, {"marketId": market["id"]}))["priceLists"]
    assert [p["id"] for p in listed] == [created["id"]]
    assert listed[0]["prices"]["nodes"][0]["amount"]["amount"] == "8.50"

    removed = await set_prices(admin, created["id"], [(sku, None)])
    assert removed["priceList"]["prices"]["nodes"] == []


async def test_bad_lists_and_bad_prices_are_user_errors_and_write_nothing(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["PL"], currency="JPY")
    (sku,) = await stocked_skus(admin, unique, "10.00")

    window = await admin.mutate(
        CREATE,
        {
            "input": {
                "name": "Backwards",
                "marketId": market["id"],
                "startsAt": iso(NOW),
                "endsAt": iso(NOW),
            }
        },
    )
    assert window["priceList"] is None
    assert [(e["field"], e["code"]) for e in window["userErrors"]] == [
        (["input", "endsAt"], "INVALID")
    ]
    missing = await admin.mutate(
        CREATE, {"input": {"name": "Nowhere", "marketId": "TWFya2V0Ojk5OTk5OQ"}}
    )
    assert codes(missing) == ["NOT_FOUND"]
    forbidden = await staff.mutate(CREATE, {"input": {"name": "RO", "marketId": market["id"]}})
    assert codes(forbidden) == ["FORBIDDEN"]

    price_list = await new_list(admin, market["id"])
    await priced(admin, price_list["id"], [(sku, "900")])
    refused = await set_prices(
        admin,
        price_list["id"],
        [
            (sku, "1000"),
            ("NO-SUCH-SKU", "1"),
            (sku + "X", "1"),
            (sku, "1"),
            ("X-" + unique, "12.5"),
        ],
    )
    assert refused["priceList"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "prices", "1", "sku"], "NOT_FOUND"),
        (["input", "prices", "2", "sku"], "NOT_FOUND"),
        (["input", "prices", "3", "sku"], "DUPLICATE"),
        (["input", "prices", "4", "amount"], "INVALID_AMOUNT"),  # JPY has no decimals
    ]
    too_many = await set_prices(admin, price_list["id"], [(f"S{i}", "1") for i in range(1001)])
    assert codes(too_many) == ["TOO_MANY_SKUS"]
    (kept,) = (await admin.data(LISTS, {"marketId": market["id"]}))["priceLists"]
    assert kept["prices"]["nodes"] == [{"sku": sku, "amount": {"amount": "900", "currency": "JPY"}}]


# --- placement ----------------------------------------------------------------------------------


async def test_an_order_takes_the_price_in_force_at_capture(
    admin: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["AT"])
    ended, current, future, unlisted = await stocked_skus(
        admin, unique, "10.00", "10.00", "10.00", "10.00"
    )
    general = await new_list(admin, market["id"])
    await priced(admin, general["id"], [(ended, "9.00"), (current, "9.00"), (future, "9.00")])
    past = await new_list(admin, market["id"], startsAt=iso(NOW - 3 * DAY), endsAt=iso(NOW - DAY))
    await priced(admin, past["id"], [(ended, "5.00")])
    sale = await new_list(admin, market["id"], startsAt=iso(NOW - DAY), endsAt=iso(NOW + DAY))
    await priced(admin, sale["id"], [(current, "7.00")])
    later = await new_list(admin, market["id"], startsAt=iso(NOW + DAY))
    await priced(admin, later["id"], [(future, "6.00")])

    placed = await place_ok(admin, order([ended, current, future, unlisted], "AT"))
    assert unit_prices(placed) == {
        ended: "9.00",  # the sale on it ended: the general list again
        current: "7.00",  # in its window: the dated list beats the open one
        future: "9.00",  # not begun yet
        unlisted: "10.00",  # on no list: the product's price in the market currency
    }
    assert placed["subtotal"] == {"amount": "35.00", "currency": "EUR"}


async def test_channel_and_group_lists_beat_the_general_list(
    admin: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["BE"])
    (sku,) = await stocked_skus(admin, unique, "10.00")
    for extra, price in (
        ({}, "9.00"),
        ({"channel": "WEB"}, "8.00"),
        ({"customerGroup": "wholesale"}, "7.00"),
        ({"channel": "APP", "customerGroup": "wholesale"}, "6.00"),
    ):
        created = await new_list(admin, market["id"], **extra)
        await priced(admin, created["id"], [(sku, price)])
    customer = await admin.mutate(
        CREATE_CUSTOMER, {"input": {"email": f"b2b-{unique.lower()}@example.com", "name": "B"}}
    )
    customer_id = customer["customer"]["id"]
    grouped = await admin.mutate(
        UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "group": "wholesale"}}
    )
    assert grouped["customer"]["group"] == "wholesale"

    async def price_for(channel: str, **extra: Any) -> str:
        placed = await place_ok(admin, order([sku], "BE", channel=channel, **extra))
        return unit_prices(placed)[sku]

    assert await price_for("WEB") == "8.00"  # a guest on the web: the channel list
    assert await price_for("PHONE") == "9.00"  # no list for the channel: the general list
    assert await price_for("WEB", customerId=customer_id) == "7.00"  # group beats channel
    assert await price_for("APP", customerId=customer_id) == "6.00"  # channel and group

    cleared = await admin.mutate(
        UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "group": ""}}
    )
    assert cleared["customer"]["group"] is None
    assert await price_for("WEB", customerId=customer_id) == "8.00"


async def test_an_order_keeps_its_price_and_a_quote_equals_the_order(
    admin: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["LU"])
    (sku,) = await stocked_skus(admin, unique, "10.00")
    general = await new_list(admin, market["id"])
    await priced(admin, general["id"], [(sku, "8.00")])
    values = order([sku], "LU")
    quoted = await admin.mutate(QUOTE, {"input": values})
    assert quoted["userErrors"] == []
    placed = await place_ok(admin, values)
    assert {k: placed[k] for k in quoted["quote"]} == quoted["quote"]
    assert unit_prices(placed) == {sku: "8.00"}

    await priced(admin, general["id"], [(sku, "3.00")])
    again = (await admin.data(READ_ORDER, {"id": placed["id"]}))["order"]
    assert unit_prices(again) == {sku: "8.00"}
    assert again["total"] == placed["total"]
    assert unit_prices(await place_ok(admin, values)) == {sku: "3.00"}


async def test_a_line_without_a_price_in_the_market_currency_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    market = await new_market(admin, unique, ["US"], currency="USD")
    listed, unlisted = await stocked_skus(admin, unique, "10.00", "10.00")
    general = await new_list(admin, market["id"])
    await priced(admin, general["id"], [(listed, "11.00")])

    refused = await place(admin, order([listed, unlisted], "US"))
    assert refused["order"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "lines", "1", "sku"], "PRICE_UNAVAILABLE")
    ]
    quoted = await admin.mutate(QUOTE, {"input": order([unlisted], "US")})
    assert codes(quoted) == ["PRICE_UNAVAILABLE"]
    placed = await place_ok(admin, order([listed], "US"))
    assert placed["subtotal"] == {"amount": "11.00", "currency": "USD"}


async def test_the_market_is_given_or_derived_and_must_be_available(
    admin: GraphQLClient, unique: str
) -> None:
    derived = await new_market(admin, unique, ["IE"])
    given = await new_market(admin, unique, ["MT"], channels=["WEB"])
    idle = await new_market(admin, unique, ["CY"], active=False)
    (sku,) = await stocked_skus(admin, unique, "10.00")
    for market, price in ((derived, "9.00"), (given, "8.00"), (idle, "7.00")):
        created = await new_list(admin, market["id"])
        await priced(admin, created["id"], [(sku, price)])

    assert unit_prices(await place_ok(admin, order([sku], "IE"))) == {sku: "9.00"}
    chosen = await place_ok(admin, order([sku], "IE", marketId=given["id"]))
    assert unit_prices(chosen) == {sku: "8.00"}
    # a market found by country that does not sell through the channel: the default market
    assert unit_prices(await place_ok(admin, order([sku], "MT", channel="APP"))) == {sku: "10.00"}
    for market_id, channel in (
        (given["id"], "APP"),  # not through this channel
        (idle["id"], "WEB"),  # inactive
        ("TWFya2V0Ojk5OTk5OQ", "WEB"),  # no such market
    ):
        refused = await place(admin, order([sku], "IE", marketId=market_id, channel=channel))
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["input", "marketId"], "MARKET_UNAVAILABLE")
        ], market_id


async def test_a_customer_group_is_staff_business(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    customer = await admin.mutate(
        CREATE_CUSTOMER, {"input": {"email": f"g-{unique.lower()}@example.com", "name": "G"}}
    )
    customer_id = customer["customer"]["id"]
    bad = await admin.mutate(
        UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "group": "whole sale!"}}
    )
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [(["input", "group"], "INVALID")]
    ok = await admin.mutate(UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "group": "VIP"}})
    assert (ok["customer"]["group"], ok["customer"]["version"]) == ("vip", 2)
    seen = await staff.data("query($id: ID!) { customer(id: $id) { group } }", {"id": customer_id})
    assert seen["customer"]["group"] == "vip"
    kept = await admin.mutate(UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "name": "H"}})
    assert kept["customer"]["group"] == "vip"
    cleared = await admin.mutate(
        UPDATE_CUSTOMER, {"input": {"customerId": customer_id, "group": None}}
    )
    assert cleared["customer"]["group"] is None


# --- statements ---------------------------------------------------------------------------------


async def test_list_prices_take_the_same_statements_for_one_line_or_many(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    market = await new_market(admin, unique, ["FI"])
    skus = await stocked_skus(admin, unique, *(["10.00"] * 6))
    general = await new_list(admin, market["id"])
    web = await new_list(admin, market["id"], channel="WEB")
    await priced(admin, general["id"], [(sku, "9.00") for sku in skus])
    await priced(admin, web["id"], [(sku, "8.00") for sku in skus[::2]])

    live.sql.clear()
    one = await admin.mutate(QUOTE, {"input": order(skus[:1], "FI")})
    few = queries(live)
    live.sql.clear()
    many = await admin.mutate(QUOTE, {"input": order(skus, "FI")})
    assert len(queries(live)) == len(few), (few, queries(live))
    assert len(one["quote"]["lines"]) == 1
    assert {line["unitPrice"]["amount"] for line in many["quote"]["lines"]} == {"8.00", "9.00"}
    # the prices of every SKU and list come in one statement
    assert sum("price_list_prices" in statement for statement in few) == 1, few
