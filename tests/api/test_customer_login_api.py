"""customerLogin and CUSTOMER tokens: a customer sees and acts on its own orders only."""

from __future__ import annotations

from typing import Any

from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { code } }
}"""
LOGIN = """
mutation($input: CustomerLoginInput!) {
  customerLogin(input: $input) {
    token expiresAt customer { id email } userErrors { field message code }
  }
}"""
MY_ORDERS = "{ me { email } orders(first: 50) { totalCount nodes { id customer { email } } } }"
ORDER = "query($id: ID!) { order(id: $id) { id } }"
MY_RETURNS = "{ returns(first: 50) { totalCount nodes { id } } }"
CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { code } }
}"""


async def customer(admin: GraphQLClient, email: str, password: str) -> str:
    payload = await admin.mutate(
        CREATE_CUSTOMER, {"input": {"email": email, "name": "Ann", "password": password}}
    )
    assert payload["userErrors"] == []
    customer_id = payload["customer"]["id"]
    assert isinstance(customer_id, str)
    return customer_id


async def login(anonymous: GraphQLClient, email: str, password: str) -> dict[str, Any]:
    return await anonymous.mutate(LOGIN, {"input": {"email": email, "password": password}})


async def test_a_customer_signs_in_and_sees_only_its_own_orders(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    email = f"ann-{unique.lower()}@example.com"
    mine = await customer(admin, email, "correct horse battery")
    other = await customer(admin, f"bob-{unique.lower()}@example.com", "another password")
    stocked = await stock(admin, unique)
    own = await place_ok(admin, order_input([(stocked.sku, 1)], customerId=mine))
    foreign = await place_ok(admin, order_input([(stocked.sku, 1)], customerId=other))

    signed_in = await login(anonymous, email.upper(), "correct horse battery")
    assert signed_in["userErrors"] == []
    assert signed_in["customer"] == {"id": mine, "email": email}
    assert signed_in["expiresAt"] is not None
    as_customer = anonymous.as_token(signed_in["token"])

    data = await as_customer.data(MY_ORDERS)
    assert data["me"] == {"email": email}
    assert [n["id"] for n in data["orders"]["nodes"]] == [own["id"]]
    assert (await as_customer.data(ORDER, {"id": foreign["id"]}))["order"] is None
    assert (await as_customer.data(ORDER, {"id": own["id"]}))["order"] == {"id": own["id"]}

    refused = await as_customer.mutate(
        CANCEL, {"input": {"orderId": foreign["id"], "reason": "not mine"}}
    )
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    cancelled = await as_customer.mutate(
        CANCEL, {"input": {"orderId": own["id"], "reason": "changed my mind"}}
    )
    assert cancelled["userErrors"] == []
    assert cancelled["order"]["status"] == "CANCELLED"


async def test_a_customer_order_is_linked_to_the_customer_who_placed_it(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    email = f"cara-{unique.lower()}@example.com"
    await customer(admin, email, "long enough secret")
    token = (await login(anonymous, email, "long enough secret"))["token"]
    stocked = await stock(admin, unique)
    placed = await place_ok(anonymous.as_token(token), order_input([(stocked.sku, 1)], email=None))
    data = await anonymous.as_token(token).data(MY_ORDERS)
    assert [n["id"] for n in data["orders"]["nodes"]] == [placed["id"]]
    assert data["orders"]["nodes"][0]["customer"] == {"email": email}


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    email = f"dan-{unique.lower()}@example.com"
    await customer(admin, email, "the real password")
    wrong = await login(anonymous, email, "not the password")
    unknown = await login(anonymous, f"nobody-{unique.lower()}@example.com", "whatever it is")
    for payload in (wrong, unknown):
        assert payload["token"] is None
        assert [(e["code"], e["message"]) for e in payload["userErrors"]] == [
            ("INVALID_CREDENTIALS", "email or password is wrong")
        ]


async def test_a_customer_token_cannot_do_staff_work(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    email = f"eve-{unique.lower()}@example.com"
    await customer(admin, email, "eve's own password")
    token = (await login(anonymous, email, "eve's own password"))["token"]
    as_customer = anonymous.as_token(token)
    refused = await as_customer.execute("{ customers(first: 1) { totalCount } }")
    assert refused.error_codes == ["FORBIDDEN"]
    assert (await as_customer.data("{ me { email } }"))["me"] == {"email": email}
    assert (await admin.data("{ me { email } }"))["me"] is None


async def test_a_customer_requests_a_return_of_its_own_delivered_order_but_not_of_others(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    from tests.api.test_fulfillment_api import pack, ship_ok
    from tests.api.test_returns_api import capture, deliver, read, request_return, return_line

    email = f"fay-{unique.lower()}@example.com"
    mine = await customer(admin, email, "fay's own password")
    stocked = await stock(admin, unique)
    orders = []
    for owner in (mine, None):
        extra: dict[str, Any] = {"customerId": owner} if owner else {}
        values = order_input([(stocked.sku, 2)], **extra)
        placed = await place_ok(admin, values)
        await capture(admin, placed["id"])
        (fulfillment,) = (await read(admin, placed["id"]))["fulfillments"]
        await pack(admin, fulfillment["id"])
        await ship_ok(admin, fulfillment["id"])
        await deliver(admin, await read(admin, placed["id"]))
        orders.append(await read(admin, placed["id"]))
    own, guest = orders
    as_customer = anonymous.as_token((await login(anonymous, email, "fay's own password"))["token"])

    accepted = await request_return(
        as_customer, own["id"], [return_line(own["lines"][0]["id"], 1, "SIZE_FIT")]
    )
    assert accepted["userErrors"] == []
    assert accepted["return"]["status"] == "REQUESTED"
    assert accepted["return"]["requestedBy"].startswith("customer:")

    refused = await request_return(
        as_customer, guest["id"], [return_line(guest["lines"][0]["id"], 1, "SIZE_FIT")]
    )
    assert refused["return"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]

    # the customer lists its own returns, never another's; a storefront token lists none
    guest_return = await request_return(
        admin, guest["id"], [return_line(guest["lines"][0]["id"], 1, "SIZE_FIT")]
    )
    assert guest_return["userErrors"] == []
    listing = await as_customer.data(MY_RETURNS)
    assert listing["returns"]["totalCount"] == 1
    assert [r["id"] for r in listing["returns"]["nodes"]] == [accepted["return"]["id"]]
    assert (await admin.data(MY_RETURNS))["returns"]["totalCount"] >= 2
