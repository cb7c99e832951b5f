"""Automation rules and their runs (``automation_rules``, ``automation_runs``), inside the unit
of work's transaction. Claiming runs is the consumer's (events/automation.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import automation_rules, automation_runs, orders, outbox
from ordergraph.domain.automation import (
    ActionSpec,
    AutomationRule,
    PastEvent,
    RunOutcome,
    RunStatus,
)


def rule_from_row(m: Any) -> AutomationRule:
    return AutomationRule(
        id=m["id"],
        name=m["name"],
        trigger=m["trigger"],
        condition=m["condition"],
        actions=[ActionSpec.from_json(a) for a in m["actions"]],
        enabled=m["enabled"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        created_by=m["created_by"],
        version=m["version"],
    )


def _values(rule: AutomationRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "condition": rule.condition,
        "actions": [a.to_json() for a in rule.actions],
        "enabled": rule.enabled,
        "updated_at": rule.updated_at,
        "version": rule.version,
    }


class SqlAutomationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, rule: AutomationRule) -> AutomationRule:
        rule.id = await self._conn.scalar(
            sa.insert(automation_rules)
            .values(**_values(rule), created_at=rule.created_at, created_by=rule.created_by)
            .returning(automation_rules.c.id)
        )
        return rule

    async def get(self, rule_id: int) -> AutomationRule | None:
        row = (
            (
                await self._conn.execute(
                    sa.select(automation_rules).where(automation_rules.c.id == rule_id)
                )
            )
            .mappings()
            .first()
        )
        return rule_from_row(row) if row is not None else None

    async def names(self) -> set[str]:
        return set((await self._conn.scalars(sa.select(automation_rules.c.name))).all())

    async def update(self, rule: AutomationRule, *, previous_version: int) -> bool:
        t = automation_rules.c
        done = await self._conn.execute(
            sa.update(automation_rules)
            .where(t.id == rule.id, t.version == previous_version)
            .values(**_values(rule))
        )
        return done.rowcount == 1

    async def customer_order_count(self, customer_id: int) -> int:
        count = await self._conn.scalar(
            sa.select(sa.func.count())
            .select_from(orders)
            .where(orders.c.customer_id == customer_id)
        )
        return int(count or 0)

    async def past_events(self, trigger: str, since: datetime, limit: int) -> list[PastEvent]:
        rows = await self._conn.execute(
            sa.select(
                outbox.c.id,
                outbox.c.order_id,
                outbox.c.type,
                outbox.c.payload,
                outbox.c.occurred_at,
            )
            .where(
                outbox.c.type == trigger,
                outbox.c.occurred_at >= since,
                outbox.c.order_id.is_not(None),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [PastEvent(r.id, r.order_id, r.type, r.payload, r.occurred_at) for r in rows]

    async def finish_run(
        self, run_id: int, outcome: RunOutcome, now: datetime, *, leased_until: datetime
    ) -> bool:
        t = automation_runs.c
        done = await self._conn.execute(
            sa.update(automation_runs)
            .where(
                t.id == run_id,
                t.status == RunStatus.RUNNING.value,
                t.leased_until == leased_until,
            )
            .values(
                status=RunStatus.DONE.value,
                matched=outcome.matched,
                error=outcome.error[:1000] if outcome.error else None,
                outcomes=[a.to_json() for a in outcome.actions],
                finished_at=now,
                leased_until=None,
            )
        )
        return done.rowcount == 1
