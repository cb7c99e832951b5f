"""Issue 15 end to end on a live ``ordergraph serve`` (PostgreSQL, the demo data, a real SMTP
server): a checkout reads shipping options and places its order with one, and the promise is the
option's; the fulfillment ships with the carrier the policy picks; signed EasyPost webhooks —
with a duplicate, an out-of-order and a badly signed one among them — move the parcel to
DELIVERED and the customer gets every mail; the seeded fraud rule holds a risky first order
within a second of placement; the packing slip renders to a readable page.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_carrier_events_api import EASYPOST_SECRET, post_easypost, tracker_event
from tests.api.test_fulfillment_api import pack
from tests.api.test_place_order_api import create_warehouse, receive
from tests.api.test_returns_api import capture, create_product
from tests.e2e.test_cli import SHORT_HISTORY
from tests.e2e.test_customer_mail_e2e import admin_token, kind, start, stopped
from tests.e2e.test_serve_e2e import cli_env, ordergraph_executable
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.pdf import read_pdf, save_png, scan_code39
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow

BERLIN = {
    "name": "Kim Bauer",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "region": "EU-CENTRAL",
    "postalCode": "10117",
    "countryCode": "DE",
}
OPTIONS = """
query($lines: [OrderLineInput!]!, $to: AddressInput!) {
  shippingOptions(lines: $lines, shippingAddress: $to) {
    id carrier service price { amount currency } deliveryWindow { earliest latest basis }
  }
}"""
PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id number total { amount } shippingTotal { amount } promisedDeliveryAt
            shippingOption { carrier service chosenBy } }
    userErrors { field message code }
  }
}"""
SHIP = """
mutation($input: ShipFulfillmentInput!) {
  shipFulfillment(input: $input) {
    shipment { id carrier service trackingNumber shippedAt
               carrierChoice { policy chosen candidates { carrier service chosen reason } } }
    userErrors { field message code }
  }
}"""
ORDER = """
query($id: ID!) {
  order(id: $id) {
    id number status promisedDeliveryAt
    holds { type active reason createdBy }
    fulfillments { id packingSlipUrl }
    shipments { id status deliveredAt events { status applied } }
  }
}"""
HOLDS = "query($id: ID!) { order(id: $id) { holds { type active createdBy } } }"
JOURNEY = ["ORDER_CONFIRMED", "ORDER_SHIPPED", "OUT_FOR_DELIVERY", "ORDER_DELIVERED"]


@pytest.fixture
def demo_database(databases: Databases, tmp_path: Path) -> Iterator[str]:
    url = databases.new_postgres()
    try:
        subprocess.run(
            [ordergraph_executable(), "seed", "--demo", *SHORT_HISTORY],
            env=cli_env(url),
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=True,
        )
        yield url
    finally:
        databases.drop_postgres(url)


async def data(client: GraphQLClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = await client.data(query, variables)
    return found


async def test_checkout_to_doorstep_on_a_live_server(demo_database: str, tmp_path: Path) -> None:
    email = "kim.doorstep@example.com"
    with smtp_server() as (smtp_url, inbox):
        server = start(
            demo_database,
            tmp_path,
            smtp_url,
            "doorstep",
            ORDERGRAPH_CARRIER_WEBHOOK_SECRETS=f'{{"easypost": "{EASYPOST_SECRET}"}}',
        )
        try:
            token = admin_token(demo_database, tmp_path)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                admin = GraphQLClient(http, token)

                # checkout: the options, then the order placed with the dearest of them
                lines = [{"sku": "TEE-BLA", "quantity": 1}]
                options = (await data(admin, OPTIONS, {"lines": lines, "to": BERLIN}))[
                    "shippingOptions"
                ]
                assert options, "no shipping option for Berlin"
                chosen = options[-1]  # cheapest first: the last is the dearest (or the only one)
                placed = await admin.mutate(
                    PLACE,
                    {
                        "input": {
                            "channel": "WEB",
                            "email": email,
                            "lines": lines,
                            "shippingAddress": BERLIN,
                            "shippingOptionId": chosen["id"],
                        }
                    },
                )
                assert placed["userErrors"] == [], placed
                order = placed["order"]
                assert order["shippingTotal"]["amount"] == chosen["price"]["amount"]
                assert order["promisedDeliveryAt"] == chosen["deliveryWindow"]["latest"]
                assert order["shippingOption"] == {
                    "carrier": chosen["carrier"],
                    "service": chosen["service"],
                    "chosenBy": "CUSTOMER",
                }

                # paid, packed, shipped without naming a carrier: the customer's choice wins
                await capture(admin, order["id"])
                (fulfillment,) = (await data(admin, ORDER, {"id": order["id"]}))["order"][
                    "fulfillments"
                ]
                await pack(admin, fulfillment["id"])
                shipped = await admin.mutate(
                    SHIP,
                    {
                        "input": {
                            "fulfillmentId": fulfillment["id"],
                            "trackingNumber": "EZ1000000001",
                        }
                    },
                )
                assert shipped["userErrors"] == [], shipped
                shipment = shipped["shipment"]
                choice = shipment["carrierChoice"]
                picked = [(c["carrier"], c["service"]) for c in choice["candidates"] if c["chosen"]]
                assert picked == [(chosen["carrier"], chosen["service"])], choice
                assert choice["chosen"] == f"{chosen['carrier']} {chosen['service']}"
                assert (shipment["carrier"], shipment["service"]) == (
                    chosen["carrier"],
                    chosen["service"],
                ), shipment
                assert len(choice["candidates"]) >= 1
                assert all(c["reason"] for c in choice["candidates"])

                # the carrier's webhooks, signed; a duplicate, an older one and a forged one
                await asyncio.sleep(1.1)  # the events happen after the parcel shipped
                in_transit = tracker_event(
                    "tracker_updated_in_transit", "EZ1000000001", shipment, 0.2
                )
                out = tracker_event(
                    "tracker_updated_out_for_delivery", "EZ1000000001", shipment, 0.6
                )
                older = tracker_event("tracker_updated_in_transit", "EZ1000000001", shipment, 0.4)
                delivered = tracker_event(
                    "tracker_updated_delivered", "EZ1000000001", shipment, 0.9
                )
                answers = [
                    (await post_easypost(http, in_transit)).status_code,
                    (await post_easypost(http, out)).status_code,
                    (await post_easypost(http, out)).status_code,  # the same event again
                    (await post_easypost(http, older)).status_code,  # older than the last one
                    (
                        await post_easypost(http, delivered, "hmac-sha256-hex=" + "0" * 64)
                    ).status_code,
                ]
                assert answers == [200, 200, 200, 200, 401]
                mid = (await data(admin, ORDER, {"id": order["id"]}))["order"]
                assert mid["shipments"][0]["status"] == "OUT_FOR_DELIVERY"  # not moved back
                assert (await post_easypost(http, delivered)).status_code == 200
                after = (await data(admin, ORDER, {"id": order["id"]}))["order"]
                assert after["status"] == "DELIVERED"
                (parcel,) = after["shipments"]
                assert parcel["status"] == "DELIVERED"
                assert parcel["deliveredAt"] is not None
                applied = [e["status"] for e in parcel["events"] if e["applied"]]
                assert applied.count("OUT_FOR_DELIVERY") == 1  # the duplicate was dropped

                # the customer heard about every stage, once each
                inbox.wait_for(email, len(JOURNEY))
                await asyncio.sleep(0.5)
                assert [kind(m) for m in inbox.for_recipient(email)] == JOURNEY

                # the packing slip of that fulfillment renders to a readable page
                slip = await http.get(
                    after["fulfillments"][0]["packingSlipUrl"],
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert slip.status_code == 200
                (page,) = read_pdf(slip.content)
                assert page.is_a4_or_letter
                assert order["number"] in page.text
                assert "TEE-BLA" in page.text
                assert scan_code39(page).text.startswith(order["number"])
                save_png(page, tmp_path / "packing-slip.png")

                # a risky first order: the seeded rule holds it within a second
                warehouse_id = await create_warehouse(
                    admin, "RISK-W", region="EU-CENTRAL", country="DE"
                )
                await create_product(admin, "RISK-TV", "1299.00")
                await receive(admin, "RISK-TV", warehouse_id, 3)
                risky = await admin.mutate(
                    PLACE,
                    {
                        "input": {
                            "channel": "WEB",
                            "email": "first.time@example.com",
                            "lines": [{"sku": "RISK-TV", "quantity": 1}],
                            "shippingAddress": BERLIN,
                        }
                    },
                )
                placed_at = time.monotonic()
                assert risky["userErrors"] == [], risky
                held_after = None
                while time.monotonic() - placed_at < 5:
                    holds = (await data(admin, HOLDS, {"id": risky["order"]["id"]}))["order"][
                        "holds"
                    ]
                    if any(h["type"] == "FRAUD_REVIEW" and h["active"] for h in holds):
                        held_after = time.monotonic() - placed_at
                        break
                    await asyncio.sleep(0.02)
                assert held_after is not None, "the fraud rule never held the order"
                assert held_after < 1.0, f"held after {held_after:.2f} s"
                print(f"fraud hold {held_after * 1000:.0f} ms after placeOrder answered")
                (hold,) = [h for h in holds if h["type"] == "FRAUD_REVIEW"]
                assert hold["createdBy"].startswith("rule:")
        finally:
            stopped(server)
