"""``availability(skus, countryCode)`` over real HTTP, on both backends, as a storefront."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.test_query_counts import queries
from tests.api.test_transfers_api import Shop, announce, make_shop, send, stock
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api

AVAILABILITY = """
query($skus: [String!]!, $country: String!, $region: String) {
  availability(skus: $skus, countryCode: $country, region: $region) {
    sku inStock quantityBand quantity backorderable promisedDeliveryAt backInStockAt
  }
}"""

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { promisedDeliveryAt } userErrors { code message } }
}"""


def at(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


async def ask(
    client: GraphQLClient, skus: list[str], country: str = "DE", region: str | None = None
) -> list[dict[str, Any]]:
    data = await client.data(AVAILABILITY, {"skus": skus, "country": country, "region": region})
    found = data["availability"]
    assert isinstance(found, list)
    return found


async def backorderable_product(client: GraphQLClient, unique: str) -> str:
    created = await client.mutate(
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { sku } userErrors { code } }
           }""",
        {
            "input": {
                "sku": f"BO-{unique}",
                "name": f"Preorder {unique}",
                "price": {"amount": "5.00", "currency": "EUR"},
                "allowBackorder": True,
            }
        },
    )
    assert created["userErrors"] == []
    return f"BO-{unique}"


async def test_a_storefront_sees_bands_not_numbers(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    plenty = await make_shop(admin, unique, warehouses=1)
    few = await make_shop(admin, f"F{unique}", warehouses=1)
    await stock(admin, plenty.sku, plenty.warehouses[0], 40)
    await stock(admin, few.sku, few.warehouses[0], 2)
    absent = await make_shop(admin, f"A{unique}", warehouses=1)

    found = await ask(storefront, [plenty.sku, few.sku, absent.sku, f"NOPE-{unique}"])
    assert [(f["sku"], f["inStock"], f["quantityBand"], f["quantity"]) for f in found] == [
        (plenty.sku, True, "IN_STOCK", None),
        (few.sku, True, "LOW", None),
        (absent.sku, False, "OUT_OF_STOCK", None),
        (f"NOPE-{unique}", False, "OUT_OF_STOCK", None),
    ]
    assert found[2]["promisedDeliveryAt"] is None
    assert found[2]["backInStockAt"] is None


async def test_stock_in_transit_is_not_for_sale_until_received(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 3)
    await send(admin, shop, 3)
    (found,) = await ask(storefront, [shop.sku])
    assert found["quantityBand"] == "OUT_OF_STOCK"


async def test_the_promise_is_the_one_place_order_makes(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    shop = await make_shop(admin, unique, warehouses=1)
    await stock(admin, shop.sku, shop.warehouses[0], 10)

    (found,) = await ask(storefront, [shop.sku], "DE", "EU-CENTRAL")
    placed = await storefront.mutate(
        PLACE,
        {
            "input": {
                "channel": "WEB",
                "lines": [{"sku": shop.sku, "quantity": 1}],
                "email": f"buyer-{unique.lower()}@example.com",
                "shippingAddress": {
                    "name": "Buyer",
                    "line1": "Hauptstr. 1",
                    "city": "Berlin",
                    "region": "EU-CENTRAL",
                    "postalCode": "10115",
                    "countryCode": "DE",
                },
            }
        },
    )
    assert placed["userErrors"] == []
    promised = at(placed["order"]["promisedDeliveryAt"])
    assert abs(at(found["promisedDeliveryAt"]) - promised) < timedelta(seconds=30)
    # same country, another region than the warehouse (EU-WEST): handling 24 h + 3 days
    assert abs(promised - datetime.now(UTC) - timedelta(days=4)) < timedelta(minutes=1)
    # a country far away is a longer lane
    (abroad,) = await ask(storefront, [shop.sku], "US")
    assert at(abroad["promisedDeliveryAt"]) - promised > timedelta(days=1)


async def test_back_in_stock_comes_from_the_earliest_open_inbound_shipment(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    sku = await backorderable_product(admin, unique)
    shop = await make_shop(admin, unique, warehouses=1)
    warehouse = shop.warehouses[0]
    late = await announce(admin, warehouse, [(sku, 5)])
    soon = await admin.mutate(
        """mutation($input: CreateInboundShipmentInput!) {
             createInboundShipment(input: $input) {
               inboundShipment { expectedAt } userErrors { code } } }""",
        {
            "input": {
                "warehouseId": warehouse,
                "expectedAt": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
                "lines": [{"sku": sku, "quantity": 2}],
            }
        },
    )
    assert late["userErrors"] == soon["userErrors"] == []

    (found,) = await ask(storefront, [sku])
    assert found["inStock"] is False
    assert found["backorderable"] is True
    expected = at(soon["inboundShipment"]["expectedAt"])
    assert at(found["backInStockAt"]) == expected
    # the promise counts from that date: handling 24 h + same country 3 days
    assert at(found["promisedDeliveryAt"]) == expected + timedelta(days=4)

    # not backorderable: out is out, no date
    plain = await make_shop(admin, f"P{unique}", warehouses=1)
    await announce(admin, plain.warehouses[0], [(plain.sku, 5)])
    (other,) = await ask(storefront, [plain.sku])
    assert other["backInStockAt"] is None
    assert other["promisedDeliveryAt"] is None


async def test_more_than_100_skus_is_a_coded_error(storefront: GraphQLClient) -> None:
    result = await storefront.execute(
        AVAILABILITY, {"skus": [f"S{i}" for i in range(101)], "country": "DE"}
    )
    assert result.status == 200
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["reason"] == "TOO_MANY_SKUS"


async def test_a_bad_country_is_a_coded_error(storefront: GraphQLClient) -> None:
    result = await storefront.execute(AVAILABILITY, {"skus": ["A"], "country": "XX"})
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["reason"] == "INVALID_COUNTRY"


async def test_no_token_no_answer(anonymous: GraphQLClient) -> None:
    result = await anonymous.execute(AVAILABILITY, {"skus": ["A"], "country": "DE"})
    assert result.error_codes == ["UNAUTHENTICATED"]


async def test_a_hundred_skus_take_as_many_statements_as_one(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    shops: list[Shop] = [await make_shop(admin, f"{i}{unique}", warehouses=1) for i in range(3)]
    await stock(admin, shops[0].sku, shops[0].warehouses[0], 5)
    backorder = await backorderable_product(admin, unique)
    await announce(admin, shops[1].warehouses[0], [(backorder, 4)])
    skus = [s.sku for s in shops] + [backorder] + [f"X{i}-{unique}" for i in range(96)]

    async def count(asked: list[str]) -> int:
        live.sql.clear()
        await ask(storefront, asked)
        return len(queries(live))

    one = await count([backorder])
    assert await count(skus) == one
    assert await count([shops[0].sku]) == one - 1  # in stock: no restock query


@pytest.fixture
def exact(live: LiveApi) -> Iterator[LiveApi]:
    """A second server on the same database that answers exact quantities."""
    with live_api(live.backend, live.database_url, ORDERGRAPH_AVAILABILITY_EXACT="true") as other:
        yield other


@pytest.fixture
async def exact_storefront(exact: LiveApi) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=exact.base_url, timeout=30) as client:
        yield GraphQLClient(client, exact.storefront_token)


async def test_exact_quantities_only_when_configured(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    exact_storefront: GraphQLClient,
    unique: str,
) -> None:
    shop = await make_shop(admin, unique)
    await stock(admin, shop.sku, shop.warehouses[0], 4)
    await stock(admin, shop.sku, shop.warehouses[1], 9)
    (hidden,) = await ask(storefront, [shop.sku])
    (shown,) = await ask(exact_storefront, [shop.sku])
    assert hidden["quantity"] is None
    assert shown["quantity"] == 13
