"""Use cases for parcels on the way: carrier events, delivery, and orders at risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import Forbidden, NotFound
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM, Principal, Scope
from ordergraph.domain.shipments import Shipment, ShipmentStatus
from ordergraph.domain.validation import optional_text
from ordergraph.services.authorizations import flag_expiring_authorizations
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.settlement import retry_compensations


@dataclass(frozen=True, slots=True)
class ShipmentUpdate:
    shipment: Shipment
    order: Order
    applied: bool = True  # False: stored, but older than the shipment's status


async def record_shipment_event(
    deps: Deps,
    actor: Principal,
    *,
    shipment_id: int,
    status: ShipmentStatus,
    occurred_at: datetime,
    location: str | None = None,
    description: str | None = None,
    idempotency_key: str | None = None,
) -> ShipmentUpdate:
    """Append a carrier event; when every shipment of a shipped order is delivered, the order
    is DELIVERED. An EXCEPTION flags the order at risk."""
    if not (actor.can(Scope.FULFILLMENT_WRITE) or actor.can(Scope.SHIPMENTS_WRITE)):
        raise Forbidden("recording shipment events needs fulfillment:write or shipments:write")
    where = optional_text(location, ["location"], max_length=200)
    note = optional_text(description, ["description"], max_length=500)

    async def run(uow: UnitOfWork) -> ShipmentUpdate:
        now = deps.clock.now()
        update = await apply_shipment_event(
            uow, now, actor, shipment_id, status, occurred_at, where, note
        )
        await uow.orders.save(update.order)
        publish(uow, update.order)
        return update

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> ShipmentUpdate:
        shipment = await uow.shipments.get(result["shipment"])
        assert shipment is not None
        order = await uow.orders.get(shipment.order_id)
        assert order is not None
        return ShipmentUpdate(shipment, order)

    return await run_command(
        deps,
        actor,
        operation="recordShipmentEvent",
        request={
            "s": shipment_id,
            "status": status.value,
            "at": occurred_at.isoformat(),
            "where": location,
            "what": description,
        },
        run=run,
        remember=lambda u: {"shipment": u.shipment.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


async def apply_shipment_event(
    uow: UnitOfWork,
    now: datetime,
    actor: Principal,
    shipment_id: int,
    status: ShipmentStatus,
    occurred_at: datetime,
    location: str | None,
    description: str | None,
    *,
    came_before_label: bool = False,
) -> ShipmentUpdate:
    """The one path every shipment event takes (staff, carrier integrations, carrier webhooks):
    lock the order then the shipment, store the event (an older one is kept but not applied),
    record ``shipment.event``, flag an EXCEPTION at risk, deliver the order once every parcel is
    DELIVERED. The caller saves and publishes the order."""
    peek = await uow.shipments.get(shipment_id)
    if peek is None:
        raise NotFound("no such shipment", field=["shipmentId"])
    order = await uow.orders.get(peek.order_id, for_update=True)
    shipment = await uow.shipments.get(shipment_id, for_update=True)
    assert order is not None
    assert shipment is not None
    event = shipment.record(
        status, occurred_at, location, description, now, came_before_label=came_before_label
    )
    await uow.shipments.save(shipment)
    order.record(
        "shipment.event",
        actor.actor,
        {
            "shipmentId": shipment_id,
            "status": status.value,
            "applied": event.applied,
            "occurredAt": occurred_at.isoformat(),
        },
    )
    if event.applied and status is ShipmentStatus.EXCEPTION:
        order.flag_at_risk(["SHIPMENT_EXCEPTION"], now, actor.actor)
    if event.applied and status is ShipmentStatus.DELIVERED:
        await _deliver_if_complete(uow, order, now, actor)
    return ShipmentUpdate(shipment, order, event.applied)


async def _deliver_if_complete(
    uow: UnitOfWork, order: Order, now: datetime, actor: Principal
) -> None:
    if order.status is not OrderStatus.SHIPPED:
        return  # units still to ship: the order is delivered when the last parcel is
    shipments = await uow.shipments.for_order(order.id or 0)
    if shipments and all(s.status is ShipmentStatus.DELIVERED for s in shipments):
        delivered = max(s.delivered_at or now for s in shipments)
        order.delivered(delivered, now, actor.actor)


async def flag_orders_at_risk(deps: Deps, *, limit: int = 200) -> int:
    """Flag orders not shipped by their ship-by time, with a parcel past its promised date,
    or with a parcel in EXCEPTION; each new reason records an ``order.at_risk`` event once."""
    async with deps.uow() as uow:
        now = deps.clock.now()
        flagged = 0
        for order_id, reasons in (await uow.risks.at_risk_candidates(now, limit)).items():
            order = await uow.orders.get(order_id, for_update=True)
            if order is not None and order.flag_at_risk(reasons, now, SYSTEM.actor):
                await uow.orders.save(order)
                publish(uow, order)
                flagged += 1
        await uow.commit()
    flagged += await flag_expiring_authorizations(deps, limit=limit)
    await retry_compensations(deps)  # money that an outage kept us from giving back
    return flagged
