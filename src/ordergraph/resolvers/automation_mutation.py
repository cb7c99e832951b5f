"""Automation rules over GraphQL: create, update, backtest (services/automation.py)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.automation import ActionSpec, AutomationRule
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.automation_io import (
    AutomationActionInput,
    AutomationRulePayload,
    CreateAutomationRuleInput,
    TestAutomationRuleInput,
    TestAutomationRulePayload,
    UpdateAutomationRuleInput,
    action_spec,
)
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.automation_rule import (
    AutomationActionType,
    AutomationBacktestType,
    AutomationRuleType,
)
from ordergraph.services import automation
from ordergraph.services.automation import BacktestResult


def _specs(actions: list[AutomationActionInput]) -> list[ActionSpec]:
    specs = []
    for index, action in enumerate(actions):
        warehouse = None
        if action.set_warehouse:
            warehouse = input_id(
                action.set_warehouse.warehouse_id,
                "Warehouse",
                ["actions", str(index), "setWarehouse", "warehouseId"],
            )
        service = None
        if action.choose_carrier_service:
            service = input_id(
                action.choose_carrier_service.carrier_service_id,
                "CarrierService",
                ["actions", str(index), "chooseCarrierService", "carrierServiceId"],
            )
        specs.append(action_spec(action, warehouse, service))
    return specs


def _rule_payload(done: AutomationRule | None, errors: list[UserError]) -> AutomationRulePayload:
    return AutomationRulePayload(
        rule=AutomationRuleType.from_domain(done) if done else None, user_errors=errors
    )


def _backtest(result: BacktestResult) -> AutomationBacktestType:
    event = result.event
    return AutomationBacktestType(
        event_id=strawberry.ID(str(event.outbox_id)),
        event_type=event.type,
        occurred_at=event.occurred_at,
        order_id=strawberry.ID(encode_id("Order", event.order_id)),
        order_number=result.order_number,
        matched=result.matched,
        error=result.error,
        actions=[AutomationActionType.from_domain(a) for a in result.actions],
    )


@strawberry.type
class AutomationMutation:
    @strawberry.mutation(description="Add a rule run on every order event of its trigger.")
    async def create_automation_rule(
        self, info: Info, input: CreateAutomationRuleInput
    ) -> AutomationRulePayload:
        actor = authenticated(info)

        async def run() -> AutomationRule:
            return await automation.create_rule(
                info.context.deps,
                actor,
                name=input.name,
                trigger=input.trigger,
                condition=input.condition,
                actions=_specs(input.actions),
                enabled=input.enabled,
            )

        done, errors = await attempt(run)
        return _rule_payload(done, errors)

    @strawberry.mutation(description="Change a rule; expectedVersion guards against overwrites.")
    async def update_automation_rule(
        self, info: Info, input: UpdateAutomationRuleInput
    ) -> AutomationRulePayload:
        actor = authenticated(info)

        async def run() -> AutomationRule:
            return await automation.update_rule(
                info.context.deps,
                actor,
                rule_id=input_id(input.rule_id, "AutomationRule", ["ruleId"]),
                expected_version=input.expected_version,
                name=input.name,
                trigger=input.trigger,
                condition=input.condition,
                actions=_specs(input.actions) if input.actions is not None else None,
                enabled=input.enabled,
            )

        done, errors = await attempt(run)
        return _rule_payload(done, errors)

    @strawberry.mutation(
        description="Backtest: what the rule would have done to each order event of its "
        "trigger since a time (at most 1,000 events). Changes nothing."
    )
    async def test_automation_rule(
        self, info: Info, input: TestAutomationRuleInput
    ) -> TestAutomationRulePayload:
        actor = authenticated(info)

        async def run() -> list[BacktestResult]:
            return await automation.backtest_rule(
                info.context.deps,
                actor,
                rule_id=input_id(input.rule_id, "AutomationRule", ["ruleId"]),
                since=input.since,
            )

        done, errors = await attempt(run)
        return TestAutomationRulePayload(
            results=[_backtest(r) for r in done or []], user_errors=errors
        )
