"""Isolation: two customers, two storefronts and scoped staff try every query, nested field,
mutation and subscription against each other's data; nothing personal may leak.

Every comparison is counted (``Checks``); the totals are printed with ``-s``. A "secret" is
what identifies a person: email, name, phone, street. Order numbers and tracking codes are
not secrets (the public tracking page shows them).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ordergraph.domain.principals import Role, Scope
from tests.api.test_customer_login_api import login
from tests.api.test_fulfillment_api import pack, ship_ok
from tests.api.test_place_order_api import address, order_input, place_ok, stock
from tests.api.test_returns_api import capture, deliver, read, request_return, return_line
from tests.api.test_subscriptions_api import socket
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient, GraphQLResponse
from tests.support.live import LiveApi, issue_token, live_api

REFUSED = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "INVALID_ID"}

DEEP_ORDER = """
  id number status email contactName phone placedBy
  shippingAddress { name line1 city phone }
  customer { id email name phone addresses { line1 } defaultAddress { name } }
  lines { id sku product { sku } }
  fulfillments { id status lines { id } warehouse { code } shipments { trackingCode } }
  shipments { id trackingCode orderNumber events { status } }
  returns { id number note lines { id note } }
  refunds { id status }
  events { id type actor payload order { email } }
  payments { kind status reference }
  holds { type reason createdBy }
  routing { candidates { reason warehouse { code } } allocations { sku } }
"""


@dataclass
class Person:
    email: str
    name: str
    phone: str
    street: str
    customer_id: str = ""
    token: str = ""
    order: dict[str, Any] = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        return [self.email, self.name, self.phone, self.street]


@dataclass
class Checks:
    count: int = 0
    failures: list[str] = field(default_factory=list)

    def that(self, ok: bool, label: str) -> None:
        self.count += 1
        if not ok:
            self.failures.append(label)

    def no_secrets(self, response: Any, owners: list[Person], label: str) -> None:
        text = json.dumps(response.body if isinstance(response, GraphQLResponse) else response)
        for owner in owners:
            for secret in owner.secrets:
                self.that(secret.lower() not in text.lower(), f"{label}: leaked {secret!r}")


TOTALS: dict[str, int] = {}


@dataclass
class World:
    live: LiveApi
    http: httpx.AsyncClient
    alice: Person
    bruno: Person
    guest: Person
    other_shop: str
    reader: str  # staff with the default (read-only) scopes
    stock_keeper: str  # staff with inventory:write only
    sku: str
    warehouse_id: str

    def client(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)


@pytest.fixture(scope="module")
def live(databases: Databases) -> Iterator[LiveApi]:
    with live_api("postgresql", databases.new_postgres()) as api:
        yield api


async def _person(admin: GraphQLClient, anonymous: GraphQLClient, who: Person) -> None:
    payload = await admin.mutate(
        """mutation($input: CreateCustomerInput!) {
          createCustomer(input: $input) { customer { id } userErrors { code } } }""",
        {
            "input": {
                "email": who.email,
                "name": who.name,
                "phone": who.phone,
                "password": "a long password",
                "address": address(name=who.name, line1=who.street),
            }
        },
    )
    assert payload["userErrors"] == []
    who.customer_id = payload["customer"]["id"]
    who.token = (await login(anonymous, who.email, "a long password"))["token"]


async def _delivered(admin: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    placed = await place_ok(admin, values)
    await capture(admin, placed["id"])
    (fulfillment,) = (await read(admin, placed["id"]))["fulfillments"]
    await pack(admin, fulfillment["id"])
    await ship_ok(admin, fulfillment["id"])
    await deliver(admin, await read(admin, placed["id"]))
    return await read(admin, placed["id"])


@pytest.fixture
async def world(live: LiveApi, unique: str) -> AsyncIterator[World]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as http:
        admin = GraphQLClient(http, live.admin_token)
        anonymous = GraphQLClient(http, None)
        u = unique.lower()
        alice = Person(
            f"alice-{u}@example.com", f"Alice Private {u}", "+491701111111", f"{u} Alicestr 1"
        )
        bruno = Person(
            f"bruno-{u}@example.com", f"Bruno Secret {u}", "+491702222222", f"{u} Brunoweg 2"
        )
        guest = Person(
            f"gina-{u}@example.com", f"Gina Guest {u}", "+491703333333", f"{u} Ginaplatz 3"
        )
        stocked = await stock(admin, unique, on_hand=50)
        for who in (alice, bruno):
            await _person(admin, anonymous, who)
            ship_to = address(name=who.name, line1=who.street, phone=who.phone)
            who.order = await _delivered(
                admin,
                order_input(
                    [(stocked.sku, 2)],
                    email=who.email,
                    customerId=who.customer_id,
                    ship_to=ship_to,
                ),
            )
            asked = await request_return(
                GraphQLClient(http, who.token),
                who.order["id"],
                [return_line(who.order["lines"][0]["id"], 1, "SIZE_FIT", note=who.name)],
                note=who.street,
            )
            assert asked["userErrors"] == []
            who.order = await read(admin, who.order["id"])
        guest_ship_to = address(name=guest.name, line1=guest.street, phone=guest.phone)
        guest.token = live.storefront_token
        placed = await place_ok(
            GraphQLClient(http, live.storefront_token),
            order_input(
                [(stocked.sku, 1)],
                email=guest.email,
                name=guest.name,
                phone=guest.phone,
                ship_to=guest_ship_to,
            ),
        )
        guest.order = await read(admin, placed["id"])
        yield World(
            live=live,
            http=http,
            alice=alice,
            bruno=bruno,
            guest=guest,
            other_shop=issue_token(live.database_url, Role.STOREFRONT),
            reader=live.staff_token,
            stock_keeper=issue_token(
                live.database_url, Role.STAFF, frozenset({Scope.INVENTORY_WRITE})
            ),
            sku=stocked.sku,
            warehouse_id=stocked.warehouse_id,
        )


def _foreign_queries(target: Person, world: World) -> list[tuple[str, str, dict[str, Any]]]:
    order = target.order
    shipment = order["shipments"][0]["id"] if order.get("shipments") else order["id"]
    rma = order["returns"][0]["id"] if order.get("returns") else order["id"]
    return [
        ("orders", f"{{ orders(first: 50) {{ nodes {{ {DEEP_ORDER} }} }} }}", {}),
        ("order", f"query($id: ID!) {{ order(id: $id) {{ {DEEP_ORDER} }} }}", {"id": order["id"]}),
        (
            "orders by customer",
            "query($c: ID!) { orders(filter: {customerId: $c}) "
            f"{{ totalCount nodes {{ {DEEP_ORDER} }} }} }}",
            {"c": target.customer_id or order["id"]},
        ),
        (
            "orders by search",
            "query($s: String!) { orders(filter: {search: $s}) { totalCount nodes { email } } }",
            {"s": target.email},
        ),
        (
            "node order",
            "query($id: ID!) { node(id: $id) { ... on Order { email } } }",
            {"id": order["id"]},
        ),
        (
            "node customer",
            "query($id: ID!) { node(id: $id) { ... on Customer { email name phone } } }",
            {"id": target.customer_id or order["id"]},
        ),
        ("node shipment", "query($id: ID!) { node(id: $id) { id } }", {"id": shipment}),
        (
            "node return",
            "query($id: ID!) { node(id: $id) { ... on Return { note } } }",
            {"id": rma},
        ),
        (
            "customer",
            "query($id: ID!) { customer(id: $id) { email name phone addresses { line1 } } }",
            {"id": target.customer_id or order["id"]},
        ),
        (
            "customers",
            "query($s: String) { customers(search: $s) { nodes { email name } } }",
            {"s": target.email},
        ),
        (
            "returns",
            "query($o: ID) { returns(orderId: $o) { nodes { note lines { note } } } }",
            {"o": order["id"]},
        ),
        (
            "pickList",
            "query($w: ID!) { pickList(warehouseId: $w, statuses: [PACKED, PICKING, PENDING])"
            " { orderNumbers } }",
            {"w": world.warehouse_id},
        ),
        ("analytics", "{ analytics { demandByRegion { key } leadTime { orders } } }", {}),
        ("webhooks", "{ webhooks { nodes { url } } }", {}),
        ("warehouses", "{ warehouses { nodes { code } } }", {}),
        ("inventoryLevels", "{ inventoryLevels { nodes { sku onHand } } }", {}),
        ("products", "{ products(first: 5) { nodes { sku inventoryLevels { onHand } } } }", {}),
        ("me", "{ me { email name phone addresses { line1 } } }", {}),
    ]


async def test_no_query_or_nested_field_shows_one_party_another_partys_data(
    world: World,
) -> None:
    checks = Checks()
    parties = [
        ("alice", world.alice.token, [world.bruno, world.guest]),
        ("bruno", world.bruno.token, [world.alice, world.guest]),
        ("shop", world.guest.token, [world.alice, world.bruno]),  # may see only its guest order
        ("other shop", world.other_shop, [world.alice, world.bruno, world.guest]),
        ("stock keeper (inventory:write, reads orders as staff)", world.stock_keeper, []),
        ("anonymous", None, [world.alice, world.bruno, world.guest]),
    ]
    for name, token, strangers in parties:
        client = world.client(token)
        for target in (world.alice, world.bruno, world.guest):
            for label, query, variables in _foreign_queries(target, world):
                result = await client.execute(query, variables)
                checks.that(result.status in (200, 401), f"{name} {label}: status {result.status}")
                checks.no_secrets(result, strangers, f"{name} {label} on {target.name}")
                body_text = json.dumps(result.body)
                checks.that("Unexpected error" not in body_text, f"{name} {label}: crashed")
    # and what each customer does see of its own order is complete
    for who, other in ((world.alice, world.bruno), (world.bruno, world.alice)):
        own = await world.client(who.token).execute(
            f"query($id: ID!) {{ order(id: $id) {{ {DEEP_ORDER} }} }}", {"id": who.order["id"]}
        )
        order = own.body["data"]["order"]
        checks.that(
            order is not None and order["email"] == who.email,
            f"{who.name} reads its own order: {own.body.get('errors')}",
        )
        checks.that(order["customer"]["email"] == who.email, f"{who.name} own customer")
        checks.that(order["shippingAddress"]["line1"] == who.street, f"{who.name} own address")
        checks.that(order["returns"][0]["note"] == who.street, f"{who.name} own return")
        checks.no_secrets(own, [other, world.guest], f"{who.name} own order")
        mine = await world.client(who.token).data("{ orders(first: 50) { nodes { id } } }")
        checks.that(
            [n["id"] for n in mine["orders"]["nodes"]] == [who.order["id"]],
            f"{who.name} sees exactly its orders",
        )
        me = await world.client(who.token).data("{ me { email } }")
        checks.that(me["me"] == {"email": who.email}, f"{who.name} me")
    TOTALS["queries"] = checks.count
    print(f"\nisolation queries: {checks.count} checks, {len(checks.failures)} leaks")
    assert checks.failures == [], checks.failures[:5]


def _mutation(field: str, input_type: str, selection: str) -> str:
    return (
        f"mutation($i: {input_type}!) {{ {field}(input: $i) "
        f"{{ {selection} userErrors {{ code }} }} }}"
    )


def _mutations(target: Person) -> list[tuple[str, str, dict[str, Any]]]:
    order = target.order
    line = order["lines"][0]["id"]
    # a guest order still unpaid has no fulfillment: aim at the order's id instead
    fulfillment = order["fulfillments"][0]["id"] if order["fulfillments"] else order["id"]
    warehouse = (
        order["fulfillments"][0]["warehouse"]["id"] if order["fulfillments"] else order["id"]
    )
    shipment = order["shipments"][0]["id"] if order["shipments"] else order["id"]
    rma = order["returns"][0]["id"] if order["returns"] else order["id"]
    rma_line = order["returns"][0]["lines"][0]["id"] if order["returns"] else line
    who = target.customer_id or order["id"]
    o = {"orderId": order["id"]}
    sku = order["lines"][0]["sku"]
    email = "order { email }"
    table: list[tuple[str, str, str, dict[str, Any]]] = [
        ("cancelOrder", "CancelOrderInput", email, {**o, "reason": "x"}),
        ("holdOrder", "HoldOrderInput", email, {**o, "type": "OTHER"}),
        ("releaseOrderHold", "ReleaseOrderHoldInput", email, {**o, "type": "OTHER"}),
        ("authorizePayment", "PaymentInput", email, {**o, "token": "tok_ok"}),
        ("capturePayment", "PaymentInput", email, {**o, "token": "tok_ok"}),
        (
            "requestReturn",
            "RequestReturnInput",
            "return { note }",
            {**o, "lines": [{"orderLineId": line, "quantity": 1, "reason": "DAMAGED"}]},
        ),
        ("refundOrder", "RefundOrderInput", email, {**o, "shipping": True}),
        (
            "refundOrder",
            "RefundOrderInput",
            "breakdown { total { amount } }",
            {**o, "shipping": True, "dryRun": True},
        ),
        ("startPicking", "FulfillmentInput", email, {"fulfillmentId": fulfillment}),
        ("markPacked", "FulfillmentInput", email, {"fulfillmentId": fulfillment}),
        (
            "shipFulfillment",
            "ShipFulfillmentInput",
            email,
            {"fulfillmentId": fulfillment, "carrier": "DHL", "trackingNumber": "X1"},
        ),
        (
            "recordShipmentEvent",
            "ShipmentEventInput",
            email,
            {"shipmentId": shipment, "status": "EXCEPTION", "occurredAt": "2026-01-01T00:00:00Z"},
        ),
        ("approveReturn", "ReturnInput", email, {"returnId": rma}),
        ("rejectReturn", "ReturnInput", email, {"returnId": rma, "reason": "no"}),
        (
            "receiveReturn",
            "ReceiveReturnInput",
            email,
            {
                "returnId": rma,
                "lines": [{"returnLineId": rma_line, "quantity": 1, "disposition": "DISCARD"}],
            },
        ),
        (
            "placeOrder",
            "PlaceOrderInput",
            "order { customer { email } }",
            {
                "channel": "WEB",
                "lines": [{"sku": sku, "quantity": 1}],
                "shippingAddress": address(),
                "customerId": who,
            },
        ),
        ("exportCustomerData", "ExportCustomerDataInput", "export { data }", {"customerId": who}),
        ("eraseCustomer", "EraseCustomerInput", "customer { email }", {"customerId": who}),
        (
            "createWebhook",
            "CreateWebhookInput",
            "webhook { id }",
            {"url": "http://127.0.0.1:9/x", "events": ["*"]},
        ),
        (
            "createCustomer",
            "CreateCustomerInput",
            "customer { id }",
            {"email": target.email, "name": "Dup"},
        ),
        (
            "adjustInventory",
            "AdjustInventoryInput",
            "inventoryLevel { onHand }",
            {"sku": sku, "warehouseId": warehouse, "delta": 5},
        ),
    ]
    return [(f, _mutation(f, t, sel), values) for f, t, sel, values in table]


def _refused(result: GraphQLResponse) -> bool:
    if result.status == 401:
        return True
    if result.body.get("errors"):
        return {e.get("extensions", {}).get("code") for e in result.body["errors"]} <= REFUSED
    (payload,) = result.body["data"].values()
    codes = {e["code"] for e in payload["userErrors"]}
    return bool(codes) and codes <= REFUSED | {"DUPLICATE"}


async def _state(world: World, who: Person) -> Any:
    order = await read(world.client(world.live.admin_token), who.order["id"])
    return (
        order["status"],
        order["paymentStatus"],
        [(r["status"], r["note"]) for r in order["returns"]],
        [r["status"] for r in order["refunds"]],
        [s["status"] for s in order["shipments"]],
    )


async def test_no_mutation_lets_one_party_act_on_another_partys_order(world: World) -> None:
    checks = Checks()
    before = {p.name: await _state(world, p) for p in (world.alice, world.bruno, world.guest)}
    attackers = [
        ("alice", world.alice.token, world.bruno),
        ("bruno", world.bruno.token, world.alice),
        ("alice on the guest order", world.alice.token, world.guest),
        ("other shop", world.other_shop, world.guest),
        ("other shop on alice", world.other_shop, world.alice),
        ("read-only staff", world.reader, world.bruno),
        ("anonymous", None, world.alice),
    ]
    for name, token, target in attackers:
        client = world.client(token)
        for label, query, values in _mutations(target):
            result = await client.execute(query, {"i": values})
            checks.that(_refused(result), f"{name} {label}: not refused: {result.body}")
            checks.no_secrets(result, [target], f"{name} {label}")
    # staff that may write stock may do just that
    keeper = await world.client(world.stock_keeper).execute(
        *_mutations(world.alice)[-1][1:2], {"i": _mutations(world.alice)[-1][2]}
    )
    checks.that(keeper.body["data"]["adjustInventory"]["userErrors"] == [], "stock keeper adjusts")
    for label, query, values in _mutations(world.alice)[:4]:
        result = await world.client(world.stock_keeper).execute(query, {"i": values})
        checks.that(_refused(result), f"stock keeper {label}: not refused")
    after = {p.name: await _state(world, p) for p in (world.alice, world.bruno, world.guest)}
    for person, state in before.items():
        checks.that(after[person] == state, f"{person}'s order changed: {state} -> {after[person]}")
    TOTALS["mutations"] = checks.count
    print(f"\nisolation mutations: {checks.count} checks, {len(checks.failures)} failures")
    assert checks.failures == [], checks.failures[:5]


ORDER_UPDATED = """subscription($id: ID) { orderUpdated(orderId: $id) {
  type order { id email contactName shippingAddress { line1 } } } }"""
SHIPMENT_UPDATED = "subscription($id: ID!) { shipmentUpdated(orderId: $id) { id orderNumber } }"
ORDER_EVENTS = "subscription { orderEvents { id order { email } } }"
INVENTORY = "subscription { inventoryChanged { sku available onHand } }"
HOLD = """mutation($i: HoldOrderInput!) { holdOrder(input: $i) { userErrors { code } } }"""


async def _refusal(sock: Any, op_id: str) -> set[str]:
    """The codes that ended ``op_id`` (an ``error``, or a result with errors and then its
    ``complete``); never data."""
    codes: set[str] = set()
    while True:
        message = await sock.receive()
        assert message.get("id") == op_id, message
        if message["type"] == "error":
            return codes | {e.get("extensions", {}).get("code") for e in message["payload"]}
        if message["type"] == "complete":
            return codes
        assert message["type"] == "next", message
        assert message["payload"].get("data") is None, message
        codes |= {e.get("extensions", {}).get("code") for e in message["payload"]["errors"]}


async def test_no_subscription_streams_one_partys_events_to_another(world: World) -> None:
    checks = Checks()
    admin = world.client(world.live.admin_token)
    async with socket(world.live, world.alice.token) as alice:
        await alice.subscribe("b", ORDER_UPDATED, {"id": world.bruno.order["id"]})
        checks.that(await _refusal(alice, "b") <= REFUSED, "orderUpdated(bruno)")
        await alice.subscribe("ship", SHIPMENT_UPDATED, {"id": world.bruno.order["id"]})
        checks.that(await _refusal(alice, "ship") <= REFUSED, "shipmentUpdated(bruno)")
        await alice.subscribe("events", ORDER_EVENTS)
        checks.that(await _refusal(alice, "events") <= REFUSED, "orderEvents as a customer")
        await alice.subscribe("mine", ORDER_UPDATED, {})
        await alice.synced()
        # the strangers' events first: a hold on the guest order, a new order for bruno
        held = await admin.mutate(
            HOLD, {"i": {"orderId": world.guest.order["id"], "type": "OTHER"}}
        )
        checks.that(held["userErrors"] == [], "hold the guest order")
        for who in (world.bruno, world.alice):
            await place_ok(
                admin, order_input([(world.sku, 1)], email=who.email, customerId=who.customer_id)
            )
        data = await alice.next_data("mine")
        checks.that(data["orderUpdated"]["order"]["email"] == world.alice.email, "own event first")
        checks.no_secrets(data, [world.bruno, world.guest], "alice's feed")
        await asyncio.sleep(0.5)  # the relay had time to pass on anything else
        await alice.synced()
        checks.that(not alice.pending, f"alice got more: {list(alice.pending)}")
    for token, label in ((world.guest.token, "shop"), (world.other_shop, "other shop")):
        async with socket(world.live, token) as shop:
            await shop.subscribe("all", ORDER_UPDATED, {})
            errors = await shop.errors("all")
            checks.that(
                {e["extensions"]["code"] for e in errors} <= REFUSED, f"{label} orderUpdated"
            )
            await shop.subscribe("stock", INVENTORY)
            await shop.synced()
            await admin.mutate(
                """mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) {
                  userErrors { code } } }""",
                {"i": {"sku": world.sku, "warehouseId": world.warehouse_id, "delta": 1}},
            )
            message = await shop.receive()
            while message.get("id") != "stock":  # a late "complete" of the refused one
                message = await shop.receive()
            payload = message.get("payload", {})
            checks.that(
                any(e.get("path", [])[-1:] == ["onHand"] for e in payload.get("errors", [])),
                f"{label} inventoryChanged onHand refused: {message}",
            )
    TOTALS["subscriptions"] = checks.count
    print(f"\nisolation subscriptions: {checks.count} checks, {len(checks.failures)} failures")
    assert checks.failures == [], checks.failures[:5]


async def test_a_bad_guess_at_ids_learns_nothing(world: World) -> None:
    checks = Checks()
    alice = world.client(world.alice.token)
    for raw in ("T3JkZXI6MQ", "T3JkZXI6OTk5OTk5", "Q3VzdG9tZXI6MQ", "bogus", ""):
        for query in (
            "query($id: ID!) { order(id: $id) { email } }",
            "query($id: ID!) { node(id: $id) { id } }",
        ):
            result = await alice.execute(query, {"id": raw})
            checks.no_secrets(result, [world.bruno, world.guest], f"guess {raw}")
            checks.that("Unexpected error" not in json.dumps(result.body), f"guess {raw} crashed")
    await asyncio.sleep(0)
    TOTALS["guesses"] = checks.count
    print(f"\nisolation guesses: {checks.count} checks; totals so far {TOTALS}")
    assert checks.failures == [], checks.failures[:5]
