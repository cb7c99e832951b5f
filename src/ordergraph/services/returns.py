"""Use cases for returns: request (policy-checked), approve or reject, receive.

Receiving puts units back on hand (RESTOCK) at the warehouse they shipped from or a chosen one,
or writes them off (WRITE_OFF), in the same transaction as the receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.returns import (
    RequestedReturnLine,
    Return,
    Returnable,
    ReturnDisposition,
    ReturnLabel,
    ReturnLine,
    ReturnPolicy,
    ReturnStatus,
    check_return,
    window_end,
)
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.domain.validation import optional_text
from ordergraph.services import exchange_receipt, stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    rma: Return
    order: Order


@dataclass(frozen=True, slots=True)
class Receipt:
    return_line_id: int
    quantity: int
    disposition: ReturnDisposition
    warehouse_id: int | None = None  # default: where the units shipped from


def _may_return(actor: Principal, order: Order) -> bool:
    if actor.can(Scope.RETURNS_WRITE) or actor.can(Scope.ORDERS_WRITE):
        return True
    return actor.customer_id is not None and actor.customer_id == order.customer_id


async def returnable_lines(
    uow: UnitOfWork, order: Order, policy: ReturnPolicy
) -> dict[int, Returnable]:
    """Per order line: delivered units, units already in (non-rejected) returns, the window."""
    assert order.id is not None
    delivered: dict[int, int] = {}
    ends: dict[int, datetime] = {}
    for shipment in await uow.shipments.for_order(order.id):
        if shipment.status is not ShipmentStatus.DELIVERED or shipment.delivered_at is None:
            continue
        for line in shipment.lines:
            delivered[line.order_line_id] = delivered.get(line.order_line_id, 0) + line.quantity
            end = window_end(shipment.delivered_at, policy)
            ends[line.order_line_id] = max(end, ends.get(line.order_line_id, end))
    already: dict[int, int] = {}
    for rma in await uow.returns.for_order(order.id):
        if rma.status is not ReturnStatus.REJECTED:
            for rl in rma.lines:
                already[rl.order_line_id] = already.get(rl.order_line_id, 0) + rl.quantity
    products = await uow.products.get_many([line.sku for line in order.lines])
    return {
        line.id: Returnable(
            order_line_id=line.id,
            sku=line.sku,
            delivered=delivered.get(line.id, 0),
            already_returned=already.get(line.id, 0),
            returnable_product=products[line.sku].returnable if line.sku in products else True,
            window_ends_at=ends.get(line.id),
        )
        for line in order.lines
        if line.id is not None
    }


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> ReturnOutcome:
    rma = await uow.returns.get(result["return"])
    if rma is None:
        raise NotFound("no such return", field=["returnId"])
    order = await uow.orders.get(rma.order_id)
    assert order is not None
    return ReturnOutcome(rma, order)


def _remember(outcome: ReturnOutcome) -> dict[str, Any]:
    return {"return": outcome.rma.id}


async def load_order_to_return(uow: UnitOfWork, order_id: int, actor: Principal) -> Order:
    """The order, row-locked; ``NotFound`` (or ``Forbidden`` for staff without the scope)."""
    order = await uow.orders.get(order_id, for_update=True)
    if order is None or not _may_return(actor, order):
        if order is not None and actor.is_authenticated and actor.customer_id is None:
            raise Forbidden("returns need returns:write (or the customer's own order)")
        raise NotFound("no such order", field=["orderId"])
    return order


def clean_return_lines(lines: list[RequestedReturnLine], at: str) -> list[RequestedReturnLine]:
    """The lines with their notes checked; errors point into ``at``."""
    return [
        RequestedReturnLine(
            line.order_line_id,
            line.quantity,
            line.reason,
            optional_text(line.note, [at, str(i), "note"], max_length=1000),
        )
        for i, line in enumerate(lines)
    ]


async def open_return(
    uow: UnitOfWork,
    actor: Principal,
    order: Order,
    returnable: dict[int, Returnable],
    lines: list[RequestedReturnLine],
    note: str | None,
    now: datetime,
    *,
    approve: bool,
) -> Return:
    """Store a checked return (approved at once when ``approve``) and record its events on
    the order; the caller publishes them."""
    assert order.id is not None
    existing = await uow.returns.for_order(order.id)
    rma = Return(
        id=None,
        order_id=order.id,
        number=f"{order.number}-R{len(existing) + 1}",
        status=ReturnStatus.REQUESTED,
        lines=[
            ReturnLine(
                None,
                line.order_line_id,
                returnable[line.order_line_id].sku,
                line.quantity,
                line.reason,
                line.note,
            )
            for line in lines
        ],
        note=note,
        requested_by=actor.actor,
        created_at=now,
        updated_at=now,
    )
    if approve:
        rma.approve(now)
    await uow.returns.add(rma)
    order.record(
        "return.requested",
        actor.actor,
        {"returnId": rma.id, "number": rma.number, "autoApproved": approve},
    )
    if approve:
        order.record("return.approved", actor.actor, {"returnId": rma.id, "auto": True})
    return rma


async def request_return(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    lines: list[RequestedReturnLine],
    note: str | None = None,
    idempotency_key: str | None = None,
) -> ReturnOutcome:
    """Open an RMA for delivered units within the return window; some reasons auto-approve."""
    text = optional_text(note, ["note"], max_length=1000)
    cleaned = clean_return_lines(lines, "lines")

    async def run(uow: UnitOfWork) -> ReturnOutcome:
        now = deps.clock.now()
        order = await load_order_to_return(uow, order_id, actor)
        policy = deps.policy.returns
        returnable = await returnable_lines(uow, order, policy)
        check_return(cleaned, returnable, now)
        auto = all(line.reason in policy.auto_approve for line in cleaned)
        rma = await open_return(uow, actor, order, returnable, cleaned, text, now, approve=auto)
        publish(uow, order)
        return ReturnOutcome(rma, order)

    return await run_command(
        deps,
        actor,
        operation="requestReturn",
        request={
            "order": order_id,
            "note": note,
            "lines": [[x.order_line_id, x.quantity, x.reason.value, x.note] for x in lines],
        },
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def _decide(
    deps: Deps,
    actor: Principal,
    return_id: int,
    key: str | None,
    operation: str,
    change: Any,
    request: dict[str, Any],
) -> ReturnOutcome:
    actor.require(Scope.RETURNS_WRITE)

    async def run(uow: UnitOfWork) -> ReturnOutcome:
        now = deps.clock.now()
        peek = await uow.returns.get(return_id)
        if peek is None:
            raise NotFound("no such return", field=["returnId"])
        order = await uow.orders.get(peek.order_id, for_update=True)
        rma = await uow.returns.get(return_id, for_update=True)
        assert order is not None
        assert rma is not None
        event = await change(uow, order, rma, now)
        await uow.returns.save(rma)
        order.record(event, actor.actor, {"returnId": rma.id, "number": rma.number})
        publish(uow, order)
        return ReturnOutcome(rma, order)

    return await run_command(
        deps,
        actor,
        operation=operation,
        request={"r": return_id, **request},
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=key,
    )


async def approve_return(
    deps: Deps,
    actor: Principal,
    *,
    return_id: int,
    label: ReturnLabel | None = None,
    idempotency_key: str | None = None,
) -> ReturnOutcome:
    """REQUESTED → APPROVED, optionally with a return label / instructions for the customer."""

    async def change(uow: UnitOfWork, order: Order, rma: Return, now: datetime) -> str:
        rma.approve(now)
        if label is not None:
            rma.label = label
        return "return.approved"

    return await _decide(
        deps,
        actor,
        return_id,
        idempotency_key,
        "approveReturn",
        change,
        {"label": label and [label.carrier, label.tracking_number, label.url, label.instructions]},
    )


async def reject_return(
    deps: Deps,
    actor: Principal,
    *,
    return_id: int,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> ReturnOutcome:
    why = optional_text(reason, ["reason"], max_length=500)

    async def change(uow: UnitOfWork, order: Order, rma: Return, now: datetime) -> str:
        rma.reject(why, now)
        return "return.rejected"

    return await _decide(
        deps, actor, return_id, idempotency_key, "rejectReturn", change, {"reason": reason}
    )


async def receive_return(
    deps: Deps,
    actor: Principal,
    *,
    return_id: int,
    receipts: list[Receipt],
    idempotency_key: str | None = None,
) -> ReturnOutcome:
    """Units arrived: RESTOCK puts them back on hand, DISCARD writes them off."""

    async def change(uow: UnitOfWork, order: Order, rma: Return, now: datetime) -> str:
        merged: dict[int, tuple[int, ReturnDisposition]] = {}
        for index, r in enumerate(receipts):
            if r.return_line_id in merged:
                raise InvalidInput(
                    "each return line may appear once per receipt",
                    field=["lines", str(index), "returnLineId"],
                    code="DUPLICATE",
                )
            merged[r.return_line_id] = (r.quantity, r.disposition)
        rma.receive(merged, now)
        origins = await _origins(uow, order)
        by_id = {line.id: line for line in rma.lines}
        for index, r in enumerate(receipts):
            line = by_id[r.return_line_id]
            warehouse_id = r.warehouse_id or origins.get(line.order_line_id)
            if warehouse_id is None or await uow.warehouses.get(warehouse_id) is None:
                raise NotFound("no such warehouse", field=["lines", str(index), "warehouseId"])
            await _book(uow, line, r, warehouse_id, rma, actor, now)
        await exchange_receipt.release_replacement(uow, rma, actor, now)
        return (
            "return.received"
            if rma.status is ReturnStatus.RECEIVED
            else ("return.partially_received")
        )

    outcome = await _decide(
        deps,
        actor,
        return_id,
        idempotency_key,
        "receiveReturn",
        change,
        {
            "lines": [
                [r.return_line_id, r.quantity, r.disposition.value, r.warehouse_id]
                for r in receipts
            ]
        },
    )
    await exchange_receipt.refund_difference(deps, outcome.rma)
    return outcome


async def _origins(uow: UnitOfWork, order: Order) -> dict[int, int]:
    """Order line id → the warehouse its units shipped from."""
    assert order.id is not None
    found: dict[int, int] = {}
    for shipment in await uow.shipments.for_order(order.id):
        for line in shipment.lines:
            found.setdefault(line.order_line_id, shipment.warehouse_id)
    return found


async def _book(
    uow: UnitOfWork,
    line: ReturnLine,
    receipt: Receipt,
    warehouse_id: int,
    rma: Return,
    actor: Principal,
    now: datetime,
) -> None:
    if receipt.disposition is ReturnDisposition.RESTOCK:
        await stock_ledger.restock(
            uow,
            sku=line.sku,
            warehouse_id=warehouse_id,
            quantity=receipt.quantity,
            actor=actor.actor,
            reference=f"return:{rma.number}",
            note=f"return {rma.number}: {receipt.quantity} restocked",
            now=now,
        )
    else:
        await stock_ledger.write_off(
            uow,
            sku=line.sku,
            warehouse_id=warehouse_id,
            quantity=receipt.quantity,
            actor=actor.actor,
            reference=f"return:{rma.number}",
            note=f"return {rma.number}: {receipt.quantity} discarded",
            now=now,
        )
