"""GDPR requests over HTTP: export everything about a customer, erase the person, keep orders."""

from __future__ import annotations

from typing import Any

from tests.api.test_customer_login_api import LOGIN, customer, login
from tests.api.test_place_order_api import address, order_input, place_ok, stock
from tests.support.graphql import GraphQLClient

EXPORT = """mutation($i: ExportCustomerDataInput!) {
  exportCustomerData(input: $i) { export { customerId generatedAt data } userErrors { code } } }"""
ERASE = """mutation($i: EraseCustomerInput!) {
  eraseCustomer(input: $i) {
    customer { id email name phone erasedAt } erasedOrders userErrors { code } } }"""
ORDER = """query($id: ID!) { order(id: $id) {
  number email contactName phone total { amount } shippingAddress { name line1 countryCode }
  events { type actor } } }"""


async def _customer_with_orders(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> tuple[str, str, list[dict[str, Any]]]:
    email = f"erin-{unique.lower()}@example.com"
    customer_id = await customer(admin, email, "erin's password")
    item = await stock(admin, unique)
    ship_to = address(name="Erin Example", line1="7 Private Lane", phone="+4915112345678")
    own = await place_ok(
        admin, order_input([(item.sku, 1)], email=email, customerId=customer_id, ship_to=ship_to)
    )
    guest = await place_ok(
        admin, order_input([(item.sku, 1)], email=email.upper(), ship_to=ship_to)
    )
    token = (await login(anonymous, email, "erin's password"))["token"]
    return customer_id, token, [own, guest]


async def test_an_export_holds_everything_about_the_person_and_is_on_record(
    admin: GraphQLClient, staff: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    customer_id, _, orders = await _customer_with_orders(admin, anonymous, unique)
    refused = await staff.mutate(EXPORT, {"i": {"customerId": customer_id}})
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert refused["export"] is None
    payload = await admin.mutate(EXPORT, {"i": {"customerId": customer_id}})
    assert payload["userErrors"] == []
    data = payload["export"]["data"]
    assert data["customer"]["email"] == f"erin-{unique.lower()}@example.com"
    assert data["customer"]["hasPassword"] is True
    assert "password_hash" not in data["customer"]
    assert sorted(o["number"] for o in data["orders"]) == sorted(o["number"] for o in orders)
    assert all(o["lines"] for o in data["orders"])
    assert [t["role"] for t in data["apiTokens"]] == ["CUSTOMER"]
    assert all("token_hash" not in t for t in data["apiTokens"])


async def test_erasure_anonymizes_the_person_keeps_the_orders_and_revokes_tokens(
    admin: GraphQLClient, staff: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    customer_id, token, orders = await _customer_with_orders(admin, anonymous, unique)
    before = [(await admin.data(ORDER, {"id": o["id"]}))["order"] for o in orders]
    assert [
        e["code"]
        for e in (await staff.mutate(ERASE, {"i": {"customerId": customer_id}}))["userErrors"]
    ] == ["FORBIDDEN"]

    erased = await admin.mutate(ERASE, {"i": {"customerId": customer_id}})
    assert erased["userErrors"] == []
    assert erased["erasedOrders"] == 2  # its own order and the guest order under its email
    person = erased["customer"]
    assert person["email"].endswith("@erased.invalid")
    assert (person["name"], person["phone"]) == ("Erased customer", None)
    assert person["erasedAt"] is not None

    for old, order in zip(before, orders, strict=True):
        now = (await admin.data(ORDER, {"id": order["id"]}))["order"]
        assert (now["number"], now["total"]) == (old["number"], old["total"])  # kept
        assert now["email"].endswith("@erased.invalid")
        assert (now["contactName"], now["phone"]) == (None, None)
        assert now["shippingAddress"] == {
            "name": "Erased customer",
            "line1": "erased",
            "countryCode": old["shippingAddress"]["countryCode"],
        }
        assert now["events"][-1]["type"] == "order.customer_erased"
        text = str(now)
        assert "Erin" not in text
        assert "Private Lane" not in text

    revoked = await anonymous.http.post(
        "/graphql", json={"query": "{ me { email } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert revoked.status_code == 401
    again = await anonymous.mutate(
        LOGIN,
        {"input": {"email": f"erin-{unique.lower()}@example.com", "password": "erin's password"}},
    )
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_CREDENTIALS"]
    twice = await admin.mutate(ERASE, {"i": {"customerId": customer_id}})
    assert (twice["userErrors"], twice["erasedOrders"]) == ([], 0)
    export = await admin.mutate(EXPORT, {"i": {"customerId": customer_id}})
    assert "Erin" not in str(export["export"]["data"])
