"""authorizePayment and capturePayment over real HTTP with the test gateway, on both backends."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ordergraph.domain.principals import Role
from tests.api.test_place_order_api import (
    Stocked,
    address,
    create_product,
    create_warehouse,
    global_id,
    order_input,
    place_ok,
    read_order,
    receive,
    reserved,
    short,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

ORDER_STATE = """
  id status paymentStatus confirmedAt expiresAt total { amount currency }
  lines { id sku quantity }
  fulfillments { status warehouse { id } lines { orderLineId sku quantity } }
  payments { id kind status amount { amount currency } reference errorCode }
  events { sequence type }
"""

PAYMENT_FIELDS = "id gateway kind status amount { amount currency } reference errorCode message"


def payment_mutation(name: str) -> str:
    return f"""
mutation($input: PaymentInput!) {{
  {name}(input: $input) {{
    order {{ {ORDER_STATE} }}
    payment {{ {PAYMENT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""


AUTHORIZE = payment_mutation("authorizePayment")
CAPTURE = payment_mutation("capturePayment")


async def authorize(
    client: GraphQLClient, order_id: str, token: str | None = "tok_ok", **extra: Any
) -> dict[str, Any]:
    return await client.mutate(AUTHORIZE, {"input": {"orderId": order_id, "token": token, **extra}})


async def capture(
    client: GraphQLClient, order_id: str, token: str | None = None, **extra: Any
) -> dict[str, Any]:
    return await client.mutate(CAPTURE, {"input": {"orderId": order_id, "token": token, **extra}})


def error_of(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["order"] is None, payload
    assert payload["payment"] is None, payload
    (error,) = payload["userErrors"]
    assert isinstance(error, dict)
    return error


async def state(admin: GraphQLClient, order_id: str) -> Any:
    return await read_order(admin, order_id, ORDER_STATE)


async def placed(
    client: GraphQLClient, admin: GraphQLClient, unique: str, quantity: int = 2
) -> tuple[str, Stocked]:
    item = await stock(admin, unique, on_hand=10)
    order = await place_ok(client, order_input([(item.sku, quantity)]))
    return order["id"], item


async def test_authorizing_with_a_good_token_confirms_the_order_and_creates_fulfillments(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku_a, sku_b = f"A-{unique}-{short()}", f"B-{unique}-{short()}"
    await create_product(admin, sku_a)
    await create_product(admin, sku_b)
    near = await create_warehouse(admin, f"NEAR-{unique}", region=region)
    far = await create_warehouse(admin, f"FAR-{unique}", region=f"XX-{unique}")
    await receive(admin, sku_a, near, 5)
    await receive(admin, sku_b, far, 5)  # sku_b only far away: two warehouses
    order = await place_ok(
        storefront, order_input([(sku_a, 2), (sku_b, 3)], ship_to=address(region=region))
    )

    payload = await authorize(admin, order["id"])

    assert payload["userErrors"] == []
    payment = payload["payment"]
    assert (payment["kind"], payment["status"], payment["gateway"]) == (
        "AUTHORIZE",
        "SUCCESS",
        "test",
    )
    assert payment["amount"] == order["total"]
    assert payment["reference"]
    after = payload["order"]
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
    assert after["confirmedAt"] is not None
    assert after["expiresAt"] is None
    line_ids = {line["sku"]: line["id"] for line in after["lines"]}
    fulfillments = {f["warehouse"]["id"]: f for f in after["fulfillments"]}
    assert set(fulfillments) == {near, far}
    assert {f["status"] for f in fulfillments.values()} == {"PENDING"}
    assert fulfillments[near]["lines"] == [
        {"orderLineId": line_ids[sku_a], "sku": sku_a, "quantity": 2}
    ]
    assert fulfillments[far]["lines"] == [
        {"orderLineId": line_ids[sku_b], "sku": sku_b, "quantity": 3}
    ]
    assert [e["type"] for e in after["events"]] == [
        "order.placed",
        "order.confirmed",
        "fulfillment.created",
        "fulfillment.created",
    ]
    assert [e["sequence"] for e in after["events"]] == [1, 2, 3, 4]
    assert await state(admin, order["id"]) == after
    # stock stays reserved for the fulfillments
    assert await reserved(admin, sku_a, near) == 2
    assert await reserved(admin, sku_b, far) == 3


async def test_a_declined_card_fails_the_payment_and_a_good_card_then_succeeds(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)

    declined = error_of(await authorize(admin, order_id, "tok_declined"))

    assert declined["code"] == "PAYMENT_DECLINED"
    assert declined["field"] == ["input", "token"]
    after_decline = await state(admin, order_id)
    assert (after_decline["status"], after_decline["paymentStatus"]) == ("PLACED", "FAILED")
    assert [(p["kind"], p["status"], p["errorCode"]) for p in after_decline["payments"]] == [
        ("AUTHORIZE", "DECLINED", "card_declined")
    ]
    assert after_decline["fulfillments"] == []
    assert after_decline["expiresAt"] is not None
    assert await reserved(admin, item.sku, item.warehouse_id) == 2

    retried = await authorize(admin, order_id, "tok_ok")

    assert retried["userErrors"] == []
    assert (retried["order"]["status"], retried["order"]["paymentStatus"]) == (
        "CONFIRMED",
        "AUTHORIZED",
    )
    assert [(p["kind"], p["status"]) for p in (await state(admin, order_id))["payments"]] == [
        ("AUTHORIZE", "DECLINED"),
        ("AUTHORIZE", "SUCCESS"),
    ]


async def test_an_unknown_payment_token_is_declined(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    error = error_of(await authorize(admin, order_id, "tok_made_up"))

    assert error["code"] == "PAYMENT_DECLINED"
    assert (await state(admin, order_id))["paymentStatus"] == "FAILED"


async def test_an_unavailable_gateway_is_a_gateway_error_and_leaves_the_payment_pending(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)

    error = error_of(await authorize(admin, order_id, "tok_unavailable"))

    assert error["code"] == "PAYMENT_GATEWAY_ERROR"
    after = await state(admin, order_id)
    assert (after["status"], after["paymentStatus"]) == ("PLACED", "PENDING")
    assert [(p["kind"], p["status"]) for p in after["payments"]] == [("AUTHORIZE", "ERROR")]
    assert after["fulfillments"] == []
    assert await reserved(admin, item.sku, item.warehouse_id) == 2
    assert (await authorize(admin, order_id, "tok_ok"))["userErrors"] == []


async def test_capturing_an_authorized_order_without_a_token_makes_it_paid(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await authorize(admin, order_id))["userErrors"] == []

    payload = await capture(admin, order_id)

    assert payload["userErrors"] == []
    assert (payload["payment"]["kind"], payload["payment"]["status"]) == ("CAPTURE", "SUCCESS")
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CONFIRMED",
        "PAID",
    )
    after = await state(admin, order_id)
    assert [(p["kind"], p["status"]) for p in after["payments"]] == [
        ("AUTHORIZE", "SUCCESS"),
        ("CAPTURE", "SUCCESS"),
    ]
    assert len(after["fulfillments"]) == 1  # capture creates no second set
    assert [e["type"] for e in after["events"]][-1] == "order.payment_captured"


async def test_capturing_a_placed_order_with_a_good_token_confirms_and_pays_it(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique, quantity=3)

    payload = await capture(admin, order_id, "tok_ok")

    assert payload["userErrors"] == []
    assert (payload["payment"]["kind"], payload["payment"]["status"]) == ("SALE", "SUCCESS")
    assert Decimal(payload["payment"]["amount"]["amount"]) == Decimal(
        payload["order"]["total"]["amount"]
    )
    after = await state(admin, order_id)
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PAID")
    (fulfillment,) = after["fulfillments"]
    assert fulfillment["warehouse"]["id"] == item.warehouse_id
    assert [(line["sku"], line["quantity"]) for line in fulfillment["lines"]] == [(item.sku, 3)]


async def test_capturing_a_placed_order_without_a_token_is_refused(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    error = error_of(await capture(admin, order_id))

    assert error["code"] == "REQUIRED"
    assert error["field"] == ["input", "token"]
    after = await state(admin, order_id)
    assert (after["status"], after["paymentStatus"], after["payments"]) == (
        "PLACED",
        "PENDING",
        [],
    )


async def test_authorizing_twice_is_refused_as_not_payable(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await authorize(admin, order_id))["userErrors"] == []

    error = error_of(await authorize(admin, order_id))

    assert error["code"] == "ORDER_NOT_PAYABLE"
    assert error["field"] == ["input", "orderId"]
    after = await state(admin, order_id)
    assert len(after["payments"]) == 1
    assert len(after["fulfillments"]) == 1


async def test_capturing_a_paid_order_again_is_refused_as_not_payable(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await capture(admin, order_id, "tok_ok"))["userErrors"] == []

    error = error_of(await capture(admin, order_id, "tok_ok"))

    assert error["code"] == "ORDER_NOT_PAYABLE"
    assert len((await state(admin, order_id))["payments"]) == 1


async def test_replaying_an_authorization_returns_the_same_payment_and_records_one(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    key = f"auth-{unique}"

    first = await authorize(admin, order_id, idempotencyKey=key)
    second = await authorize(admin, order_id, idempotencyKey=key)

    assert first["userErrors"] == second["userErrors"] == []
    assert second["payment"]["id"] == first["payment"]["id"]
    assert second["payment"]["reference"] == first["payment"]["reference"]
    assert second["order"]["status"] == "CONFIRMED"
    after = await state(admin, order_id)
    assert [p["id"] for p in after["payments"]] == [first["payment"]["id"]]
    assert len(after["fulfillments"]) == 1
    assert [e["type"] for e in after["events"]].count("order.confirmed") == 1


async def test_reusing_an_authorization_key_for_another_order_is_refused(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    first_id, _ = await placed(storefront, admin, unique)
    second_id, _ = await placed(storefront, admin, unique)
    key = f"auth-{unique}"
    assert (await authorize(admin, first_id, idempotencyKey=key))["userErrors"] == []

    error = error_of(await authorize(admin, second_id, idempotencyKey=key))

    assert error["code"] == "IDEMPOTENCY_KEY_REUSED"
    after = await state(admin, second_id)
    assert (after["status"], after["paymentStatus"], after["payments"]) == (
        "PLACED",
        "PENDING",
        [],
    )


async def test_the_storefront_token_that_placed_an_order_can_pay_it(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    payload = await authorize(storefront, order_id)

    assert payload["userErrors"] == []
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CONFIRMED",
        "AUTHORIZED",
    )
    assert (await state(admin, order_id))["paymentStatus"] == "AUTHORIZED"


async def test_another_storefront_cannot_pay_an_order_it_did_not_place(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    other = storefront.as_token(issue_token(live.database_url, Role.STOREFRONT))

    error = error_of(await authorize(other, order_id))

    assert error["code"] in {"NOT_FOUND", "FORBIDDEN"}
    after = await state(admin, order_id)
    assert (after["paymentStatus"], after["payments"]) == ("PENDING", [])


async def test_a_second_storefront_token_with_the_same_name_cannot_pay_the_first_ones_order(
    admin: GraphQLClient,
    same_named_storefronts: tuple[GraphQLClient, GraphQLClient],
    unique: str,
) -> None:
    first, second = same_named_storefronts
    order_id, _ = await placed(first, admin, unique)

    payload = await authorize(second, order_id)

    assert payload["order"] is None
    assert (await state(admin, order_id))["paymentStatus"] == "PENDING"


@pytest.fixture
def same_named_storefronts(
    storefront: GraphQLClient, live: LiveApi
) -> tuple[GraphQLClient, GraphQLClient]:
    """Two distinct storefront tokens that share a name (issue_token names them all "test")."""
    return (
        storefront.as_token(issue_token(live.database_url, Role.STOREFRONT)),
        storefront.as_token(issue_token(live.database_url, Role.STOREFRONT)),
    )


async def test_read_only_staff_cannot_take_payment(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    error = error_of(await authorize(staff, order_id))

    assert error["code"] == "FORBIDDEN"
    assert (await state(admin, order_id))["payments"] == []


async def test_paying_a_cancelled_order_is_refused(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    cancelled = await admin.mutate(
        """mutation($input: CancelOrderInput!) {
             cancelOrder(input: $input) { order { status } userErrors { code } }
           }""",
        {"input": {"orderId": order_id, "reason": "changed mind"}},
    )
    assert cancelled == {"order": {"status": "CANCELLED"}, "userErrors": []}

    error = error_of(await authorize(admin, order_id))

    assert error["code"] == "ORDER_NOT_PAYABLE"
    assert (await state(admin, order_id))["payments"] == []


async def test_paying_an_order_that_does_not_exist_is_not_found(admin: GraphQLClient) -> None:
    error = error_of(await authorize(admin, global_id("Order", 987654321)))

    assert error["code"] == "NOT_FOUND"
    assert error["field"] == ["input", "orderId"]


async def test_paying_with_a_product_id_is_an_invalid_id(admin: GraphQLClient, unique: str) -> None:
    product_id = await create_product(admin, f"P-{unique}-{short()}")

    error = error_of(await authorize(admin, product_id))

    assert error["code"] == "INVALID_ID"
    assert error["field"] == ["input", "orderId"]


THREE_D_SECURE = """
mutation($input: PaymentInput!) {
  authorizePayment(input: $input) {
    order { status paymentStatus }
    payment { id status clientSecret nextAction settledAt }
    userErrors { field message code }
  }
}"""


async def test_a_3ds_payment_waits_for_the_customer_and_finishes_when_asked_again(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    waiting = await storefront.mutate(
        THREE_D_SECURE, {"input": {"orderId": order_id, "token": "tok_3ds"}}
    )
    assert waiting["userErrors"] == []
    assert waiting["order"] == {"status": "PLACED", "paymentStatus": "ACTION_REQUIRED"}
    payment = waiting["payment"]
    assert payment["status"] == "ACTION_REQUIRED"
    assert payment["clientSecret"].endswith("_secret")
    assert payment["nextAction"]["type"] == "redirect_to_url"
    assert payment["settledAt"] is None

    done = await storefront.mutate(THREE_D_SECURE, {"input": {"orderId": order_id}})

    assert done["userErrors"] == []
    assert done["order"] == {"status": "CONFIRMED", "paymentStatus": "AUTHORIZED"}
    assert (done["payment"]["id"], done["payment"]["status"]) == (payment["id"], "SUCCESS")
    events = [e["type"] for e in (await state(admin, order_id))["events"]]
    assert events.index("order.payment_action_required") < events.index("order.confirmed")


async def test_a_customer_who_fails_3ds_gets_a_decline_and_may_pay_again(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    await storefront.mutate(
        THREE_D_SECURE, {"input": {"orderId": order_id, "token": "tok_3ds_fail"}}
    )
    failed = await storefront.mutate(THREE_D_SECURE, {"input": {"orderId": order_id}})
    assert [e["code"] for e in failed["userErrors"]] == ["PAYMENT_DECLINED"]
    assert (await state(admin, order_id))["paymentStatus"] == "FAILED"
    paid = await authorize(storefront, order_id, "tok_ok")
    assert paid["order"]["paymentStatus"] == "AUTHORIZED"
