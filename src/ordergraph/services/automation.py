"""Automation rules: create, change, backtest, and run one rule on one event.

A run reads the facts (``read_facts``), evaluates the condition, runs each action through the
use case a person would call (``services/automation_actions.py``), then records the outcome
and the ``automation.rule_ran`` timeline event in one transaction. The consumer that claims
runs is ``events/automation.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ordergraph.domain.automation import (
    BACKTEST_LIMIT,
    RULE_RAN,
    ActionOutcome,
    ActionSpec,
    AutomationRule,
    ConditionEngine,
    ConditionError,
    PastEvent,
    RunOutcome,
    check_actions,
    check_name,
    check_trigger,
    condition_facts,
)
from ordergraph.domain.errors import InvalidInput, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.services.automation_actions import run_action
from ordergraph.services.conditions import CelEngine
from ordergraph.services.deps import Deps

CEL = CelEngine()


async def create_rule(
    deps: Deps,
    actor: Principal,
    *,
    name: str,
    trigger: str,
    condition: str,
    actions: list[ActionSpec],
    enabled: bool = True,
    engine: ConditionEngine = CEL,
) -> AutomationRule:
    actor.require(Scope.AUTOMATION_WRITE)
    checked_name = check_name(name)
    checked_trigger = check_trigger(trigger)
    compiled = engine.compile(condition)
    checked_actions = check_actions(actions)
    now = deps.clock.now()
    rule = AutomationRule(
        id=None,
        name=checked_name,
        trigger=checked_trigger,
        condition=getattr(compiled, "source", condition.strip()),
        actions=checked_actions,
        enabled=enabled,
        created_at=now,
        updated_at=now,
        created_by=actor.actor,
    )
    async with deps.uow() as uow:
        await _check_warehouses(uow, checked_actions)
        await uow.automation.add(rule)
        await uow.commit()
    return rule


async def update_rule(
    deps: Deps,
    actor: Principal,
    *,
    rule_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    trigger: str | None = None,
    condition: str | None = None,
    actions: list[ActionSpec] | None = None,
    enabled: bool | None = None,
    engine: ConditionEngine = CEL,
) -> AutomationRule:
    actor.require(Scope.AUTOMATION_WRITE)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_name(name)
    if trigger is not None:
        changes["trigger"] = check_trigger(trigger)
    if condition is not None:
        changes["condition"] = getattr(engine.compile(condition), "source", condition.strip())
    if actions is not None:
        changes["actions"] = check_actions(actions)
    if enabled is not None:
        changes["enabled"] = enabled
    async with deps.uow() as uow:
        rule = await uow.automation.get(rule_id)
        if rule is None:
            raise NotFound("no such automation rule", field=["ruleId"])
        check_version(expected_version, rule.version, "automation rule")
        if not changes:
            return rule
        await _check_warehouses(uow, changes.get("actions", []))
        changed = replace(rule, **changes, version=rule.version + 1, updated_at=deps.clock.now())
        if not await uow.automation.update(changed, previous_version=rule.version):
            raise ChangedConcurrently("automation rule changed concurrently")
        await uow.commit()
    return changed


async def _check_warehouses(uow: UnitOfWork, actions: list[ActionSpec]) -> None:
    for index, action in enumerate(actions):
        warehouse_id = action.params.get("warehouseId")
        if warehouse_id is not None and await uow.warehouses.get(int(warehouse_id)) is None:
            raise NotFound("no such warehouse", field=["actions", str(index), "warehouseId"])


def rule_principal(rule: AutomationRule) -> Principal:
    """Who a rule acts as: every scope, shown on the timeline as ``rule:<id>:<name>``."""
    return Principal(
        role=Role.ADMIN, scopes=frozenset(Scope), name=f"rule-{rule.id}", label=rule.actor
    )


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    """A run the consumer claimed: the rule, the event, and the lease that makes it ours."""

    id: int
    rule_id: int
    event: PastEvent
    leased_until: datetime


async def read_facts(uow: UnitOfWork, event: PastEvent) -> dict[str, Any] | None:
    """What a condition sees for this event, with the order as it is now; None if the
    order is gone."""
    order = await uow.orders.get(event.order_id)
    if order is None:
        return None
    customer = None
    count = 0
    if order.customer_id is not None:
        customer = await uow.customers.get(order.customer_id)
        count = await uow.automation.customer_order_count(order.customer_id)
    rma = None
    return_id = event.payload.get("returnId")
    if isinstance(return_id, int):
        rma = await uow.returns.get(return_id)
    return condition_facts(
        order=order,
        customer=customer,
        customer_order_count=count,
        event_type=event.type,
        payload=event.payload,
        rma=rma,
    )


def evaluate(engine: ConditionEngine, rule: AutomationRule, facts: dict[str, Any]) -> RunOutcome:
    try:
        matched = engine.compile(rule.condition).evaluate(facts)
    except (ConditionError, InvalidInput) as exc:  # InvalidInput: stored before a stricter check
        return RunOutcome(matched=False, error=f"condition failed: {exc}")
    return RunOutcome(matched=matched)


async def execute_run(deps: Deps, run: ClaimedRun, *, engine: ConditionEngine = CEL) -> RunOutcome:
    """Evaluate and act, then record; at most once (the consumer never claims a run twice)."""
    async with deps.uow() as uow:  # read only: rolled back on exit
        rule = await uow.automation.get(run.rule_id)
        facts = await read_facts(uow, run.event)
    if rule is None or not rule.enabled:
        outcome = RunOutcome(matched=False, error=None)
    elif facts is None:
        outcome = RunOutcome(matched=False, error="the order is gone")
    else:
        outcome = evaluate(engine, rule, facts)
    if rule is not None and outcome.matched:
        actor = rule_principal(rule)
        done: list[ActionOutcome] = []
        for index, action in enumerate(rule.actions):
            done.append(
                await run_action(deps, actor, action, run.event, key=f"automation:{run.id}:{index}")
            )
        outcome = replace(outcome, actions=tuple(done))
    await _record(deps, run, rule, outcome)
    return outcome


async def _record(
    deps: Deps, run: ClaimedRun, rule: AutomationRule | None, outcome: RunOutcome
) -> None:
    async with deps.uow() as uow:
        now = deps.clock.now()
        if not await uow.automation.finish_run(run.id, outcome, now, leased_until=run.leased_until):
            return  # abandoned meanwhile: its outcome stays unknown rather than doubled
        if rule is not None and (outcome.matched or outcome.error is not None):
            uow.record(
                DomainEvent(
                    type=RULE_RAN,
                    aggregate_type="Order",
                    aggregate_id=run.event.order_id,
                    order_id=run.event.order_id,
                    actor=rule.actor,
                    payload={
                        "runId": run.id,
                        "ruleId": rule.id,
                        "ruleName": rule.name,
                        "eventId": run.event.outbox_id,
                        "eventType": run.event.type,
                        "matched": outcome.matched,
                        "error": outcome.error,
                        "actions": [a.to_json() for a in outcome.actions],
                    },
                )
            )
        await uow.commit()


@dataclass(frozen=True, slots=True)
class BacktestResult:
    event: PastEvent
    order_number: str | None
    matched: bool
    error: str | None
    actions: tuple[ActionSpec, ...]


async def backtest_rule(
    deps: Deps,
    actor: Principal,
    *,
    rule_id: int,
    since: datetime,
    limit: int = BACKTEST_LIMIT,
    engine: ConditionEngine = CEL,
) -> list[BacktestResult]:
    """What the rule would have done to each past event of its trigger since ``since`` (at
    most ``limit`` events), judged on each order as it is now. Changes nothing: one
    transaction that is never committed."""
    actor.require(Scope.AUTOMATION_WRITE)
    results = []
    async with deps.uow() as uow:
        rule = await uow.automation.get(rule_id)
        if rule is None:
            raise NotFound("no such automation rule", field=["ruleId"])
        for event in await uow.automation.past_events(
            rule.trigger, since, min(limit, BACKTEST_LIMIT)
        ):
            facts = await read_facts(uow, event)
            if facts is None:
                continue
            outcome = evaluate(engine, rule, facts)
            results.append(
                BacktestResult(
                    event=event,
                    order_number=facts["order"]["number"],
                    matched=outcome.matched,
                    error=outcome.error,
                    actions=tuple(rule.actions) if outcome.matched else (),
                )
            )
        await uow.rollback()
    return results
