"""The stock side of a change set: only the changed units move.

A line that goes down releases units that no warehouse has started picking (its PENDING
fulfillment lines, or before confirmation its allocations); a line that goes up, or a new one,
reserves just the extra units where the router sends them, in (sku, warehouse) order like
``placeOrder``. A price-only or address-only change reserves and releases nothing. Every write
goes through the stock ledger, so the audit still sums to the levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.customers import Address
from ordergraph.domain.fulfillments import Fulfillment, FulfillmentStatus
from ordergraph.domain.order_changes import ChangePlan, PlannedLine
from ordergraph.domain.orders import Order, OrderStatus, OutOfStock
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.routing import Destination, plan_routing
from ordergraph.services import stock_ledger
from ordergraph.services.orders import ReservationLost


@dataclass(frozen=True, slots=True)
class StockMove:
    sku: str
    warehouse_id: int
    delta: int  # > 0 reserved, < 0 released

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "warehouseId": self.warehouse_id, "delta": self.delta}


@dataclass(frozen=True, slots=True)
class StockOutcome:
    moves: tuple[StockMove, ...]
    routing: dict[str, Any]  # the order's routing explanation after the change
    warehouses: tuple[Warehouse, ...]  # every warehouse the order now ships from
    created_fulfillments: tuple[int, ...]


def held_units(fulfillments: Sequence[Fulfillment]) -> tuple[dict[int, int], dict[int, int]]:
    """Per order line: units locked (picking, packed or shipped) and units shipped."""
    locked: dict[int, int] = defaultdict(int)
    shipped: dict[int, int] = defaultdict(int)
    for f in fulfillments:
        if f.status in {FulfillmentStatus.PENDING, FulfillmentStatus.CANCELLED}:
            continue
        for line in f.lines:
            locked[line.order_line_id] += line.quantity
            shipped[line.order_line_id] += line.shipped_quantity
    return dict(locked), dict(shipped)


async def move_stock(
    uow: UnitOfWork,
    order: Order,
    plan: ChangePlan,
    line_ids: dict[str, int],
    fulfillments: Sequence[Fulfillment],
    actor: Principal,
    now: datetime,
    address: Address,
) -> StockOutcome:
    """Release and reserve the plan's changed units (``line_ids``: SKU → its line id, new
    lines included). Raises ``OutOfStock`` when the extra units are nowhere to be had."""
    assert order.id is not None
    confirmed = order.status is not OrderStatus.PLACED
    held: dict[tuple[int, int], int] = defaultdict(int)  # (line, warehouse) → allocated
    for stored in await uow.orders.active_allocations(order.id):
        held[(stored.order_line_id, stored.allocation.warehouse_id)] += stored.allocation.quantity
    pending: dict[tuple[int, int], int] = defaultdict(int)  # (line, warehouse) → not picked
    for f in fulfillments:
        if f.status is FulfillmentStatus.PENDING:
            for fl in f.lines:
                pending[(fl.order_line_id, f.warehouse_id)] += fl.quantity
    releasable = pending if confirmed else held
    changes: dict[tuple[str, int, int], int] = defaultdict(int)  # (sku, line, wh) → delta
    for line in plan.changed:
        if line.delta < 0:
            _take_off(line, line_ids[line.sku], releasable, changes)
    wanted = {line.sku: line.delta for line in plan.changed if line.delta > 0}
    warehouses = await uow.warehouses.list_all()
    candidates: list[dict[str, Any]] = []
    if wanted:
        available = await uow.inventory.availability(list(wanted))
        routed = plan_routing(
            wanted, available, warehouses, Destination(address.region, address.country_code)
        )
        if not routed.complete:
            raise OutOfStock(routed.shortfall)
        candidates = [asdict(c) for c in routed.candidates]
        for a in routed.allocations:
            changes[(a.sku, line_ids[a.sku], a.warehouse_id)] += a.quantity
    moves: list[StockMove] = []
    created: list[int] = []
    for (sku, line_id, warehouse_id), delta in sorted(changes.items()):
        if delta == 0:
            continue
        reference = f"order:{order.number}"
        if delta > 0:
            if not await stock_ledger.reserve(
                uow,
                sku=sku,
                warehouse_id=warehouse_id,
                quantity=delta,
                actor=actor.actor,
                reference=reference,
                now=now,
            ):
                raise ReservationLost(f"{sku} at warehouse {warehouse_id}")
        else:
            await stock_ledger.release(
                uow,
                sku=sku,
                warehouse_id=warehouse_id,
                quantity=-delta,
                actor=actor.actor,
                reference=reference,
                now=now,
            )
        key = (line_id, warehouse_id)
        await uow.order_changes.set_allocation(
            order.id, line_id, sku, warehouse_id, held[key] + delta, now
        )
        held[key] += delta
        if confirmed:
            made = await uow.order_changes.set_pending_line(
                order.id, warehouse_id, line_id, sku, pending[key] + delta, now
            )
            pending[key] += delta
            if made is not None:
                created.append(made)
        moves.append(StockMove(sku, warehouse_id, delta))
    shipping_from = {wh for (_, wh), units in held.items() if units > 0}
    by_id = {w.id: w for w in warehouses}
    routing = {
        "candidates": candidates or (order.routing or {}).get("candidates", []),
        "allocations": [
            {"sku": sku, "warehouse_id": wh, "quantity": units}
            for (sku, wh), units in sorted(_by_sku(held, line_ids).items())
            if units > 0
        ],
    }
    return StockOutcome(
        tuple(moves),
        routing,
        tuple(by_id[i] for i in sorted(shipping_from) if i in by_id),
        tuple(created),
    )


def _take_off(
    line: PlannedLine,
    line_id: int,
    releasable: dict[tuple[int, int], int],
    changes: dict[tuple[str, int, int], int],
) -> None:
    """Release ``-line.delta`` units of the line, from the warehouse holding most first."""
    left = -line.delta
    places = sorted(
        ((units, wh) for (lid, wh), units in releasable.items() if lid == line_id and units > 0),
        reverse=True,
    )
    for units, warehouse_id in places:
        take = min(units, left)
        changes[(line.sku, line_id, warehouse_id)] -= take
        left -= take
        if left == 0:
            return
    raise AssertionError(f"{line.sku}: {left} units to release are not held unpicked")


def _by_sku(
    held: dict[tuple[int, int], int], line_ids: dict[str, int]
) -> dict[tuple[str, int], int]:
    sku_of = {line_id: sku for sku, line_id in line_ids.items()}
    out: dict[tuple[str, int], int] = defaultdict(int)
    for (line_id, wh), units in held.items():
        if line_id in sku_of:
            out[(sku_of[line_id], wh)] += units
    return out
