"""The automation consumer: runs each enabled rule on each committed event of its trigger,
at most once per (rule, event) and in order per order. Safe to run in every worker at once.

1. **Fan-out** takes outbox rows not automated yet (``FOR UPDATE SKIP LOCKED``), writes one
   ``automation_runs`` row per (enabled rule whose trigger is the event's type, created before
   the event) and marks the rows, in one transaction. The unique (rule, event) key is the
   "at most once". Events the rules themselves caused (``automation.*``, and any event whose
   actor is a rule) start no runs, so rules cannot loop.
2. **Claim** moves due runs to RUNNING — never claimed again, so no action runs twice — but
   only a run whose order has no earlier run PENDING or RUNNING (in order per order). A run
   left RUNNING by a worker that died is ABANDONED once its lease is over: not retried.
3. **Run** evaluates and acts outside the claim (``services/automation.py``).

The relay's NOTIFY (through this process's broker) wakes the loop within milliseconds of a
commit; a poll covers a missed wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import automation_rules, automation_runs, outbox
from ordergraph.domain.automation import PastEvent, RunStatus
from ordergraph.domain.clock import Clock
from ordergraph.events.broker import Broker, SubscriberTooSlow
from ordergraph.events.consumers import skip_locked, writing
from ordergraph.services.automation import ClaimedRun, execute_run
from ordergraph.services.deps import Deps

log = logging.getLogger("ordergraph.automation")

LEASE = timedelta(minutes=5)
OUTSTANDING = (RunStatus.PENDING.value, RunStatus.RUNNING.value)


def caused_by_a_rule(event_type: str, actor: str) -> bool:
    return event_type.startswith("automation.") or actor.startswith("rule:")


async def fan_out(engine: AsyncEngine, clock: Clock, *, limit: int = 500) -> int:
    """One run row per (enabled rule, matching event committed after it was created)."""
    async with writing(engine) as conn:
        o = outbox.c
        rows = list(
            (
                await conn.execute(
                    skip_locked(
                        sa.select(o.id, o.order_id, o.type, o.actor, o.occurred_at)
                        .where(o.automated.is_(False))
                        .order_by(o.id)
                        .limit(limit),
                        conn,
                    )
                )
            ).all()
        )
        if not rows:
            return 0
        types = {r.type for r in rows if not caused_by_a_rule(r.type, r.actor)}
        rules = (
            list(
                (
                    await conn.execute(
                        sa.select(
                            automation_rules.c.id,
                            automation_rules.c.trigger,
                            automation_rules.c.created_at,
                        ).where(
                            automation_rules.c.enabled.is_(True),
                            automation_rules.c.trigger.in_(types),
                        )
                    )
                ).all()
            )
            if types
            else []
        )
        now = clock.now()
        runs = [
            {
                "rule_id": rule.id,
                "outbox_id": row.id,
                "order_id": row.order_id,
                "event_type": row.type,
                "status": RunStatus.PENDING.value,
                "created_at": now,
            }
            for row in rows
            if row.order_id is not None and not caused_by_a_rule(row.type, row.actor)
            for rule in rules
            if rule.trigger == row.type and row.occurred_at >= rule.created_at
        ]
        if runs:
            await conn.execute(sa.insert(automation_runs), runs)
        await conn.execute(
            sa.update(outbox).where(o.id.in_([r.id for r in rows])).values(automated=True)
        )
    return len(runs)


async def claim(engine: AsyncEngine, clock: Clock, *, limit: int = 10) -> list[ClaimedRun]:
    """Move up to ``limit`` runs to RUNNING (oldest event first, in order per order)."""
    t = automation_runs.c
    async with writing(engine) as conn:
        now = clock.now()
        # a worker died mid-run: give up on it (at most once), unblocking its order
        await conn.execute(
            sa.update(automation_runs)
            .where(t.status == RunStatus.RUNNING.value, t.leased_until < now)
            .values(
                status=RunStatus.ABANDONED.value,
                error="its worker stopped mid-run; not retried",
                finished_at=now,
                leased_until=None,
            )
        )
        earlier = sa.alias(automation_runs, "earlier")
        in_order = ~sa.exists().where(
            earlier.c.order_id == t.order_id,
            sa.or_(
                earlier.c.outbox_id < t.outbox_id,
                sa.and_(earlier.c.outbox_id == t.outbox_id, earlier.c.id < t.id),
            ),
            earlier.c.status.in_(OUTSTANDING),
        )
        due = list(
            (
                await conn.execute(
                    skip_locked(
                        sa.select(automation_runs.c.id, t.rule_id, t.outbox_id)
                        .where(t.status == RunStatus.PENDING.value, in_order)
                        .order_by(t.outbox_id, t.id)
                        .limit(limit),
                        conn,
                    )
                )
            ).all()
        )
        if not due:
            return []
        until = now + LEASE
        await conn.execute(
            sa.update(automation_runs)
            .where(t.id.in_([r.id for r in due]), t.status == RunStatus.PENDING.value)
            .values(status=RunStatus.RUNNING.value, leased_until=until)
        )
        events = {
            m["id"]: m
            for m in (
                await conn.execute(
                    sa.select(outbox).where(outbox.c.id.in_({r.outbox_id for r in due}))
                )
            ).mappings()
        }
    return [
        ClaimedRun(
            id=r.id,
            rule_id=r.rule_id,
            event=_past_event(events[r.outbox_id]),
            leased_until=until,
        )
        for r in due
    ]


def _past_event(m: Any) -> PastEvent:
    return PastEvent(m["id"], m["order_id"], m["type"], m["payload"], m["occurred_at"])


async def run_due(deps: Deps, engine: AsyncEngine, *, batch: int = 10, most: int = 200) -> int:
    """Fan out, then run claimed runs one by one (in order) until none are due; how many."""
    total = 0
    while total < most:
        await fan_out(engine, deps.clock)
        claimed = await claim(engine, deps.clock, limit=batch)
        if not claimed:
            break
        for run in claimed:
            await execute_run(deps, run)
        total += len(claimed)
    return total


class AutomationConsumer:
    """Runs ``run_due`` whenever the broker shows a new event, and every ``poll`` seconds."""

    def __init__(
        self, deps: Deps, engine: AsyncEngine, broker: Broker, *, poll: float = 2.0
    ) -> None:
        self.deps = deps
        self.engine = engine
        self.broker = broker
        self.poll = poll
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="automation-wake"),
            asyncio.create_task(self._run(), name="automation"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> None:
        while True:
            subscription = self.broker.subscribe()
            try:
                async for event in subscription:
                    if not caused_by_a_rule(event.type, event.actor):
                        self._wake.set()
                return  # the broker closed: shutting down
            except SubscriberTooSlow:
                self._wake.set()
            finally:
                subscription.close()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            self._wake.clear()
            try:
                done = await run_due(self.deps, self.engine)
                if done:
                    log.info("automation: %d runs", done)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("automation consumer failed; retrying")
