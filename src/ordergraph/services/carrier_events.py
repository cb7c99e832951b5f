"""Carrier webhooks, the use case: one verified, normalized event → at most one shipment event.

Each event is claimed by (source, event id) in the transaction that applies it, so a
redelivery (or a twin racing it) changes nothing. A matched event goes through the same
``apply_shipment_event`` as ``recordShipmentEvent``: an older event is stored but never moves
the shipment back, DELIVERED on every parcel delivers the order, and the customer's mail follows
from the events as it does for staff. A returned or failed parcel also holds the order
(DELIVERY_EXCEPTION) and tells staff (``shipment.exception``). Unknown tracking numbers are kept
(UNMATCHED) and listed for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.carrier_events import CarrierEvent, CarrierEventOutcome
from ordergraph.domain.orders import Hold, HoldType, Order, OrderStatus
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.shipments import Shipment
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.shipments import apply_shipment_event

# the order can still be held: a parcel of it is out there, and the order is not finished
HOLDABLE = frozenset({OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED})


@dataclass(frozen=True, slots=True)
class CarrierEventReceipt:
    outcome: CarrierEventOutcome
    shipment_id: int | None = None
    order_id: int | None = None


def carrier_actor(source: str) -> Principal:
    """Who a carrier's events are recorded as: a carrier integration (shipments:write only)."""
    return Principal(
        role=Role.STAFF, scopes=frozenset({Scope.SHIPMENTS_WRITE}), name=f"carrier-{source}"
    )


async def receive_carrier_event(deps: Deps, event: CarrierEvent) -> CarrierEventReceipt:
    actor = carrier_actor(event.source)

    async def run(uow: UnitOfWork) -> CarrierEventReceipt:
        now = deps.clock.now()
        row_id = await uow.carrier_events.claim(event, now)
        if row_id is None:
            return CarrierEventReceipt(CarrierEventOutcome.DUPLICATE)
        if event.status is None:
            await uow.carrier_events.settle(row_id, CarrierEventOutcome.IGNORED, None)
            return CarrierEventReceipt(CarrierEventOutcome.IGNORED)
        shipment_id = await uow.carrier_events.shipment_for_tracking(event.tracking_number)
        if shipment_id is None:
            return CarrierEventReceipt(CarrierEventOutcome.UNMATCHED)  # the row says so already
        update = await apply_shipment_event(
            uow,
            now,
            actor,
            shipment_id,
            event.status,
            event.occurred_at or now,
            event.location,
            event.description,
        )
        if update.applied and event.needs_staff:
            _tell_staff(update.order, update.shipment, event, actor, now)
        await uow.orders.save(update.order)
        publish(uow, update.order)
        outcome = CarrierEventOutcome.APPLIED if update.applied else CarrierEventOutcome.STALE
        await uow.carrier_events.settle(row_id, outcome, shipment_id)
        return CarrierEventReceipt(outcome, shipment_id, update.order.id)

    return await in_transaction(deps, run)


def _tell_staff(
    order: Order, shipment: Shipment, event: CarrierEvent, actor: Principal, now: datetime
) -> None:
    """Hold the order (once: a second failure adds no second hold) and record
    ``shipment.exception`` for the timeline, subscriptions and webhooks."""
    reason = f"{event.source} reports {event.carrier_status} for {shipment.tracking_number}"
    if event.description:
        reason = f"{reason}: {event.description}"
    already = any(h.type is HoldType.DELIVERY_EXCEPTION for h in order.active_holds)
    if order.status in HOLDABLE and not already:
        hold = Hold(None, HoldType.DELIVERY_EXCEPTION, reason[:500], now, actor.actor)
        order.place_hold(hold, now)
    order.record(
        "shipment.exception",
        actor.actor,
        {
            "shipmentId": shipment.id,
            "trackingNumber": shipment.tracking_number,
            "status": shipment.status.value,
            "carrierStatus": event.carrier_status,
            "source": event.source,
            "description": event.description,
        },
    )
