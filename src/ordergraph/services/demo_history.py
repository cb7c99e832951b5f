"""Demo history: about six months of orders, so the first ``make run`` shows real patterns.

Every order goes through the real use cases (placeOrder, capturePayment, picking, shipping,
carrier events, returns, refunds, feedback, cancellation) with the clock set back to the moment
each step happened: the stock ledger, the order timeline and every timestamp are exactly what
the services would have written then. Steps run in time order across all orders (a queue of
due steps), so reservations, shipments and restocks meet the stock in the order they would
have. Steps after the clock's now are left for the future: recent orders are still open.

Deterministic: the plan is a pure function of a fixed seed, the order count and the anchor
(the start of the history), and each order draws from its own random stream. Idempotent: a
``seed:history:start`` record keeps the anchor, every step carries an idempotency key, and a
``seed:history:done`` record makes a second seed skip the history without a write.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ordergraph.domain.channels import REP_CHANNELS
from ordergraph.domain.clock import ReplayClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.demo_plan import HISTORY, SEED, PlannedOrder, plan_orders
from ordergraph.domain.feedback import feedback_token
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import OutOfStock, RequestedLine
from ordergraph.domain.ports import IdempotencyRecord
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.returns import (
    RequestedReturnLine,
    ReturnDisposition,
    ReturnReason,
    ReturnStatus,
)
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.services import (
    cancellation,
    feedback,
    fulfillment,
    inventory,
    orders,
    payments,
    refunds,
    returns,
    shipments,
)
from ordergraph.services.deps import Deps

DEFAULT_ORDERS = 300  # about 25 s on SQLite; --history-orders N for more
START_KEY, DONE_KEY = "seed:history:start", "seed:history:done"

REORDER_POINT, REORDER_LOT = 8, 60
REPS = ("Maria Sales", "Sam Accounts", "Lee Field")
FALLBACK_CARRIER = (("DHL", "EXPRESS"),)


@dataclass(frozen=True, slots=True)
class HistoryCustomer:
    """Whom a history order can be for: a demo customer (with an id) or a guest."""

    customer_id: int | None
    address: AddressFields
    email: str | None = None


@dataclass(frozen=True, slots=True)
class HistorySummary:
    orders: int = 0
    steps: int = 0
    skipped: bool = False  # a complete history was already there


Step = Callable[[datetime], Awaitable[list["Due"]]]


@dataclass(order=True, slots=True)
class Due:
    at: datetime
    seq: int
    step: Step = field(compare=False)


@dataclass(slots=True)
class _Run:
    """One history order's life: each step acts through a use case at its own moment and
    says what comes next, and when."""

    deps: Deps
    plan: PlannedOrder
    customer: HistoryCustomer
    warehouses: dict[int, str]  # id → region
    lanes: Mapping[tuple[str, str], Sequence[tuple[str, str]]]
    rng: random.Random
    key: str = ""
    order_id: int = 0
    promised: datetime | None = None
    shipments: list[tuple[int, str, str, str]] = field(default_factory=list)
    delivered_at: datetime | None = None
    late: bool = False
    return_id: int = 0

    def __post_init__(self) -> None:
        self.key = f"seed:history:{self.plan.index}"

    def at(self, moment: datetime) -> Deps:
        """The use cases' dependencies, with the shared clock standing at ``moment``."""
        assert isinstance(self.deps.clock, ReplayClock)
        self.deps.clock.travel_to(moment)
        return self.deps

    def next(self, at: datetime, step: Step) -> list[Due]:
        return [Due(at, self.plan.index, step)]

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    async def place(self, at: datetime) -> list[Due]:
        await self._restock(at)
        channel, customer = self.plan.channel, self.customer
        try:
            order = await orders.place_order(
                self.at(at),
                SYSTEM,
                channel=channel,
                lines=[RequestedLine(sku, q) for sku, q in self.plan.lines],
                shipping_address=customer.address,
                customer_id=customer.customer_id,
                email=customer.email,
                contact_name=customer.address["name"] if customer.email else None,
                sales_rep=REPS[self.plan.index % len(REPS)] if channel in REP_CHANNELS else None,
                idempotency_key=self.key,
            )
        except OutOfStock:
            return []  # stock changed by hand under a resumed history: leave this one out
        assert order.id is not None
        self.order_id, self.promised = order.id, order.promised_delivery_at
        if self.rng.random() < 0.04:  # never paid: the customer walked away
            return self.next(at + self.hours(0.4, 0.7), self.walk_away)
        return self.next(at + self.hours(0.02, 0.25), self.pay)

    async def _restock(self, at: datetime) -> None:
        """Receive a lot where a line would not fit: the buyer reorders at a reorder point."""
        keys = [(sku, wid) for sku, _ in self.plan.lines for wid in sorted(self.warehouses)]
        async with self.deps.uow() as uow:
            if await uow.idempotency.get(SYSTEM.idempotency_scope, self.key) is not None:
                return  # placed by an interrupted run: its restock, if any, is done
            levels = await uow.inventory.get_many(keys)
        for sku, quantity in self.plan.lines:
            stocked = sorted(k for k in levels if k[0] == sku)
            if not stocked:
                continue  # not a demo SKU any more: placeOrder will say so
            if sum(levels[k].available for k in stocked) >= quantity + REORDER_POINT:
                continue
            near = [k for k in stocked if self.warehouses[k[1]] == self.plan.region]
            await inventory.adjust_inventory(
                self.at(at - timedelta(hours=2)),
                SYSTEM,
                sku=sku,
                warehouse_id=(near or stocked)[0][1],
                delta=REORDER_LOT + quantity,
                reason=AdjustmentReason.RECEIVED,
                note="demo history: reorder",
                idempotency_key=f"{self.key}:restock:{sku}",
            )

    async def walk_away(self, at: datetime) -> list[Due]:
        return await self._cancel(at, "demo: never paid")

    async def change_mind(self, at: datetime) -> list[Due]:
        return await self._cancel(at, "demo: customer changed their mind")

    async def _cancel(self, at: datetime, reason: str) -> list[Due]:
        await cancellation.cancel_order(
            self.at(at),
            SYSTEM,
            order_id=self.order_id,
            reason=reason,
            idempotency_key=f"{self.key}:cancel",
        )
        return []

    async def pay(self, at: datetime) -> list[Due]:
        await payments.capture_payment(
            self.at(at),
            SYSTEM,
            order_id=self.order_id,
            token="tok_ok",
            idempotency_key=f"{self.key}:pay",
        )
        if self.rng.random() < 0.02:  # paid, then the customer changed their mind
            return self.next(at + self.hours(1, 6), self.change_mind)
        # most ship within the working day; one in ten waits days (a stock or staffing gap)
        slow = self.rng.random() < 0.1
        return self.next(at + (self.hours(30, 96) if slow else self.hours(2, 22)), self.ship)

    async def ship(self, at: datetime) -> list[Due]:
        """Pick, pack and ship every fulfillment, each with a carrier that serves its lane."""
        async with self.deps.uow() as uow:
            found = await uow.fulfillments.for_order(self.order_id)
        moment = at
        for f in found:
            assert f.id is not None
            step_key = f"{self.key}:f{f.id}"
            await fulfillment.start_picking(
                self.at(moment), SYSTEM, fulfillment_id=f.id, idempotency_key=f"{step_key}:pick"
            )
            moment += self.hours(0.2, 1.5)
            await fulfillment.mark_packed(
                self.at(moment), SYSTEM, fulfillment_id=f.id, idempotency_key=f"{step_key}:pack"
            )
            moment += self.hours(0.5, 3)
            lane = (self.warehouses[f.warehouse_id], self.plan.region)
            carrier, service = self.rng.choice(self.lanes.get(lane) or FALLBACK_CARRIER)
            done = await fulfillment.ship_fulfillment(
                self.at(moment),
                SYSTEM,
                fulfillment_id=f.id,
                carrier=carrier,
                service=service,
                tracking_number=f"DH{self.plan.index:06d}{f.id:05d}",
                idempotency_key=f"{step_key}:ship",
            )
            assert done.shipment is not None
            assert done.shipment.id is not None
            self.shipments.append((done.shipment.id, step_key, carrier, service))
            if self.promised is None:
                self.promised = done.shipment.promised_delivery_at
        return self.next(moment + self.hours(2, 8), self.in_transit)

    async def in_transit(self, at: datetime) -> list[Due]:
        for shipment_id, step_key, _, _ in self.shipments:
            await self._event(at, shipment_id, step_key, ShipmentStatus.IN_TRANSIT)
        # one in eight arrives after its promise: a late delivery the on-time rate counts
        self.late = self.promised is not None and self.rng.random() < 0.125
        if self.late:
            assert self.promised is not None
            arrives = self.promised + self.hours(20, 72)
        else:
            arrives = at + self.hours(18, 60)
            if self.promised is not None:
                arrives = min(arrives, self.promised - self.hours(1, 6))
            arrives = max(arrives, at + timedelta(hours=6))
        return self.next(arrives, self.deliver)

    async def _event(
        self, at: datetime, shipment_id: int, step_key: str, status: ShipmentStatus
    ) -> None:
        await shipments.record_shipment_event(
            self.at(at),
            SYSTEM,
            shipment_id=shipment_id,
            status=status,
            occurred_at=at,
            location="Demo hub",
            idempotency_key=f"{step_key}:{status.value}",
        )

    async def deliver(self, at: datetime) -> list[Due]:
        for shipment_id, step_key, _, _ in self.shipments:
            await self._event(at, shipment_id, step_key, ShipmentStatus.DELIVERED)
        self.delivered_at = at
        after: list[Due] = []
        if self.rng.random() < (0.45 if self.late else 0.2):
            after += self.next(at + self.hours(12, 120), self.rate)
        if self.rng.random() < 0.09:
            after += self.next(at + self.hours(30, 300), self.request_return)
        return after

    async def rate(self, at: datetime) -> list[Due]:
        """The customer follows the feedback link in the delivered mail."""
        stars = (1, 2, 3, 4, 5)
        weights = (3, 3, 3, 2, 1) if self.late else (1, 1, 2, 5, 8)
        await feedback.submit_order_feedback(
            self.at(at),
            token=feedback_token(self.deps.secret_key, self.order_id),
            rating=self.rng.choices(stars, weights=weights)[0],
            comment="Arrived late." if self.late and self.rng.random() < 0.5 else None,
        )
        return []

    async def request_return(self, at: datetime) -> list[Due]:
        async with self.deps.uow() as uow:
            order = await uow.orders.get(self.order_id)
        assert order is not None
        line = self.rng.choice(order.lines)
        assert line.id is not None
        reason = self.rng.choices(list(RETURN_REASONS), weights=list(RETURN_REASONS.values()))[0]
        outcome = await returns.request_return(
            self.at(at),
            SYSTEM,
            order_id=self.order_id,
            lines=[RequestedReturnLine(line.id, self.rng.randint(1, line.quantity), reason)],
            idempotency_key=f"{self.key}:return",
        )
        assert outcome.rma.id is not None
        self.return_id = outcome.rma.id
        if outcome.rma.status is ReturnStatus.REQUESTED:  # not auto-approved by the policy
            return self.next(at + self.hours(4, 30), self.approve)
        return self.next(at + self.hours(72, 170), self.receive)

    async def approve(self, at: datetime) -> list[Due]:
        await returns.approve_return(
            self.at(at), SYSTEM, return_id=self.return_id, idempotency_key=f"{self.key}:approve"
        )
        return self.next(at + self.hours(72, 170), self.receive)

    async def receive(self, at: datetime) -> list[Due]:
        async with self.deps.uow() as uow:
            rma = await uow.returns.get(self.return_id)
        assert rma is not None
        receipts = [
            returns.Receipt(
                line.id,
                line.quantity,
                ReturnDisposition.DISCARD
                if line.reason is ReturnReason.DAMAGED
                else ReturnDisposition.RESTOCK,
            )
            for line in rma.lines
            if line.id is not None
        ]
        await returns.receive_return(
            self.at(at),
            SYSTEM,
            return_id=self.return_id,
            receipts=receipts,
            idempotency_key=f"{self.key}:receive",
        )
        return self.next(at + self.hours(2, 30), self.refund)

    async def refund(self, at: datetime) -> list[Due]:
        await refunds.refund_order(
            self.at(at),
            SYSTEM,
            order_id=self.order_id,
            return_id=self.return_id,
            reason="demo: returned",
            idempotency_key=f"{self.key}:refund",
        )
        return []


RETURN_REASONS = {
    ReturnReason.SIZE_FIT: 4,
    ReturnReason.NO_LONGER_NEEDED: 3,
    ReturnReason.NOT_AS_DESCRIBED: 2,
    ReturnReason.DAMAGED: 1,
}


async def seed_demo_history(
    deps: Deps,
    *,
    skus: Sequence[str],
    customers: Sequence[HistoryCustomer],
    warehouses: dict[int, str],
    lanes: Mapping[tuple[str, str], Sequence[tuple[str, str]]],
    count: int = DEFAULT_ORDERS,
) -> HistorySummary:
    """About six months of orders up to the clock's now (see the module docstring).

    ``warehouses``: id → region; ``lanes``: (origin, destination region) → the (carrier,
    service) pairs that serve it; the clock must be a ``ReplayClock`` the unit of work shares.
    """
    if count <= 0 or not customers or not skus:
        return HistorySummary()
    clock = deps.clock
    if not isinstance(clock, ReplayClock):
        raise TypeError("the demo history needs a ReplayClock shared with the unit of work")
    now = clock.present()
    async with deps.uow() as uow:
        done = await uow.idempotency.get(SYSTEM.idempotency_scope, DONE_KEY)
        started = await uow.idempotency.get(SYSTEM.idempotency_scope, START_KEY)
    if done is not None:
        return HistorySummary(int(done.result["orders"]), int(done.result["steps"]), True)
    if started is not None:  # an interrupted run: resume on the same plan
        start, count = datetime.fromisoformat(started.result["start"]), int(started.result["count"])
    else:
        start = (now - HISTORY).replace(minute=0, second=0, microsecond=0)
        await _remember(deps, START_KEY, {"start": start.isoformat(), "count": count}, now)
    quiet = deps.silenced()  # history mails nobody
    queue: list[Due] = []
    by_region: dict[str, list[HistoryCustomer]] = {}
    for c in customers:
        by_region.setdefault(str(c.address["region"]), []).append(c)
    for plan in plan_orders(count, start, skus):
        rng = random.Random(SEED * 10_000 + plan.index)
        nearby = by_region.get(plan.region) or list(customers)
        run = _Run(quiet, plan, rng.choice(nearby), warehouses, lanes, rng)
        heapq.heappush(queue, Due(plan.placed_at, plan.index, run.place))
    placed = steps = 0
    try:
        while queue and queue[0].at <= now:
            due = heapq.heappop(queue)
            for after in await due.step(due.at):
                heapq.heappush(queue, after)
            steps += 1
            placed += due.step.__name__ == "place"
    finally:
        clock.travel_to(None)
    await _remember(deps, DONE_KEY, {"orders": placed, "steps": steps}, now)
    return HistorySummary(placed, steps)


async def _remember(deps: Deps, key: str, result: dict[str, Any], now: datetime) -> None:
    async with deps.uow() as uow:
        await uow.idempotency.add(
            IdempotencyRecord(SYSTEM.idempotency_scope, key, "seedDemoHistory", "", result, now)
        )
        await uow.commit()
