"""Automation rules: CEL conditions, rule validation, running actions and backtests on fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.access import may_read_event, may_see_on_timeline
from ordergraph.domain.automation import (
    ActionKind,
    ActionSpec,
    ActionStatus,
    ConditionError,
    PastEvent,
    check_actions,
    check_trigger,
)
from ordergraph.domain.errors import Forbidden, InvalidInput, VersionConflict
from ordergraph.domain.orders import Channel, HoldType, RequestedLine
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.automation import (
    ClaimedRun,
    backtest_rule,
    create_rule,
    execute_run,
    update_rule,
)
from ordergraph.services.conditions import compile_condition
from ordergraph.services.orders import place_order
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address

HOLD = ActionSpec(ActionKind.HOLD, {"type": "FRAUD_REVIEW", "reason": "big first order"})


def test_a_condition_reads_the_order_and_the_customer() -> None:
    condition = compile_condition(
        "order.total.amount > 1000.0 && (customer == null || customer.orderCount <= 1)"
    )
    assert condition.evaluate({"order": {"total": {"amount": 1500.0}}, "customer": None})
    assert not condition.evaluate(
        {"order": {"total": {"amount": 1500.0}}, "customer": {"orderCount": 3}}
    )


def test_macros_bind_their_own_variables() -> None:
    condition = compile_condition('order.lines.exists(l, l.sku == "TEE" && l.quantity > 2)')
    assert condition.evaluate({"order": {"lines": [{"sku": "TEE", "quantity": 3}]}})


def test_a_syntax_error_is_an_invalid_condition_with_the_parsers_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        compile_condition("order.total.amount >")
    assert caught.value.code == "INVALID_CONDITION"
    assert "syntax error" in caught.value.message


def test_an_unknown_variable_is_an_invalid_condition() -> None:
    with pytest.raises(InvalidInput) as caught:
        compile_condition("shopper.total > 1")
    assert caught.value.code == "INVALID_CONDITION"
    assert "'shopper'" in caught.value.message


def test_a_condition_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        compile_condition("true && " * 300 + "true")
    assert caught.value.code == "TOO_LONG"


def test_an_evaluation_error_is_a_condition_error_not_a_crash() -> None:
    with pytest.raises(ConditionError):
        compile_condition("customer.orderCount == 0").evaluate({"customer": None})
    with pytest.raises(ConditionError, match="not a bool"):
        compile_condition("order.total.amount + 1.0").evaluate(
            {"order": {"total": {"amount": 1.0}}}
        )


def test_triggers_are_known_order_events_and_never_automation_ones() -> None:
    assert check_trigger("order.placed") == "order.placed"
    for bad in ("order.teleported", "*", "automation.rule_ran", "product.created"):
        with pytest.raises(InvalidInput):
            check_trigger(bad)


def test_actions_are_validated() -> None:
    with pytest.raises(InvalidInput):
        check_actions([])
    with pytest.raises(InvalidInput):
        check_actions([ActionSpec(ActionKind.ADD_TAGS, {"tags": []})])
    tagged = check_actions([ActionSpec(ActionKind.ADD_TAGS, {"tags": ["VIP", "vip", "b2b"]})])
    assert tagged[0].params["tags"] == ["vip", "b2b"]


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "600.00")
    await shop.receive("TEE", "AMS", 10)
    return shop


async def place(shop: Shop, quantity: int) -> int:
    order = await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.APP,
        lines=[RequestedLine("TEE", quantity)],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    return order.id


async def test_only_automation_writers_create_rules(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        await create_rule(
            shop.deps,
            STOREFRONT,
            name="x",
            trigger="order.placed",
            condition="true",
            actions=[HOLD],
        )


async def test_update_checks_the_expected_version(shop: Shop) -> None:
    rule = await create_rule(
        shop.deps, ADMIN, name="big", trigger="order.placed", condition="true", actions=[HOLD]
    )
    assert rule.id is not None
    changed = await update_rule(
        shop.deps, ADMIN, rule_id=rule.id, expected_version=1, enabled=False
    )
    assert changed.version == 2
    assert not changed.enabled
    with pytest.raises(VersionConflict) as caught:
        await update_rule(shop.deps, ADMIN, rule_id=rule.id, expected_version=1, name="late")
    assert caught.value.current_version == 2
    with pytest.raises(InvalidInput) as bad:
        await update_rule(shop.deps, ADMIN, rule_id=rule.id, condition="nope ==")
    assert bad.value.code == "INVALID_CONDITION"


async def test_a_matching_run_holds_the_order_and_records_every_action(shop: Shop) -> None:
    rule = await create_rule(
        shop.deps,
        ADMIN,
        name="fraud",
        trigger="order.placed",
        condition="order.total.amount > 1000.0",
        actions=[
            HOLD,
            ActionSpec(ActionKind.SET_WAREHOUSE, {"warehouseId": shop.warehouses["AMS"]}),
        ],
    )
    assert rule.id is not None
    order_id = await place(shop, 2)
    event = PastEvent(1, order_id, "order.placed", {}, shop.clock.now())
    outcome = await execute_run(
        shop.deps, ClaimedRun(1, rule.id, event, shop.clock.now() + timedelta(minutes=5))
    )
    assert outcome.matched
    assert [a.status for a in outcome.actions] == [ActionStatus.OK, ActionStatus.FAILED]
    [order] = [o for o in shop.store.orders if o.id == order_id]
    assert [h.type for h in order.active_holds] == [HoldType.FRAUD_REVIEW]
    assert order.active_holds[0].created_by == f"rule:{rule.id}:fraud"
    ran = [e for e in shop.store.state.outbox if e.type == "automation.rule_ran"]
    assert ran[0].actor == f"rule:{rule.id}:fraud"
    assert ran[0].payload["actions"][1]["status"] == "FAILED"


async def test_an_evaluation_error_is_a_failed_run(shop: Shop) -> None:
    rule = await create_rule(
        shop.deps,
        ADMIN,
        name="guests",
        trigger="order.placed",
        condition="customer.orderCount == 0",
        actions=[HOLD],
    )
    assert rule.id is not None
    order_id = await place(shop, 1)  # a guest: customer is null
    event = PastEvent(1, order_id, "order.placed", {}, shop.clock.now())
    outcome = await execute_run(shop.deps, ClaimedRun(1, rule.id, event, shop.clock.now()))
    assert not outcome.matched
    assert outcome.error is not None
    assert outcome.failed
    assert not [o for o in shop.store.orders if o.active_holds]


async def test_a_backtest_lists_what_the_rule_would_do_and_changes_nothing(shop: Shop) -> None:
    rule = await create_rule(
        shop.deps,
        ADMIN,
        name="big",
        trigger="order.placed",
        condition="order.total.amount > 1000.0",
        actions=[HOLD],
    )
    assert rule.id is not None
    small, big = await place(shop, 1), await place(shop, 2)
    now = shop.clock.now()
    shop.store.state.past_events.extend(
        [PastEvent(1, small, "order.placed", {}, now), PastEvent(2, big, "order.placed", {}, now)]
    )
    commits = shop.store.commits
    results = await backtest_rule(shop.deps, ADMIN, rule_id=rule.id, since=now - timedelta(days=1))
    assert [(r.event.order_id, r.matched) for r in results] == [(small, False), (big, True)]
    assert results[1].actions == (HOLD,)
    assert shop.store.commits == commits
    assert not [o for o in shop.store.orders if o.active_holds]


def test_rule_runs_are_on_the_timeline_for_staff_only() -> None:
    customer = Principal(role=Role.CUSTOMER, scopes=scopes_for(Role.CUSTOMER, None), customer_id=1)
    staff = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None))
    assert may_see_on_timeline(staff, "automation.rule_ran")
    assert not may_see_on_timeline(customer, "automation.rule_ran")
    assert may_see_on_timeline(customer, "order.hold_placed")
    assert not may_read_event(customer, "automation.rule_ran", order_customer_id=1)
