"""createCustomer, customer(id:) and customers(search:) over HTTP, checked against the table."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from ordergraph.auth.passwords import verify_password
from ordergraph.db.engine import create_engine
from ordergraph.db.tables import customers
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer {
      id email name phone createdAt
      addresses { name line1 line2 city region postalCode countryCode phone }
      defaultAddress { name city countryCode phone }
    }
    userErrors { field message code }
  }
}
"""

CUSTOMER = """
query($id: ID!) {
  customer(id: $id) {
    id email name phone
    addresses { name line1 line2 city region postalCode countryCode phone }
    defaultAddress { name line1 city region postalCode countryCode phone }
  }
}
"""

SEARCH = """
query($search: String) {
  customers(first: 50, search: $search) { totalCount nodes { email name } }
}
"""


async def stored_customer_rows(live: LiveApi, email: str) -> list[dict[str, Any]]:
    """Read ``customers`` directly, bypassing the API."""
    engine = create_engine(live.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(sa.select(customers).where(customers.c.email == email))
            return [dict(row._mapping) for row in result]
    finally:
        await engine.dispose()


async def create_customer(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    return await client.mutate(CREATE, {"input": fields})


async def search(client: GraphQLClient, term: str) -> list[str]:
    data = await client.data(SEARCH, {"search": term})
    connection = data["customers"]
    names = [node["name"] for node in connection["nodes"]]
    assert connection["totalCount"] == len(names)
    return names


async def test_creating_a_customer_normalises_contact_details_and_stores_the_address(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_customer(
        admin,
        email=f"Ada.{unique}@Example.COM",
        name="  Ada Lovelace ",
        phone="020 123 4567",
        address={
            "name": "Ada Lovelace",
            "line1": "Herengracht 1",
            "city": "Amsterdam",
            "region": "eu-west",
            "postalCode": "1015 BA",
            "countryCode": "nl",
            "phone": "06 12345678",
        },
    )

    assert payload["userErrors"] == []
    created = payload["customer"]
    assert created["email"] == f"ada.{unique.lower()}@example.com"
    assert created["name"] == "Ada Lovelace"
    assert created["phone"] == "+31201234567"
    address = {
        "name": "Ada Lovelace",
        "line1": "Herengracht 1",
        "line2": None,
        "city": "Amsterdam",
        "region": "EU-WEST",
        "postalCode": "1015 BA",
        "countryCode": "NL",
        "phone": "+31612345678",
    }
    assert created["addresses"] == [address]

    fetched = (await admin.data(CUSTOMER, {"id": created["id"]}))["customer"]
    assert fetched["id"] == created["id"]
    assert fetched["email"] == created["email"]
    assert fetched["phone"] == "+31201234567"
    assert fetched["addresses"] == [address]
    assert fetched["defaultAddress"] == {k: v for k, v in address.items() if k != "line2"}


async def test_a_customer_without_an_address_has_no_default_address(
    admin: GraphQLClient, unique: str
) -> None:
    payload = await create_customer(admin, email=f"bare-{unique}@example.com", name="Bare")
    assert payload["userErrors"] == []
    fetched = (await admin.data(CUSTOMER, {"id": payload["customer"]["id"]}))["customer"]
    assert fetched["addresses"] == []
    assert fetched["defaultAddress"] is None


async def test_a_second_customer_with_the_same_email_in_another_case_is_a_duplicate(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    email = f"twin-{unique.lower()}@example.com"
    first = await create_customer(admin, email=email, name="First")
    assert first["userErrors"] == []

    second = await create_customer(admin, email=email.upper(), name="Second")

    assert second["customer"] is None
    assert [(e["code"], e["field"]) for e in second["userErrors"]] == [
        ("DUPLICATE", ["input", "email"])
    ]
    rows = await stored_customer_rows(live, email)
    assert [row["name"] for row in rows] == ["First"]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"email": "not-an-email"}, "INVALID_EMAIL", ["input", "email"]),
        ({"email": "two@@example.com"}, "INVALID_EMAIL", ["input", "email"]),
        ({"phone": "not a phone"}, "INVALID_PHONE", ["input", "phone"]),
        ({"phone": "+1 2"}, "INVALID_PHONE", ["input", "phone"]),
        (
            {
                "address": {
                    "name": "X",
                    "line1": "1 Road",
                    "city": "Nowhere",
                    "countryCode": "XX",
                }
            },
            "INVALID_COUNTRY",
            ["input", "address", "countryCode"],
        ),
        ({"password": "short"}, "INVALID_PASSWORD", ["input", "password"]),
        ({"password": "p" * 201}, "INVALID_PASSWORD", ["input", "password"]),
    ],
)
async def test_invalid_customer_input_is_refused_with_a_coded_user_error_and_nothing_stored(
    admin: GraphQLClient,
    live: LiveApi,
    unique: str,
    fields: dict[str, Any],
    code: str,
    field: list[str],
) -> None:
    email = f"bad-{unique.lower()}@example.com"
    result = await admin.execute(CREATE, {"input": {"email": email, "name": "Bad", **fields}})

    assert result.status == 200
    payload = result.data["createCustomer"]
    assert payload["customer"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["userErrors"][0]["message"]
    assert await stored_customer_rows(live, email) == []


async def test_the_password_is_stored_as_an_argon2_hash_and_never_returned(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    password = f"correct horse {unique}"
    email = f"secret-{unique.lower()}@example.com"
    response = await admin.http.post(
        "/graphql",
        json={
            "query": CREATE,
            "variables": {"input": {"email": email, "name": "Secret", "password": password}},
        },
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["createCustomer"]["userErrors"] == []
    assert password not in response.text
    (row,) = await stored_customer_rows(live, email)
    stored = row["password_hash"]
    assert stored != password
    assert password not in stored
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, password)
    assert not verify_password(stored, password + "x")


async def test_a_customer_created_without_a_password_has_no_stored_hash(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    email = f"nopass-{unique.lower()}@example.com"
    assert (await create_customer(admin, email=email, name="No Pass"))["userErrors"] == []
    (row,) = await stored_customer_rows(live, email)
    assert row["password_hash"] is None


async def test_customers_search_matches_part_of_the_name_or_email_in_any_case(
    admin: GraphQLClient, unique: str
) -> None:
    for email, name in [
        (f"grace.{unique}@navy.example", f"Grace Hopper {unique}"),
        (f"alan.{unique}@bletchley.example", f"Alan Turing {unique}"),
    ]:
        assert (await create_customer(admin, email=email, name=name))["userErrors"] == []

    assert await search(admin, f"hopper {unique.lower()}") == [f"Grace Hopper {unique}"]
    assert await search(admin, f"TURING {unique}") == [f"Alan Turing {unique}"]
    assert await search(admin, f"GRACE.{unique}@NAVY") == [f"Grace Hopper {unique}"]
    assert await search(admin, f"{unique.lower()}@bletchley") == [f"Alan Turing {unique}"]
    assert sorted(await search(admin, unique)) == [
        f"Alan Turing {unique}",
        f"Grace Hopper {unique}",
    ]
    assert await search(admin, f"Nobody {unique}") == []


async def test_customers_search_treats_percent_and_underscore_literally(
    admin: GraphQLClient, unique: str
) -> None:
    names = [f"Ratio 50% {unique}", f"Ratio 50x {unique}", f"a_b {unique}", f"axb {unique}"]
    for index, name in enumerate(names):
        email = f"wild{index}-{unique.lower()}@example.com"
        assert (await create_customer(admin, email=email, name=name))["userErrors"] == []

    assert await search(admin, f"50% {unique}") == [f"Ratio 50% {unique}"]
    assert await search(admin, f"a_b {unique}") == [f"a_b {unique}"]
    assert await search(admin, f"Ratio _0 {unique}") == []
    assert await search(admin, f"%{unique}") == []
