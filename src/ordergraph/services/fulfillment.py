"""Use cases for the warehouse floor: start picking, mark packed, ship.

Each locks the order row first, then the fulfillment, so two fulfillments of one order never
deadlock; every step checks the order's holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ordergraph.domain.carriers import resolve_carrier
from ordergraph.domain.errors import InsufficientStock, InvalidInput, NotFound
from ordergraph.domain.fulfillments import Fulfillment, FulfillmentStatus
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.promises import Lane, promised_delivery
from ordergraph.domain.shipments import Shipment, ShipmentLine, ShipmentStatus
from ordergraph.domain.validation import clean_text, optional_text
from ordergraph.services import stock_ledger
from ordergraph.services.authorizations import capture_shipment
from ordergraph.services.carrier_events import apply_unmatched_carrier_events
from ordergraph.services.carrier_services import choose_carrier_service
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish


@dataclass(frozen=True, slots=True)
class FulfillmentStep:
    fulfillment: Fulfillment
    order: Order
    shipment: Shipment | None = None


async def _lock(uow: UnitOfWork, fulfillment_id: int) -> tuple[Order, Fulfillment]:
    peek = await uow.fulfillments.get(fulfillment_id)
    if peek is None:
        raise NotFound("no such fulfillment", field=["fulfillmentId"])
    order = await uow.orders.get(peek.order_id, for_update=True)
    fulfillment = await uow.fulfillments.get(fulfillment_id, for_update=True)
    assert order is not None
    assert fulfillment is not None
    return order, fulfillment


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> FulfillmentStep:
    fulfillment = await uow.fulfillments.get(result["fulfillment"])
    assert fulfillment is not None
    order = await uow.orders.get(fulfillment.order_id)
    assert order is not None
    shipment = await uow.shipments.get(result["shipment"]) if result.get("shipment") else None
    return FulfillmentStep(fulfillment, order, shipment)


def _remember(step: FulfillmentStep) -> dict[str, Any]:
    return {
        "fulfillment": step.fulfillment.id,
        "shipment": step.shipment.id if step.shipment else None,
    }


async def _floor_step(
    deps: Deps,
    actor: Principal,
    fulfillment_id: int,
    idempotency_key: str | None,
    operation: str,
    event: str,
    move: Callable[[Order, Fulfillment, datetime], None],
) -> FulfillmentStep:
    """One warehouse-floor step: lock, check holds, move, record ``event``, save."""
    actor.require(Scope.FULFILLMENT_WRITE)

    async def run(uow: UnitOfWork) -> FulfillmentStep:
        now = deps.clock.now()
        order, fulfillment = await _lock(uow, fulfillment_id)
        order.ensure_not_on_hold()
        move(order, fulfillment, now)
        order.record(event, actor.actor, {"fulfillmentId": fulfillment_id})
        await uow.fulfillments.save(fulfillment)
        await uow.orders.save(order)
        publish(uow, order)
        return FulfillmentStep(fulfillment, order)

    return await run_command(
        deps,
        actor,
        operation=operation,
        request={"f": fulfillment_id},
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def start_picking(
    deps: Deps, actor: Principal, *, fulfillment_id: int, idempotency_key: str | None = None
) -> FulfillmentStep:
    """PENDING → PICKING; the order becomes PROCESSING."""

    def move(order: Order, fulfillment: Fulfillment, now: datetime) -> None:
        fulfillment.start_picking(now)
        order.start_processing(now, actor.actor)

    return await _floor_step(
        deps, actor, fulfillment_id, idempotency_key, "startPicking", "fulfillment.picking", move
    )


async def mark_packed(
    deps: Deps, actor: Principal, *, fulfillment_id: int, idempotency_key: str | None = None
) -> FulfillmentStep:
    """PICKING → PACKED."""

    def move(_order: Order, fulfillment: Fulfillment, now: datetime) -> None:
        fulfillment.mark_packed(now)

    return await _floor_step(
        deps, actor, fulfillment_id, idempotency_key, "markPacked", "fulfillment.packed", move
    )


async def ship_fulfillment(
    deps: Deps,
    actor: Principal,
    *,
    fulfillment_id: int,
    carrier: str | None,
    tracking_number: str,
    service: str | None = None,
    tracking_url: str | None = None,
    lines: dict[int, int] | None = None,
    idempotency_key: str | None = None,
) -> FulfillmentStep:
    """Ship all (or ``lines``: fulfillment line id → units) of a PACKED fulfillment.

    Reserved stock becomes a SHIP movement (on hand and reserved both drop) in the same
    transaction; the shipment gets a tracking URL, a short code and a delivery promise.
    Without ``carrier``, the carrier policy picks a carrier service (``Shipment.carrierChoice``).
    """
    actor.require(Scope.FULFILLMENT_WRITE)
    tracking = clean_text(tracking_number, ["trackingNumber"], max_length=100)
    service_name = optional_text(service, ["service"], max_length=100)
    given = (
        resolve_carrier(clean_text(carrier, ["carrier"], max_length=100), tracking, tracking_url)
        if carrier is not None
        else None
    )

    async def run(uow: UnitOfWork) -> FulfillmentStep:
        now = deps.clock.now()
        order, fulfillment = await _lock(uow, fulfillment_id)
        order.ensure_not_on_hold()
        shipping = fulfillment.ship(lines, now)
        by_id = {line.id: line for line in fulfillment.lines}
        for line_id, units in sorted(shipping.items(), key=lambda kv: by_id[kv[0]].sku):
            line = by_id[line_id]
            if not await stock_ledger.ship(
                uow,
                sku=line.sku,
                warehouse_id=fulfillment.warehouse_id,
                quantity=units,
                actor=actor.actor,
                reference=f"order:{order.number}",
                now=now,
            ):
                raise InsufficientStock(
                    f"{line.sku}: {units} units are not on hand yet (backordered)",
                    field=["lines"],
                )
        await uow.fulfillments.save(fulfillment)
        everything = all(
            f.status in {FulfillmentStatus.SHIPPED, FulfillmentStatus.CANCELLED}
            for f in await uow.fulfillments.for_order(fulfillment.order_id)
        )
        order.shipped(everything, now, actor.actor)
        warehouse = await uow.warehouses.get(fulfillment.warehouse_id)
        assert warehouse is not None
        destination = order.shipping_address
        days = deps.policy.transit.days(
            Lane(warehouse.region, warehouse.country_code),
            Lane(destination.region, destination.country_code),
        )
        promise = promised_delivery(now, timedelta(0), days)
        choice = None
        if given is not None:
            carrier_code, carrier_name, url = given
            chosen_service = service_name
        else:
            weights = await uow.products.get_many(sorted({by_id[i].sku for i in shipping}))
            choice = await choose_carrier_service(
                uow,
                deps,
                order=order,
                warehouse=warehouse,
                weight_grams=sum(
                    weights[by_id[i].sku].weight_grams * n for i, n in shipping.items()
                ),
                now=now,
            )
            if choice is None:
                raise InvalidInput(
                    "no carrier service serves this lane: name the carrier",
                    field=["carrier"],
                    code="CARRIER_REQUIRED",
                )
            picked = choice.chosen.service
            carrier_code, carrier_name, url = resolve_carrier(
                picked.carrier, tracking, tracking_url
            )
            chosen_service, promise = picked.service, choice.chosen.estimated_delivery_at
        shipment = Shipment(
            id=None,
            order_id=order.id or 0,
            fulfillment_id=fulfillment_id,
            warehouse_id=fulfillment.warehouse_id,
            carrier=carrier_code,
            carrier_name=carrier_name,
            service=chosen_service,
            tracking_number=tracking,
            tracking_url=url,
            code=deps.tracking_codes(),
            status=ShipmentStatus.LABEL_CREATED,
            shipped_at=now,
            promised_delivery_at=promise,
            delivered_at=None,
            lines=[
                ShipmentLine(line_id, by_id[line_id].order_line_id, by_id[line_id].sku, units)
                for line_id, units in shipping.items()
            ],
        )
        shipment.record(ShipmentStatus.LABEL_CREATED, now, warehouse.code, "label created", now)
        await uow.shipments.add(shipment)
        if choice is not None:
            assert shipment.id is not None
            await uow.carrier_services.record_carrier_choice(shipment.id, choice)
        order.record(
            "shipment.created",
            actor.actor,
            {
                "shipmentId": shipment.id,
                "fulfillmentId": fulfillment_id,
                "carrier": carrier_code,
                "trackingNumber": tracking,
            },
        )
        await uow.orders.save(order)
        publish(uow, order)
        return FulfillmentStep(fulfillment, order, shipment)

    step = await run_command(
        deps,
        actor,
        operation="shipFulfillment",
        request={
            "f": fulfillment_id,
            "c": carrier,
            "t": tracking_number,
            "s": service,
            "u": tracking_url,
            "l": sorted((lines or {}).items()),
        },
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )
    shipment = step.shipment
    if shipment is None:
        return step
    if await apply_unmatched_carrier_events(deps, shipment):  # tracking that came first
        async with deps.uow() as uow:
            step = await _recall(uow, _remember(step))
    captured = await capture_shipment(deps, actor, shipment)  # capture on shipment
    return replace(step, order=captured.order) if captured is not None else step
