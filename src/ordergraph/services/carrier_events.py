"""Carrier webhooks, the use case: one verified, normalized event → at most one shipment event.

Each event is claimed by (source, event id) in the transaction that applies it, so a
redelivery (or a twin racing it) changes nothing. A matched event goes through the same
``apply_shipment_event`` as ``recordShipmentEvent``: an older event is stored but never moves
the shipment back, DELIVERED on every parcel delivers the order, and the customer's mail follows
from the events as it does for staff. A returned or failed parcel also holds the order
(DELIVERY_EXCEPTION) and tells staff (``shipment.exception``). Unknown tracking numbers are kept
(UNMATCHED) and listed for staff, until a shipment with that tracking number is made: then they
apply (``apply_unmatched_carrier_events``, run by ``shipFulfillment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.carrier_events import CarrierEvent, CarrierEventOutcome
from ordergraph.domain.errors import DomainError, InvalidInput
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
        return await _apply(uow, row_id, event, shipment_id, now, now)

    return await in_transaction(deps, run)


async def apply_unmatched_carrier_events(deps: Deps, shipment: Shipment) -> int:
    """Events that came before their shipment (no shipment had the tracking number yet) apply
    now, oldest first: the carrier's first word beats our LABEL_CREATED whatever its time, the
    rest follow the usual rule. Returns how many moved the shipment. A failure leaves them
    listed as unmatched."""
    assert shipment.id is not None
    shipment_id = shipment.id
    async with deps.uow() as look:  # nearly always nothing: then no write transaction at all
        if not await look.carrier_events.unmatched_for_tracking(shipment.tracking_number):
            return 0

    async def run(uow: UnitOfWork) -> int:
        now = deps.clock.now()
        moved = 0
        for row_id, event, received_at in await uow.carrier_events.unmatched_for_tracking(
            shipment.tracking_number
        ):
            try:
                receipt = await _apply(
                    uow, row_id, event, shipment_id, received_at, now, came_before_label=True
                )
            except InvalidInput:
                continue  # an occurredAt still in the future: it stays unmatched
            moved += receipt.outcome is CarrierEventOutcome.APPLIED
        return moved

    try:
        return await in_transaction(deps, run)
    except DomainError:  # e.g. a Conflict: the events stay listed for staff
        return 0


async def _apply(
    uow: UnitOfWork,
    row_id: int,
    event: CarrierEvent,
    shipment_id: int,
    received_at: datetime,
    now: datetime,
    *,
    came_before_label: bool = False,
) -> CarrierEventReceipt:
    """One claimed event through ``apply_shipment_event``, then settled on its row."""
    assert event.status is not None
    actor = carrier_actor(event.source)
    update = await apply_shipment_event(
        uow,
        now,
        actor,
        shipment_id,
        event.status,
        event.occurred_at or received_at,
        event.location,
        event.description,
        came_before_label=came_before_label,
    )
    if update.applied and event.needs_staff:
        _tell_staff(update.order, update.shipment, event, actor, now)
    await uow.orders.save(update.order)
    publish(uow, update.order)
    outcome = CarrierEventOutcome.APPLIED if update.applied else CarrierEventOutcome.STALE
    await uow.carrier_events.settle(row_id, outcome, shipment_id)
    return CarrierEventReceipt(outcome, shipment_id, update.order.id)


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
