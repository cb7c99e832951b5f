"""Automation rules over real HTTP against the live app (its consumer runs in the lifespan)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.api.test_fulfillment_api import confirm
from tests.api.test_place_order_api import (
    create_warehouse,
    level,
    order_input,
    place_ok,
    receive,
    short,
    stock,
)
from tests.api.test_returns_api import return_line, returned, sold
from tests.support.graphql import GraphQLClient

RULE = "id name trigger condition enabled version actions { kind holdType reason tags }"
CREATE = f"""
mutation($input: CreateAutomationRuleInput!) {{
  createAutomationRule(input: $input) {{
    rule {{ {RULE} }} userErrors {{ field message code currentVersion }}
  }}
}}"""
UPDATE = f"""
mutation($input: UpdateAutomationRuleInput!) {{
  updateAutomationRule(input: $input) {{
    rule {{ {RULE} }} userErrors {{ field message code currentVersion }}
  }}
}}"""
TEST = """
mutation($input: TestAutomationRuleInput!) {
  testAutomationRule(input: $input) {
    results { orderId orderNumber eventType matched error actions { kind holdType } }
    userErrors { field message code }
  }
}"""
LIST = f"""
query($enabled: Boolean) {{
  automationRules(first: 100, enabled: $enabled) {{ nodes {{ {RULE} }} }}
}}"""
ORDER = """
query($id: ID!) {
  order(id: $id) {
    id tags
    holds(active: true) { type reason createdBy }
    events { type actor payload }
    automationRuns { ruleId status matched error actions { kind status message } }
  }
}"""
RETURNS = """query($id: ID!) { order(id: $id) { returns { status } } }"""
FULFILLMENTS = """
query($id: ID!) { order(id: $id) { fulfillments { status warehouse { id } } } }"""
HOLD = {"hold": {"type": "FRAUD_REVIEW", "reason": "first order over 1,000"}}


def rule_input(sku: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"fraud check {sku}",
        "trigger": "order.placed",
        "condition": f'order.total.amount > 1000.0 && order.lines.exists(l, l.sku == "{sku}")',
        "actions": [HOLD],
        **changes,
    }


async def create(admin: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await admin.mutate(CREATE, {"input": values})
    assert payload["userErrors"] == [], payload
    rule: dict[str, Any] = payload["rule"]
    return rule


async def read(admin: GraphQLClient, order_id: str, rule_id: str | None = None) -> dict[str, Any]:
    """The order; with ``rule_id``, its ``automationRuns`` narrowed to that rule's (other
    tests' enabled rules run on every order in the background)."""
    order: dict[str, Any] = (await admin.data(ORDER, {"id": order_id}))["order"]
    if rule_id is not None:
        order["automationRuns"] = [r for r in order["automationRuns"] if r["ruleId"] == rule_id]
    return order


async def wait_for_runs(admin: GraphQLClient, order_id: str, rule_id: str) -> dict[str, Any]:
    """The order once the rule has run on it; its ``automationRuns`` narrowed to that rule's."""
    deadline = time.monotonic() + 10
    while True:
        order = await read(admin, order_id, rule_id)
        done = [r for r in order["automationRuns"] if r["status"] == "DONE"]
        if done or time.monotonic() > deadline:
            return order
        await asyncio.sleep(0.05)


async def test_rules_are_created_listed_and_updated_with_a_version_check(
    admin: GraphQLClient, unique: str
) -> None:
    rule = await create(admin, rule_input(unique))
    assert rule["version"] == 1
    assert rule["enabled"]
    assert rule["actions"] == [
        {
            "kind": "hold",
            "holdType": "FRAUD_REVIEW",
            "reason": "first order over 1,000",
            "tags": None,
        }
    ]
    listed = (await admin.data(LIST, {"enabled": True}))["automationRules"]["nodes"]
    assert rule["id"] in [r["id"] for r in listed]
    changed = await admin.mutate(
        UPDATE, {"input": {"ruleId": rule["id"], "expectedVersion": 1, "enabled": False}}
    )
    assert changed["userErrors"] == []
    assert changed["rule"]["version"] == 2
    stale = await admin.mutate(
        UPDATE, {"input": {"ruleId": rule["id"], "expectedVersion": 1, "name": "late"}}
    )
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    assert stale["userErrors"][0]["currentVersion"] == 2
    disabled = (await admin.data(LIST, {"enabled": False}))["automationRules"]["nodes"]
    assert rule["id"] in [r["id"] for r in disabled]


async def test_bad_rules_are_user_errors(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    for condition in ("order.total.amount >", "shopper.total > 1"):
        payload = await admin.mutate(CREATE, {"input": rule_input(unique, condition=condition)})
        assert payload["rule"] is None
        assert payload["userErrors"][0]["code"] == "INVALID_CONDITION", payload
    payload = await admin.mutate(CREATE, {"input": rule_input(unique, trigger="order.nope")})
    assert payload["userErrors"][0]["field"] == ["input", "trigger"]
    two = {"hold": HOLD["hold"], "addTags": {"tags": ["x"]}}
    response = await admin.execute(CREATE, {"input": rule_input(unique, actions=[two])})
    assert response.errors  # @oneOf: exactly one action per entry
    refused = await staff.mutate(CREATE, {"input": rule_input(unique)})
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_rule_holds_a_risky_order_within_a_second_of_placement(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, price="600.00")
    rule = await create(
        admin,
        rule_input(
            item.sku,
            actions=[
                HOLD,
                {"addTags": {"tags": ["fraud-check"]}},
                {"setWarehouse": {"warehouseId": item.warehouse_id}},
            ],
        ),
    )
    small = await place_ok(storefront, order_input([(item.sku, 1)]))
    started = time.monotonic()
    big = await place_ok(storefront, order_input([(item.sku, 2)]))
    while True:
        order = await read(admin, big["id"])
        if order["holds"] or time.monotonic() - started > 10:
            break
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - started
    [held] = order["holds"]
    assert (held["type"], held["reason"]) == ("FRAUD_REVIEW", "first order over 1,000")
    assert held["createdBy"].startswith("rule:")
    assert held["createdBy"].endswith(f":{rule['name']}")
    assert elapsed < 3.0, elapsed
    order = await wait_for_runs(admin, big["id"], rule["id"])
    [run] = order["automationRuns"]
    assert run["matched"] is True
    assert [a["status"] for a in run["actions"]] == ["OK", "OK", "FAILED"]
    assert run["actions"][2]["message"]
    assert order["tags"] == ["fraud-check"]
    [ran] = [e for e in order["events"] if e["type"] == "automation.rule_ran"]
    assert ran["actor"].startswith("rule:")
    assert ran["payload"]["actions"][2]["status"] == "FAILED"
    # the rule's own events (the hold, the timeline entry) start no runs: no loops
    await asyncio.sleep(0.5)
    assert len((await wait_for_runs(admin, big["id"], rule["id"]))["automationRuns"]) == 1
    quiet = await wait_for_runs(admin, small["id"], rule["id"])
    assert [r["matched"] for r in quiet["automationRuns"]] == [False]
    assert quiet["holds"] == []
    assert quiet["tags"] == []


async def test_a_backtest_lists_what_the_rule_would_do_and_changes_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, price="600.00")
    small = await place_ok(storefront, order_input([(item.sku, 1)]))
    big = await place_ok(storefront, order_input([(item.sku, 2)]))
    rule = await create(admin, rule_input(item.sku, enabled=False))
    before = [await read(admin, o["id"], rule["id"]) for o in (small, big)]
    payload = await admin.mutate(
        TEST, {"input": {"ruleId": rule["id"], "since": "2000-01-01T00:00:00Z"}}
    )
    assert payload["userErrors"] == []
    mine = {r["orderId"]: r for r in payload["results"] if r["orderId"] in (small["id"], big["id"])}
    assert mine[small["id"]]["matched"] is False
    assert mine[small["id"]]["actions"] == []
    assert mine[big["id"]]["matched"] is True
    assert mine[big["id"]]["actions"] == [{"kind": "hold", "holdType": "FRAUD_REVIEW"}]
    after = [await read(admin, o["id"], rule["id"]) for o in (small, big)]
    assert after == before


async def test_set_warehouse_moves_a_confirmed_order_only_where_the_stock_is(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10, priority=1)
    spare = await create_warehouse(admin, f"B-{unique}-{short()}", region="EU-WEST", priority=500)
    await receive(admin, item.sku, spare, 4)
    rule = await create(
        admin,
        {
            "name": f"move {item.sku}",
            "trigger": "order.confirmed",
            "condition": f'order.lines.exists(l, l.sku == "{item.sku}")',
            "actions": [{"setWarehouse": {"warehouseId": spare}}],
        },
    )
    first = await confirm(admin, order_input([(item.sku, 3)]))
    moved = await wait_for_runs(admin, first["id"], rule["id"])
    assert [a["status"] for a in moved["automationRuns"][0]["actions"]] == ["OK"], moved
    fulfillments = (await admin.data(FULFILLMENTS, {"id": first["id"]}))["order"]["fulfillments"]
    assert [f["warehouse"]["id"] for f in fulfillments] == [spare]
    assert await level(admin, item.sku, spare) == (4, 3, 1)
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)
    second = await confirm(admin, order_input([(item.sku, 3)]))
    refused = await wait_for_runs(admin, second["id"], rule["id"])
    [action] = refused["automationRuns"][0]["actions"]
    assert action["status"] == "FAILED"
    assert "to spare" in action["message"]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 3, 7)
    assert await level(admin, item.sku, spare) == (4, 3, 1)


async def test_a_rule_approves_small_returns_and_skips_what_there_is_nothing_to_do_for(
    admin: GraphQLClient, unique: str
) -> None:
    delivered = await sold(admin, unique, lines=(("12.50", 2),))
    order, sku = delivered.order, delivered.skus[0]
    rule = await create(
        admin,
        {
            "name": f"small returns {unique}",
            "trigger": "return.requested",
            "condition": 'return.status == "REQUESTED" && return.total.amount < 50.0 '
            f'&& return.lines.all(l, l.reason == "NOT_AS_DESCRIBED" && l.sku == "{sku}")',
            "actions": [
                {"approveReturn": {}},
                {"releaseHold": {}},
                {"notify": {"type": "ORDER_CONFIRMED"}},
            ],
        },
    )
    rma = await returned(
        admin, order["id"], [return_line(order["lines"][0]["id"], 1, "NOT_AS_DESCRIBED")]
    )
    assert rma["status"] == "REQUESTED"
    after = await wait_for_runs(admin, order["id"], rule["id"])
    [run] = after["automationRuns"]
    assert [a["status"] for a in run["actions"]] == ["OK", "SKIPPED", "OK"], run
    returns = (await admin.data(RETURNS, {"id": order["id"]}))["order"]["returns"]
    assert [r["status"] for r in returns] == ["APPROVED"]
