"""Use cases for incoming stock: announce an inbound shipment, receive it (in parts), cancel.

Announcing shows each line as ``incoming`` at the warehouse; a receipt moves units from
incoming to on hand; cancelling drops what was still outstanding. All through
``services/stock_ledger.py``, in one transaction with the shipment and its event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inbound import MAX_LINES, ExpectedLine, InboundShipment, LineReceipt
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_sku, optional_text
from ordergraph.services import stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.transfers import existing_warehouse


@dataclass(frozen=True, slots=True)
class InboundReceipt:
    """Units that arrived for one line, named by its id or by its SKU."""

    quantity: int
    line_id: int | None = None
    sku: str | None = None


def _event(kind: str, shipment: InboundShipment, actor: Principal, **extra: Any) -> DomainEvent:
    assert shipment.id is not None
    return DomainEvent(
        f"inbound_shipment.{kind}",
        "InboundShipment",
        shipment.id,
        {**shipment.event_payload(), **extra},
        actor=actor.actor,
    )


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> InboundShipment:
    found = await uow.inbound.get(result["id"])
    if found is None:
        raise NotFound("the inbound shipment of this key no longer exists")
    return found


def _remember(shipment: InboundShipment) -> dict[str, Any]:
    return {"id": shipment.id}


async def _open_shipment(uow: UnitOfWork, shipment_id: int) -> InboundShipment:
    shipment = await uow.inbound.get(shipment_id, for_update=True)
    if shipment is None:
        raise NotFound("no such inbound shipment", field=["inboundShipmentId"])
    return shipment


async def create_inbound_shipment(
    deps: Deps,
    actor: Principal,
    *,
    warehouse_id: int,
    expected_at: datetime,
    lines: Sequence[ExpectedLine],
    reference: str | None = None,
    idempotency_key: str | None = None,
) -> InboundShipment:
    """Announce stock on its way to a warehouse; each line shows as incoming there."""
    actor.require(Scope.INVENTORY_WRITE)
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", field=["lines"], code="TOO_MANY_LINES")
    cleaned = [
        ExpectedLine(clean_sku(line.sku, ["lines", str(i), "sku"]), line.quantity)
        for i, line in enumerate(lines)
    ]
    ref = optional_text(reference, ["reference"], max_length=200)

    async def run(uow: UnitOfWork) -> InboundShipment:
        await existing_warehouse(uow, warehouse_id, ["warehouseId"], must_be_active=True)
        known = await uow.products.get_many([line.sku for line in cleaned])
        for i, line in enumerate(cleaned):
            if line.sku not in known:
                raise NotFound(f"no product has SKU {line.sku}", field=["lines", str(i), "sku"])
        now = deps.clock.now()
        shipment = InboundShipment.create(
            number=await uow.inbound.next_number(),
            warehouse_id=warehouse_id,
            expected_at=expected_at,
            reference=ref,
            lines=cleaned,
            actor=actor.actor,
            now=now,
        )
        await uow.inbound.add(shipment)
        # levels in a fixed (sku) order, so concurrent commands never deadlock on each other
        for expected in sorted(shipment.lines, key=lambda x: x.sku):
            await stock_ledger.expect_incoming(
                uow,
                sku=expected.sku,
                warehouse_id=warehouse_id,
                quantity=expected.quantity_expected,
                actor=actor.actor,
                reference=shipment.number,
                now=now,
            )
        uow.record(_event("created", shipment, actor))
        return shipment

    return await run_command(
        deps,
        actor,
        operation="createInboundShipment",
        request={
            "w": warehouse_id,
            "at": expected_at.isoformat(),
            "ref": reference,
            "lines": [[line.sku, line.quantity] for line in lines],
        },
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )


def _resolve(shipment: InboundShipment, receipts: Sequence[InboundReceipt]) -> dict[int, int]:
    """Line id → units, from receipts naming a line by id or by SKU (repeats add up)."""
    by_id = {line.id for line in shipment.lines}
    resolved: dict[int, int] = {}
    for i, receipt in enumerate(receipts):
        at = ["lines", str(i)]
        if receipt.line_id is not None:
            if receipt.line_id not in by_id:
                raise NotFound("no such line on this inbound shipment", field=[*at, "lineId"])
            line_id = receipt.line_id
        elif receipt.sku is not None:
            line = shipment.line_for_sku(receipt.sku.strip())
            if line is None or line.id is None:
                raise NotFound(f"{receipt.sku} is not on this shipment", field=[*at, "sku"])
            line_id = line.id
        else:
            raise InvalidInput("name the line by lineId or sku", field=at, code="REQUIRED")
        if receipt.quantity <= 0:
            raise InvalidInput(
                "must be greater than zero", field=[*at, "quantity"], code="INVALID_QUANTITY"
            )
        resolved[line_id] = resolved.get(line_id, 0) + receipt.quantity
    return resolved


async def receive_inbound_shipment(
    deps: Deps,
    actor: Principal,
    *,
    shipment_id: int,
    receipts: Sequence[InboundReceipt] | None = None,
    idempotency_key: str | None = None,
) -> InboundShipment:
    """Put arrived units on hand; without ``receipts``, everything still outstanding.
    PARTIALLY_RECEIVED until no line is outstanding; more than expected is accepted."""
    actor.require(Scope.INVENTORY_WRITE)
    if receipts is not None and len(receipts) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", field=["lines"], code="TOO_MANY_LINES")

    async def run(uow: UnitOfWork) -> InboundShipment:
        shipment = await _open_shipment(uow, shipment_id)
        now = deps.clock.now()
        wanted = (
            shipment.outstanding_receipts() if receipts is None else _resolve(shipment, receipts)
        )
        done = shipment.receive(wanted, now)
        for receipt in sorted(done, key=lambda r: r.line.sku):
            await _book_receipt(uow, shipment, receipt, actor, now)
        await uow.inbound.save(shipment)
        uow.record(
            _event(
                "received",
                shipment,
                actor,
                received=[{"sku": r.line.sku, "quantity": r.quantity} for r in done],
            )
        )
        return shipment

    return await run_command(
        deps,
        actor,
        operation="receiveInboundShipment",
        request={
            "id": shipment_id,
            "lines": None
            if receipts is None
            else [[r.line_id, r.sku, r.quantity] for r in receipts],
        },
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def _book_receipt(
    uow: UnitOfWork,
    shipment: InboundShipment,
    receipt: LineReceipt,
    actor: Principal,
    now: datetime,
) -> None:
    await stock_ledger.receive_incoming(
        uow,
        sku=receipt.line.sku,
        warehouse_id=shipment.warehouse_id,
        quantity=receipt.quantity,
        expected=receipt.expected,
        actor=actor.actor,
        reference=shipment.number,
        now=now,
    )


async def cancel_inbound_shipment(
    deps: Deps, actor: Principal, *, shipment_id: int, idempotency_key: str | None = None
) -> InboundShipment:
    """Close an open shipment; what was still outstanding is no longer incoming."""
    actor.require(Scope.INVENTORY_WRITE)

    async def run(uow: UnitOfWork) -> InboundShipment:
        shipment = await _open_shipment(uow, shipment_id)
        now = deps.clock.now()
        for line, outstanding in sorted(shipment.cancel(now), key=lambda x: x[0].sku):
            await stock_ledger.cancel_incoming(
                uow,
                sku=line.sku,
                warehouse_id=shipment.warehouse_id,
                quantity=outstanding,
                actor=actor.actor,
                reference=shipment.number,
                now=now,
            )
        await uow.inbound.save(shipment)
        uow.record(_event("cancelled", shipment, actor))
        return shipment

    return await run_command(
        deps,
        actor,
        operation="cancelInboundShipment",
        request={"id": shipment_id},
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )
