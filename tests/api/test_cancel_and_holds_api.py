"""cancelOrder, holdOrder and releaseOrderHold over real HTTP, on both backends."""

from __future__ import annotations

from typing import Any

from tests.api.test_place_order_api import (
    Stocked,
    address,
    create_product,
    create_warehouse,
    global_id,
    level,
    order_input,
    place_ok,
    read_order,
    receive,
    short,
    stock,
)
from tests.support.graphql import GraphQLClient

ORDER_STATE = """
  id status paymentStatus cancelledAt cancelReason expiresAt
  fulfillments { status warehouse { id } }
  payments { kind status }
  events { sequence type actor }
  holds { type reason active createdBy releasedAt releasedBy }
"""

CANCEL = f"""
mutation($input: CancelOrderInput!) {{
  cancelOrder(input: $input) {{ order {{ {ORDER_STATE} }} userErrors {{ field message code }} }}
}}"""

HOLD = f"""
mutation($input: HoldOrderInput!) {{
  holdOrder(input: $input) {{ order {{ {ORDER_STATE} }} userErrors {{ field message code }} }}
}}"""

RELEASE = f"""
mutation($input: ReleaseOrderHoldInput!) {{
  releaseOrderHold(input: $input) {{
    order {{ {ORDER_STATE} }}
    userErrors {{ field message code }}
  }}
}}"""

PAY = """
mutation($input: PaymentInput!) {
  %s(input: $input) { order { status paymentStatus } userErrors { code } }
}"""

HELD = """
query($search: String!, $hasHold: Boolean) {
  orders(first: 50, filter: {search: $search, hasHold: $hasHold}) { totalCount nodes { id } }
}"""


async def cancel(
    client: GraphQLClient, order_id: str, reason: str = "customer asked", **extra: Any
) -> Any:
    return await client.mutate(CANCEL, {"input": {"orderId": order_id, "reason": reason, **extra}})


async def hold(
    client: GraphQLClient, order_id: str, type_: str = "FRAUD_REVIEW", **extra: Any
) -> Any:
    return await client.mutate(HOLD, {"input": {"orderId": order_id, "type": type_, **extra}})


async def release(client: GraphQLClient, order_id: str, type_: str = "FRAUD_REVIEW") -> Any:
    return await client.mutate(RELEASE, {"input": {"orderId": order_id, "type": type_}})


async def pay(admin: GraphQLClient, mutation: str, order_id: str, token: str | None) -> None:
    payload = await admin.mutate(PAY % mutation, {"input": {"orderId": order_id, "token": token}})
    assert payload["userErrors"] == [], payload


def error_of(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["order"] is None, payload
    (error,) = payload["userErrors"]
    assert isinstance(error, dict)
    return error


async def state(admin: GraphQLClient, order_id: str) -> Any:
    return await read_order(admin, order_id, ORDER_STATE)


async def placed(
    client: GraphQLClient, admin: GraphQLClient, unique: str, quantity: int = 2
) -> tuple[str, Stocked]:
    item = await stock(admin, unique, on_hand=10)
    order = await place_ok(client, order_input([(item.sku, quantity)], email=f"{unique}@ex.com"))
    return order["id"], item


# --- cancel ----------------------------------------------------------------------------------


async def test_cancelling_a_placed_order_releases_its_stock(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    before = await level(admin, item.sku, item.warehouse_id)
    order = await place_ok(storefront, order_input([(item.sku, 4)]))
    assert await level(admin, item.sku, item.warehouse_id) == (10, 4, 6)

    payload = await cancel(admin, order["id"], "  customer changed their mind  ")

    assert payload["userErrors"] == []
    cancelled = payload["order"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["paymentStatus"] == "PENDING"
    assert cancelled["cancelReason"] == "customer changed their mind"
    assert cancelled["cancelledAt"] is not None
    assert cancelled["expiresAt"] is None
    assert [e["type"] for e in cancelled["events"]] == ["order.placed", "order.cancelled"]
    assert [e["sequence"] for e in cancelled["events"]] == [1, 2]
    assert cancelled["events"][1]["actor"].startswith("admin:")
    assert await state(admin, order["id"]) == cancelled
    # the RELEASE movement is visible as reserved going back down
    assert await level(admin, item.sku, item.warehouse_id) == before == (10, 0, 10)


async def test_cancelling_a_split_order_releases_stock_in_every_warehouse(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    near = await create_warehouse(admin, f"NEAR-{unique}", region=region)
    far = await create_warehouse(admin, f"FAR-{unique}", region=f"XX-{unique}")
    await receive(admin, sku, near, 2)
    await receive(admin, sku, far, 5)
    order = await place_ok(storefront, order_input([(sku, 6)], ship_to=address(region=region)))
    assert (await level(admin, sku, near))[1] + (await level(admin, sku, far))[1] == 6

    assert (await cancel(admin, order["id"]))["userErrors"] == []

    assert await level(admin, sku, near) == (2, 0, 2)
    assert await level(admin, sku, far) == (5, 0, 5)


async def test_cancelling_an_authorized_order_voids_the_authorization(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique, quantity=3)
    await pay(admin, "authorizePayment", order_id, "tok_ok")

    payload = await cancel(admin, order_id)

    assert payload["userErrors"] == []
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CANCELLED",
        "VOIDED",
    )
    after = await state(admin, order_id)
    assert after["paymentStatus"] == "VOIDED"
    assert [(p["kind"], p["status"]) for p in after["payments"]] == [
        ("AUTHORIZE", "SUCCESS"),
        ("VOID", "SUCCESS"),
    ]
    assert [f["status"] for f in after["fulfillments"]] == ["CANCELLED"]
    assert "order.cancelled" in [e["type"] for e in after["events"]]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)


async def test_cancelling_a_paid_order_refunds_it_and_cancels_its_fulfillments(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique, quantity=3)
    await pay(admin, "capturePayment", order_id, "tok_ok")
    assert [f["status"] for f in (await state(admin, order_id))["fulfillments"]] == ["PENDING"]

    payload = await cancel(admin, order_id)

    assert payload["userErrors"] == []
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CANCELLED",
        "REFUNDED",
    )
    after = await state(admin, order_id)
    assert after["paymentStatus"] == "REFUNDED"
    assert [(p["kind"], p["status"]) for p in after["payments"]] == [
        ("SALE", "SUCCESS"),
        ("REFUND", "SUCCESS"),
    ]
    assert [f["status"] for f in after["fulfillments"]] == ["CANCELLED"]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)


async def test_cancelling_twice_is_refused_and_releases_nothing_more(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)
    assert (await cancel(admin, order_id))["userErrors"] == []
    other = await place_ok(storefront, order_input([(item.sku, 5)]))
    assert await level(admin, item.sku, item.warehouse_id) == (10, 5, 5)

    error = error_of(await cancel(admin, order_id, "again"))

    assert error["code"] == "ORDER_NOT_CANCELLABLE"
    after = await state(admin, order_id)
    assert after["cancelReason"] == "customer asked"
    assert [e["type"] for e in after["events"]].count("order.cancelled") == 1
    # the other order's reservation is untouched
    assert await level(admin, item.sku, item.warehouse_id) == (10, 5, 5)
    assert other["status"] == "PLACED"


async def test_replaying_a_cancel_with_its_key_returns_the_cancelled_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)
    key = f"cancel-{unique}"

    first = await cancel(admin, order_id, idempotencyKey=key)
    second = await cancel(admin, order_id, idempotencyKey=key)

    assert first["userErrors"] == second["userErrors"] == []
    assert second["order"]["status"] == "CANCELLED"
    assert second["order"]["events"] == first["order"]["events"]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)


async def test_a_cancel_needs_a_reason(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)

    for reason in ("", "   "):
        error = error_of(await cancel(admin, order_id, reason))
        assert error["code"] == "REQUIRED"
        assert error["field"] == ["input", "reason"]

    assert (await state(admin, order_id))["status"] == "PLACED"
    assert await level(admin, item.sku, item.warehouse_id) == (10, 2, 8)


async def test_read_only_staff_cannot_cancel_an_order(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)

    error = error_of(await cancel(staff, order_id))

    assert error["code"] == "FORBIDDEN"
    assert (await state(admin, order_id))["status"] == "PLACED"
    assert await level(admin, item.sku, item.warehouse_id) == (10, 2, 8)


async def test_the_storefront_that_placed_an_order_can_cancel_it(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, item = await placed(storefront, admin, unique)

    payload = await cancel(storefront, order_id)

    assert payload["userErrors"] == []
    assert payload["order"]["status"] == "CANCELLED"
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)


async def test_cancelling_an_order_that_does_not_exist_is_not_found(admin: GraphQLClient) -> None:
    error = error_of(await cancel(admin, global_id("Order", 987654321)))

    assert error["code"] == "NOT_FOUND"
    assert error["field"] == ["input", "orderId"]


# --- holds -----------------------------------------------------------------------------------


async def test_a_fraud_review_hold_is_active_and_found_by_the_has_hold_filter(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    free_id, _ = await placed(storefront, admin, unique)

    payload = await hold(admin, order_id, reason="card country mismatch")

    assert payload["userErrors"] == []
    (placed_hold,) = payload["order"]["holds"]
    assert placed_hold["type"] == "FRAUD_REVIEW"
    assert placed_hold["reason"] == "card country mismatch"
    assert placed_hold["active"] is True
    assert placed_hold["createdBy"].startswith("admin:")
    assert placed_hold["releasedAt"] is None
    active = await read_order(admin, order_id, "holds(active: true) { type active }")
    assert active["holds"] == [{"type": "FRAUD_REVIEW", "active": True}]
    assert (await read_order(admin, order_id, "holds(active: false) { type }"))["holds"] == []
    held = await admin.data(HELD, {"search": unique, "hasHold": True})
    assert [n["id"] for n in held["orders"]["nodes"]] == [order_id]
    not_held = await admin.data(HELD, {"search": unique, "hasHold": False})
    assert [n["id"] for n in not_held["orders"]["nodes"]] == [free_id]
    assert (await state(admin, order_id))["events"][-1]["type"] == "order.hold_placed"


async def test_the_same_active_hold_twice_is_a_duplicate(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await hold(admin, order_id))["userErrors"] == []

    error = error_of(await hold(admin, order_id))

    assert error["code"] == "DUPLICATE"
    assert error["field"] == ["input", "type"]
    assert len((await state(admin, order_id))["holds"]) == 1
    # a hold of another type is fine
    other = await hold(admin, order_id, "ADDRESS_VERIFICATION")
    assert other["userErrors"] == []
    assert [h["type"] for h in other["order"]["holds"]] == ["FRAUD_REVIEW", "ADDRESS_VERIFICATION"]


async def test_releasing_a_hold_makes_it_inactive_with_a_release_time(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await hold(admin, order_id))["userErrors"] == []

    payload = await release(admin, order_id)

    assert payload["userErrors"] == []
    (released,) = payload["order"]["holds"]
    assert released["active"] is False
    assert released["releasedAt"] is not None
    assert released["releasedBy"].startswith("admin:")
    assert (await read_order(admin, order_id, "holds(active: true) { type }"))["holds"] == []
    assert (await read_order(admin, order_id, "holds(active: false) { type }"))["holds"] == [
        {"type": "FRAUD_REVIEW"}
    ]
    held = await admin.data(HELD, {"search": unique, "hasHold": True})
    assert held["orders"]["totalCount"] == 0
    events = [e["type"] for e in (await state(admin, order_id))["events"]]
    assert events == ["order.placed", "order.hold_placed", "order.hold_released"]
    # once released, the same type can be placed again
    assert (await hold(admin, order_id))["userErrors"] == []


async def test_releasing_a_hold_that_is_not_there_is_not_found(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await hold(admin, order_id, "PAYMENT_REVIEW"))["userErrors"] == []

    error = error_of(await release(admin, order_id, "FRAUD_REVIEW"))

    assert error["code"] == "NOT_FOUND"
    assert error["field"] == ["input", "type"]
    assert [h["active"] for h in (await state(admin, order_id))["holds"]] == [True]


async def test_a_storefront_cannot_place_or_release_holds(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    assert error_of(await hold(storefront, order_id))["code"] == "FORBIDDEN"
    assert (await state(admin, order_id))["holds"] == []
    assert (await hold(admin, order_id))["userErrors"] == []
    assert error_of(await release(storefront, order_id))["code"] == "FORBIDDEN"
    assert [h["active"] for h in (await state(admin, order_id))["holds"]] == [True]


async def test_read_only_staff_cannot_hold_an_order(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)

    assert error_of(await hold(staff, order_id))["code"] == "FORBIDDEN"
    assert (await state(admin, order_id))["holds"] == []


async def test_a_cancelled_order_cannot_be_put_on_hold(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order_id, _ = await placed(storefront, admin, unique)
    assert (await cancel(admin, order_id))["userErrors"] == []

    error = error_of(await hold(admin, order_id))

    assert error["code"] == "ILLEGAL_TRANSITION"
    assert (await state(admin, order_id))["holds"] == []
