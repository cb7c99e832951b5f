"""Automation rules, their actions, their runs and backtests, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from ordergraph.domain.automation import ActionSpec, ActionStatus, AutomationRule, RunStatus
from ordergraph.schema.ids import encode_id

strawberry.enum(ActionStatus, name="AutomationActionStatus")
strawberry.enum(RunStatus, name="AutomationRunStatus")

__all__ = [
    "AutomationActionOutcomeType",
    "AutomationActionType",
    "AutomationBacktestType",
    "AutomationRuleType",
    "AutomationRunType",
]


@strawberry.type(name="AutomationAction", description="One thing a rule does.")
class AutomationActionType:
    kind: str = strawberry.field(
        description="hold, releaseHold, addTags, notify, approveReturn, setWarehouse, confirm "
        "or chooseCarrierService."
    )
    hold_type: str | None = None
    reason: str | None = None
    tags: list[str] | None = None
    notification_type: str | None = None
    warehouse_id: strawberry.ID | None = None
    carrier_service_id: strawberry.ID | None = None

    @classmethod
    def from_domain(cls, action: ActionSpec) -> AutomationActionType:
        p = action.params
        hold_type = p.get("type") if action.kind.value in ("hold", "releaseHold") else None
        warehouse = p.get("warehouseId")
        service = p.get("carrierServiceId")
        return cls(
            kind=action.kind.value,
            hold_type=hold_type,
            reason=p.get("reason"),
            tags=p.get("tags"),
            notification_type=p.get("type") if action.kind.value == "notify" else None,
            warehouse_id=strawberry.ID(encode_id("Warehouse", int(warehouse)))
            if warehouse is not None
            else None,
            carrier_service_id=strawberry.ID(encode_id("CarrierService", int(service)))
            if service is not None
            else None,
        )


@strawberry.type(name="AutomationRule")
class AutomationRuleType:
    id: strawberry.ID
    pk: strawberry.Private[int]
    name: str
    trigger: str = strawberry.field(description="The order event type it runs on.")
    condition: str = strawberry.field(description="A CEL expression over order, customer, event.")
    actions: list[AutomationActionType]
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str

    @classmethod
    def from_domain(cls, rule: AutomationRule) -> AutomationRuleType:
        assert rule.id is not None
        return cls(
            id=strawberry.ID(encode_id("AutomationRule", rule.id)),
            pk=rule.id,
            name=rule.name,
            trigger=rule.trigger,
            condition=rule.condition,
            actions=[AutomationActionType.from_domain(a) for a in rule.actions],
            enabled=rule.enabled,
            version=rule.version,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
            created_by=rule.created_by,
        )


@strawberry.type(name="AutomationActionOutcome")
class AutomationActionOutcomeType:
    kind: str
    status: ActionStatus
    message: str | None


@strawberry.type(name="AutomationRun", description="One rule run on one order event.")
class AutomationRunType:
    id: strawberry.ID
    rule_id: strawberry.ID
    event_id: strawberry.ID = strawberry.field(description="The outbox event (OrderEvent.id).")
    event_type: str
    status: RunStatus
    matched: bool | None
    error: str | None
    actions: list[AutomationActionOutcomeType]
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, m: Any) -> AutomationRunType:
        return cls(
            id=strawberry.ID(encode_id("AutomationRun", m["id"])),
            rule_id=strawberry.ID(encode_id("AutomationRule", m["rule_id"])),
            event_id=strawberry.ID(str(m["outbox_id"])),
            event_type=m["event_type"],
            status=RunStatus(m["status"]),
            matched=m["matched"],
            error=m["error"],
            actions=[
                AutomationActionOutcomeType(
                    kind=a["kind"], status=ActionStatus(a["status"]), message=a.get("message")
                )
                for a in (m["outcomes"] or [])
            ],
            created_at=m["created_at"],
            finished_at=m["finished_at"],
        )


@strawberry.type(
    name="AutomationBacktest",
    description="What a rule would have done on one past event (judged on the order now).",
)
class AutomationBacktestType:
    event_id: strawberry.ID
    event_type: str
    occurred_at: datetime
    order_id: strawberry.ID
    order_number: str | None
    matched: bool
    error: str | None
    actions: list[AutomationActionType]
