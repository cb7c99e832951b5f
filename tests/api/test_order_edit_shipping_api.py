"""editOrder's setShippingMethod over real HTTP: the order priced again with the new carrier
service, the money settled, the promise moved, refused once picked or for a bad option."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.test_carrier_services_api import (
    create_ok,
    options,
    place_ok,
    regional_stock,
    service_input,
    ship_to,
)
from tests.api.test_fulfillment_api import parse_time
from tests.api.test_order_edits_api import START_PICKING, charged, no_drift, pay, read
from tests.api.test_place_order_api import order_input
from tests.support.graphql import GraphQLClient

METHOD = "before { carrier service price { amount } } after { carrier service price { amount } }"
EDIT = f"""
mutation($input: EditOrderInput!) {{
  editOrder(input: $input) {{
    order {{ id version shippingTotal {{ amount }} total {{ amount }} promisedDeliveryAt
             shippingOption {{ service price {{ amount }} }} }}
    edit {{ dryRun paymentSettlement totalDifference {{ amount }} reservedChanges {{ sku }}
            after {{ shippingTotal {{ amount }} total {{ amount }} }} promisedDeliveryAt
            shippingMethod {{ {METHOD} }} }}
    userErrors {{ field message code }}
  }}
}}"""
SHIPPING = f"""
query($id: ID!) {{ order(id: $id) {{
  version shippingTotal {{ amount }} promisedDeliveryAt shippingOption {{ service }}
  changes {{ shippingMethod {{ {METHOD} }} }} events {{ type payload }}
  fulfillments {{ id status }}
}} }}"""


async def set_method(admin: GraphQLClient, order_id: str, option: str, **extra: Any) -> Any:
    changes = [{"setShippingMethod": {"shippingOptionId": option}}]
    return await admin.mutate(EDIT, {"input": {"orderId": order_id, "changes": changes, **extra}})


async def shipping(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    order = (await admin.data(SHIPPING, {"id": order_id}))["order"]
    assert isinstance(order, dict)
    return order


async def test_a_dearer_method_is_charged_a_cheaper_one_refunded_and_the_promise_follows(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "DPD", "ECONOMY", "3.95", (4, 6)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    lines = [(item.sku, 1)]
    economy, express = await options(storefront, lines, ship_to(unique))
    placed = await place_ok(
        storefront, order_input(lines, ship_to=ship_to(unique), shippingOptionId=economy["id"])
    )
    await pay(admin, "capturePayment", placed["id"])
    before = await shipping(admin, placed["id"])

    preview = await set_method(admin, placed["id"], express["id"], dryRun=True)
    assert preview["userErrors"] == [], preview
    p = preview["edit"]
    assert p["dryRun"] is True
    assert p["after"]["shippingTotal"]["amount"] == "14.95"
    assert Decimal(p["totalDifference"]["amount"]) == Decimal("11.00")
    assert p["paymentSettlement"] == "CHARGE"
    assert p["reservedChanges"] == []
    assert p["shippingMethod"]["before"]["service"] == f"ECONOMY-{unique}"
    assert p["shippingMethod"]["after"]["service"] == f"EXPRESS-{unique}"
    unchanged = await shipping(admin, placed["id"])
    assert (unchanged["version"], unchanged["shippingTotal"]) == (
        before["version"],
        {"amount": "3.95"},
    )

    missing = await set_method(admin, placed["id"], express["id"])
    assert [e["code"] for e in missing["userErrors"]] == ["PAYMENT_REQUIRED"]
    done = await set_method(admin, placed["id"], express["id"], paymentToken="tok_ok")
    assert done["userErrors"] == [], done
    order = done["order"]
    assert order["shippingTotal"]["amount"] == "14.95"
    assert order["shippingOption"]["service"] == f"EXPRESS-{unique}"
    assert parse_time(order["promisedDeliveryAt"]) == parse_time(
        express["deliveryWindow"]["latest"]
    )
    assert parse_time(order["promisedDeliveryAt"]) < parse_time(before["promisedDeliveryAt"])
    assert charged(await read(admin, placed["id"])) == Decimal(order["total"]["amount"])
    after = await shipping(admin, placed["id"])
    assert after["changes"][0]["shippingMethod"]["after"]["price"]["amount"] == "14.95"
    edited = [e["payload"] for e in after["events"] if e["type"] == "order.edited"]
    assert edited[-1]["shippingMethod"]["before"]["service"] == f"ECONOMY-{unique}"
    assert edited[-1]["shippingMethod"]["after"]["service"] == f"EXPRESS-{unique}"

    cheaper = (await options(storefront, lines, ship_to(unique)))[0]  # a fresh ECONOMY id
    back = await set_method(admin, placed["id"], cheaper["id"])
    assert back["userErrors"] == [], back
    assert back["edit"]["paymentSettlement"] == "REFUND"
    assert back["order"]["shippingTotal"]["amount"] == "3.95"
    assert charged(await read(admin, placed["id"])) == Decimal(back["order"]["total"]["amount"])
    await no_drift(admin)


async def test_a_bad_option_or_a_picked_order_is_refused_and_nothing_changes(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "DPD", "ECONOMY", "3.95", (4, 6)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    lines = [(item.sku, 1)]
    _economy, express = await options(storefront, lines, ship_to(unique))
    placed = await place_ok(storefront, order_input(lines, ship_to=ship_to(unique)))
    before = await shipping(admin, placed["id"])
    at = ["input", "changes", "0", "setShippingMethod", "shippingOptionId"]

    forged = express["id"][:-2] + ("aa" if not express["id"].endswith("aa") else "bb")
    for bad in (forged, "not-an-option"):
        payload = await set_method(admin, placed["id"], bad)
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("SHIPPING_OPTION_INVALID", at)
        ]
    # quoted for the current address, given with a new one that no service serves
    elsewhere = await admin.mutate(
        EDIT,
        {
            "input": {
                "orderId": placed["id"],
                "changes": [
                    {"setShippingAddress": ship_to(unique) | {"region": "NOWHERE"}},
                    {"setShippingMethod": {"shippingOptionId": express["id"]}},
                ],
            }
        },
    )
    assert [e["code"] for e in elsewhere["userErrors"]] == ["SHIPPING_OPTION_INVALID"], elsewhere
    assert await shipping(admin, placed["id"]) == before

    await pay(admin, "capturePayment", placed["id"])
    paid = await shipping(admin, placed["id"])
    (fulfillment,) = paid["fulfillments"]
    started = await admin.mutate(START_PICKING, {"id": fulfillment["id"]})
    assert started["userErrors"] == [], started
    paid = await shipping(admin, placed["id"])
    picked = await set_method(admin, placed["id"], express["id"], paymentToken="tok_ok")
    assert [(e["code"], e["field"]) for e in picked["userErrors"]] == [
        ("LINE_NOT_EDITABLE", ["input", "changes", "0", "setShippingMethod"])
    ]
    still = await shipping(admin, placed["id"])
    assert (still["version"], still["shippingTotal"]) == (paid["version"], {"amount": "3.95"})
    await no_drift(admin)
