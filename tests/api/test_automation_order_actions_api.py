"""A rule that confirms sales-rep orders on payment terms and chooses their carrier service,
over real HTTP on both backends: the order is CONFIRMED with fulfillments while its payment
stays PENDING, and shipFulfillment without a carrier ships with the rule's service."""

from __future__ import annotations

from typing import Any

from tests.api.test_automation_api import create, wait_for_runs
from tests.api.test_carrier_services_api import (
    create_ok,
    place_ok,
    regional_stock,
    service_input,
    ship_choosing,
    ship_to,
)
from tests.api.test_fulfillment_api import pack
from tests.api.test_place_order_api import order_input
from tests.support.graphql import GraphQLClient

ORDER = """
query($id: ID!) {
  order(id: $id) {
    status paymentStatus
    fulfillments { id status }
    shippingOption { carrier service chosenBy price { amount currency } }
    events { type actor payload }
  }
}"""


async def read(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = (await admin.data(ORDER, {"id": order_id}))["order"]
    return order


async def test_a_rule_confirms_a_sales_rep_order_and_chooses_its_carrier_service(
    admin: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (1, 2)))
    express = await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    rule = await create(
        admin,
        {
            "name": f"rep terms {unique}",
            "trigger": "order.placed",
            "condition": 'order.channel == "SALES_REP"',
            "actions": [
                {"confirm": {}},
                {"chooseCarrierService": {"carrierServiceId": express["id"]}},
            ],
        },
    )
    assert [a["kind"] for a in rule["actions"]] == ["confirm", "chooseCarrierService"]
    placed = await place_ok(
        admin, order_input([(item.sku, 1)], channel="SALES_REP", ship_to=ship_to(unique))
    )
    assert placed["shippingOption"]["chosenBy"] == "CHEAPEST"

    ran = await wait_for_runs(admin, placed["id"], rule["id"])
    [run] = ran["automationRuns"]
    assert [a["status"] for a in run["actions"]] == ["OK", "OK"], run
    order = await read(admin, placed["id"])
    assert (order["status"], order["paymentStatus"]) == ("CONFIRMED", "PENDING")
    [fulfillment] = order["fulfillments"]
    assert fulfillment["status"] == "PENDING"
    assert order["shippingOption"] == {
        "carrier": "DHL",
        "service": f"EXPRESS-{unique}",
        "chosenBy": "RULE",
        "price": {"amount": "4.95", "currency": "EUR"},  # what the customer paid stays
    }
    [confirmed] = [e for e in order["events"] if e["type"] == "order.confirmed"]
    assert confirmed["actor"].startswith("rule:")
    assert confirmed["actor"].endswith(f":{rule['name']}")
    assert confirmed["payload"]["paymentTerms"] is True

    await pack(admin, fulfillment["id"])
    shipment = await ship_choosing(admin, fulfillment["id"])
    assert (shipment["carrier"], shipment["service"]) == ("DHL", f"EXPRESS-{unique}")
    chosen = [c for c in shipment["carrierChoice"]["candidates"] if c["chosen"]]
    assert [c["reason"] for c in chosen] == ["chosen by an automation rule"]
