"""createWarehouse, createProduct and product(sku:) over real HTTP, on both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.graphql import GraphQLClient

CREATE_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) {
    warehouse { id code name region countryCode priority createdAt }
    userErrors { field message code }
  }
}"""

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id sku name price { amount currency } weightGrams allowBackorder available }
    userErrors { field message code }
  }
}"""

WAREHOUSE_COUNT = "{ warehouses { totalCount } }"
PRODUCT_COUNT = "{ products { totalCount } }"


def warehouse_input(unique: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": f"WH-{unique}",
        "name": f"Warehouse {unique}",
        "region": "EU-WEST",
        "countryCode": "NL",
    }
    values.update(overrides)
    return values


def product_input(unique: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sku": f"SKU-{unique}",
        "name": f"Product {unique}",
        "price": {"amount": "19.99", "currency": "EUR"},
    }
    values.update(overrides)
    return values


async def create_warehouse(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(CREATE_WAREHOUSE, {"input": values})


async def create_product(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(CREATE_PRODUCT, {"input": values})


async def count(client: GraphQLClient, query: str) -> int:
    data = await client.data(query)
    (connection,) = data.values()
    total = connection["totalCount"]
    assert isinstance(total, int)
    return total


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


# --- createWarehouse ---------------------------------------------------------------------------


async def test_creating_a_warehouse_normalises_codes_and_defaults_priority(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_warehouse(
        admin,
        warehouse_input(unique, code=f"ams-{unique.lower()}", region="eu-west", countryCode="nl"),
    )

    assert payload["userErrors"] == []
    warehouse = payload["warehouse"]
    assert warehouse["code"] == f"AMS-{unique}"
    assert warehouse["region"] == "EU-WEST"
    assert warehouse["countryCode"] == "NL"
    assert warehouse["priority"] == 100
    assert warehouse["name"] == f"Warehouse {unique}"
    assert warehouse["id"]
    assert warehouse["createdAt"]


async def test_a_created_warehouse_keeps_an_explicit_priority(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_warehouse(admin, warehouse_input(unique, priority=7))

    assert payload["userErrors"] == []
    assert payload["warehouse"]["priority"] == 7
    node = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Warehouse { code priority } } }",
        {"id": payload["warehouse"]["id"]},
    )
    assert node["node"] == {"code": f"WH-{unique}", "priority": 7}


async def test_a_duplicate_warehouse_code_is_refused_and_nothing_is_written(
    admin: GraphQLClient, unique: str
) -> None:
    first = await create_warehouse(admin, warehouse_input(unique))
    assert first["userErrors"] == []
    before = await count(admin, WAREHOUSE_COUNT)

    # Same code in a different case: codes are normalised before the uniqueness check.
    second = await create_warehouse(
        admin, warehouse_input(unique, code=f"wh-{unique.lower()}", name="Other")
    )

    assert second["warehouse"] is None
    assert len(second["userErrors"]) == 1
    error = second["userErrors"][0]
    assert error["code"] == "DUPLICATE"
    assert error["field"] == ["input", "code"]
    assert error["message"]
    assert await count(admin, WAREHOUSE_COUNT) == before


async def test_a_warehouse_in_an_unknown_country_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, WAREHOUSE_COUNT)

    payload = await create_warehouse(admin, warehouse_input(unique, countryCode="XX"))

    assert payload["warehouse"] is None
    assert payload["userErrors"][0]["code"] == "INVALID_COUNTRY"
    assert payload["userErrors"][0]["field"] == ["input", "countryCode"]
    assert await count(admin, WAREHOUSE_COUNT) == before


async def test_a_warehouse_with_a_blank_name_is_refused_as_required(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_warehouse(admin, warehouse_input(unique, name="   "))

    assert payload["warehouse"] is None
    assert payload["userErrors"][0]["code"] == "REQUIRED"
    assert payload["userErrors"][0]["field"] == ["input", "name"]


async def test_a_warehouse_name_of_201_characters_is_too_long(
    admin: GraphQLClient, unique: str
) -> None:
    too_long = await create_warehouse(admin, warehouse_input(unique, name="n" * 201))
    just_right = await create_warehouse(admin, warehouse_input(unique, name="n" * 200))

    assert too_long["warehouse"] is None
    assert too_long["userErrors"][0]["code"] == "TOO_LONG"
    assert too_long["userErrors"][0]["field"] == ["input", "name"]
    assert just_right["userErrors"] == []
    assert len(just_right["warehouse"]["name"]) == 200


async def test_replaying_a_warehouse_idempotency_key_returns_the_same_warehouse_once(
    admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, WAREHOUSE_COUNT)
    values = warehouse_input(unique, idempotencyKey=f"key-{unique}")

    first = await create_warehouse(admin, values)
    second = await create_warehouse(admin, values)

    assert first["userErrors"] == []
    assert second["userErrors"] == []
    assert second["warehouse"]["id"] == first["warehouse"]["id"]
    assert second["warehouse"]["code"] == f"WH-{unique}"
    assert await count(admin, WAREHOUSE_COUNT) == before + 1


async def test_reusing_a_warehouse_idempotency_key_with_other_input_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    key = f"key-{unique}"
    first = await create_warehouse(admin, warehouse_input(unique, idempotencyKey=key))
    assert first["userErrors"] == []
    before = await count(admin, WAREHOUSE_COUNT)

    second = await create_warehouse(admin, warehouse_input(f"{unique}-B", idempotencyKey=key))

    assert second["warehouse"] is None
    assert codes(second) == ["IDEMPOTENCY_KEY_REUSED"]
    assert second["userErrors"][0]["field"] == ["input", "idempotencyKey"]
    assert await count(admin, WAREHOUSE_COUNT) == before


async def test_read_only_staff_cannot_create_a_warehouse(
    staff: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, WAREHOUSE_COUNT)

    payload = await create_warehouse(staff, warehouse_input(unique))

    assert payload["warehouse"] is None
    assert codes(payload) == ["FORBIDDEN"]
    assert await count(admin, WAREHOUSE_COUNT) == before


# --- createProduct -----------------------------------------------------------------------------


async def test_creating_a_product_returns_its_price_as_a_decimal_string(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_product(admin, product_input(unique))

    assert payload["userErrors"] == []
    product = payload["product"]
    assert product["sku"] == f"SKU-{unique}"
    assert product["name"] == f"Product {unique}"
    assert product["price"] == {"amount": "19.99", "currency": "EUR"}
    assert product["weightGrams"] == 0
    assert product["allowBackorder"] is False
    assert product["available"] == 0


async def test_a_price_is_padded_to_the_currencys_minor_unit(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_product(
        admin, product_input(unique, price={"amount": "5", "currency": "usd"})
    )

    assert payload["userErrors"] == []
    assert payload["product"]["price"] == {"amount": "5.00", "currency": "USD"}


async def test_a_whole_yen_price_is_accepted(admin: GraphQLClient, unique: str) -> None:
    payload = await create_product(
        admin, product_input(unique, price={"amount": "100", "currency": "JPY"})
    )

    assert payload["userErrors"] == []
    assert payload["product"]["price"] == {"amount": "100", "currency": "JPY"}


async def test_a_fractional_yen_price_is_an_invalid_amount(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_product(
        admin, product_input(unique, price={"amount": "100.5", "currency": "JPY"})
    )

    assert payload["product"] is None
    assert codes(payload) == ["INVALID_AMOUNT"]
    assert payload["userErrors"][0]["field"] == ["input", "price", "amount"]
    assert (await admin.data(f'{{ product(sku: "SKU-{unique}") {{ id }} }}'))["product"] is None


async def test_a_euro_price_with_three_decimals_is_an_invalid_amount(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_product(
        admin, product_input(unique, price={"amount": "1.999", "currency": "EUR"})
    )

    assert payload["product"] is None
    assert codes(payload) == ["INVALID_AMOUNT"]


async def test_a_negative_price_is_refused(admin: GraphQLClient, unique: str) -> None:
    before = await count(admin, PRODUCT_COUNT)

    payload = await create_product(
        admin, product_input(unique, price={"amount": "-1.00", "currency": "EUR"})
    )

    assert payload["product"] is None
    assert len(payload["userErrors"]) == 1
    assert payload["userErrors"][0]["field"] == ["input", "price", "amount"]
    assert payload["userErrors"][0]["code"] in {"INVALID", "INVALID_AMOUNT"}
    assert await count(admin, PRODUCT_COUNT) == before


async def test_an_unknown_currency_is_refused(admin: GraphQLClient, unique: str) -> None:
    payload = await create_product(
        admin, product_input(unique, price={"amount": "1.00", "currency": "ZZZ"})
    )

    assert payload["product"] is None
    assert codes(payload) == ["INVALID_CURRENCY"]
    assert payload["userErrors"][0]["field"] == ["input", "price", "currency"]


async def test_a_non_numeric_amount_is_an_error_not_a_crash(
    admin: GraphQLClient, unique: str
) -> None:
    result = await admin.execute(
        CREATE_PRODUCT,
        {"input": product_input(unique, price={"amount": "abc", "currency": "EUR"})},
    )

    assert result.status == 200
    assert result.body["data"] is None
    assert "Decimal" in result.errors[0]["message"]
    assert (await admin.data(f'{{ product(sku: "SKU-{unique}") {{ id }} }}'))["product"] is None


async def test_a_duplicate_sku_is_refused_and_nothing_is_written(
    admin: GraphQLClient, unique: str
) -> None:
    first = await create_product(admin, product_input(unique))
    assert first["userErrors"] == []
    before = await count(admin, PRODUCT_COUNT)

    second = await create_product(admin, product_input(unique, name="Another name"))

    assert second["product"] is None
    assert codes(second) == ["DUPLICATE"]
    assert second["userErrors"][0]["field"] == ["input", "sku"]
    assert await count(admin, PRODUCT_COUNT) == before
    found = await admin.data(f'{{ product(sku: "SKU-{unique}") {{ name }} }}')
    assert found["product"] == {"name": f"Product {unique}"}


async def test_replaying_a_product_idempotency_key_creates_one_product(
    admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, PRODUCT_COUNT)
    values = product_input(unique, idempotencyKey=f"p-{unique}")

    first = await create_product(admin, values)
    second = await create_product(admin, values)

    assert first["userErrors"] == []
    assert second["userErrors"] == []
    assert second["product"]["id"] == first["product"]["id"]
    assert await count(admin, PRODUCT_COUNT) == before + 1


async def test_product_by_sku_finds_a_created_product(admin: GraphQLClient, unique: str) -> None:
    created = await create_product(
        admin, product_input(unique, weightGrams=250, allowBackorder=True)
    )
    assert created["userErrors"] == []

    data = await admin.data(
        """query($sku: String!) {
             product(sku: $sku) {
               id sku name weightGrams allowBackorder price { amount currency }
             }
           }""",
        {"sku": f"SKU-{unique}"},
    )

    assert data["product"] == {
        "id": created["product"]["id"],
        "sku": f"SKU-{unique}",
        "name": f"Product {unique}",
        "weightGrams": 250,
        "allowBackorder": True,
        "price": {"amount": "19.99", "currency": "EUR"},
    }


async def test_product_by_an_unknown_sku_is_null(admin: GraphQLClient, unique: str) -> None:
    data = await admin.data(
        "query($sku: String!) { product(sku: $sku) { id } }", {"sku": f"NOPE-{unique}"}
    )

    assert data == {"product": None}


async def test_the_storefront_can_look_up_a_product_by_sku(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    created = await create_product(admin, product_input(unique))
    assert created["userErrors"] == []

    data = await storefront.data(
        "query($sku: String!) { product(sku: $sku) { sku price { amount } } }",
        {"sku": f"SKU-{unique}"},
    )

    assert data["product"] == {"sku": f"SKU-{unique}", "price": {"amount": "19.99"}}


async def test_concurrent_creations_of_one_warehouse_code_create_it_once(
    admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, WAREHOUSE_COUNT)

    payloads = await asyncio.gather(
        *(create_warehouse(admin, warehouse_input(unique, name=f"Twin {i}")) for i in range(5))
    )

    created = [p for p in payloads if p["warehouse"] is not None]
    refused = [p for p in payloads if p["warehouse"] is None]
    assert len(created) == 1
    assert all(p["userErrors"] == [] for p in created)
    assert [codes(p) for p in refused] == [["DUPLICATE"]] * 4
    assert await count(admin, WAREHOUSE_COUNT) == before + 1


async def test_concurrent_creations_of_one_sku_create_it_once(
    admin: GraphQLClient, unique: str
) -> None:
    before = await count(admin, PRODUCT_COUNT)

    payloads = await asyncio.gather(
        *(create_product(admin, product_input(unique, name=f"Twin {i}")) for i in range(5))
    )

    created = [p for p in payloads if p["product"] is not None]
    refused = [p for p in payloads if p["product"] is None]
    assert len(created) == 1
    assert [codes(p) for p in refused] == [["DUPLICATE"]] * 4
    assert await count(admin, PRODUCT_COUNT) == before + 1
