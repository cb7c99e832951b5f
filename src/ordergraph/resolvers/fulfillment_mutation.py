"""Fulfillment and shipping mutations: pick, pack, ship, carrier events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.principals import Principal
from ordergraph.resolvers.common import attempt, deps_of, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.fulfillment_io import (
    FulfillmentInput,
    FulfillmentPayload,
    ShipFulfillmentInput,
    ShipFulfillmentPayload,
    ShipmentEventInput,
    ShipmentEventPayload,
)
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.shipment import ShipmentType
from ordergraph.services import fulfillment, shipments
from ordergraph.services.deps import Deps
from ordergraph.services.fulfillment import FulfillmentStep

Step = Callable[..., Awaitable[FulfillmentStep]]


async def _step(info: Info, input: FulfillmentInput, step: Step) -> FulfillmentPayload:
    actor: Principal = authenticated(info)
    deps: Deps = info.context.deps

    async def run() -> FulfillmentStep:
        return await step(
            deps,
            actor,
            fulfillment_id=input_id(input.fulfillment_id, "Fulfillment", ["fulfillmentId"]),
            idempotency_key=input.idempotency_key,
        )

    done, errors = await attempt(run)
    if done is None:
        return FulfillmentPayload(user_errors=errors)
    return FulfillmentPayload(
        fulfillment=FulfillmentType.from_domain(done.fulfillment),
        order=OrderType.from_domain(done.order),
    )


def _lines(input: ShipFulfillmentInput) -> dict[int, int] | None:
    if input.lines is None:
        return None
    if len(input.lines) > 250:
        raise InvalidInput("at most 250 lines", field=["lines"], code="TOO_MANY_LINES")
    lines: dict[int, int] = {}
    for index, line in enumerate(input.lines):
        line_id = input_id(
            line.fulfillment_line_id, "FulfillmentLine", ["lines", str(index), "fulfillmentLineId"]
        )
        lines[line_id] = lines.get(line_id, 0) + line.quantity
    return lines


@strawberry.type
class FulfillmentMutation:
    @strawberry.mutation(description="PENDING → PICKING; the order becomes PROCESSING.")
    async def start_picking(self, info: Info, input: FulfillmentInput) -> FulfillmentPayload:
        return await _step(info, input, fulfillment.start_picking)

    @strawberry.mutation(description="PICKING → PACKED.")
    async def mark_packed(self, info: Info, input: FulfillmentInput) -> FulfillmentPayload:
        return await _step(info, input, fulfillment.mark_packed)

    @strawberry.mutation(
        description="Ship a PACKED fulfillment (all of it, or some lines): stock leaves the "
        "warehouse (SHIP movements), a shipment with tracking URL and short link is created."
    )
    async def ship_fulfillment(
        self, info: Info, input: ShipFulfillmentInput
    ) -> ShipFulfillmentPayload:
        actor = authenticated(info)

        async def run() -> FulfillmentStep:
            return await fulfillment.ship_fulfillment(
                deps_of(info, input.notify_customer),
                actor,
                fulfillment_id=input_id(input.fulfillment_id, "Fulfillment", ["fulfillmentId"]),
                carrier=input.carrier,
                tracking_number=input.tracking_number,
                service=input.service,
                tracking_url=input.tracking_url,
                lines=_lines(input),
                idempotency_key=input.idempotency_key,
            )

        done, errors = await attempt(run)
        if done is None:
            return ShipFulfillmentPayload(user_errors=errors)
        assert done.shipment is not None
        return ShipFulfillmentPayload(
            shipment=ShipmentType.from_domain(done.shipment),
            fulfillment=FulfillmentType.from_domain(done.fulfillment),
            order=OrderType.from_domain(done.order),
        )

    @strawberry.mutation(
        description="A carrier event (staff, or a carrier integration token with "
        "shipments:write). Older events are stored but never move the status backwards."
    )
    async def record_shipment_event(
        self, info: Info, input: ShipmentEventInput
    ) -> ShipmentEventPayload:
        actor = authenticated(info)

        async def run() -> shipments.ShipmentUpdate:
            return await shipments.record_shipment_event(
                deps_of(info, input.notify_customer),
                actor,
                shipment_id=input_id(input.shipment_id, "Shipment", ["shipmentId"]),
                status=input.status,
                occurred_at=input.occurred_at,
                location=input.location,
                description=input.description,
                idempotency_key=input.idempotency_key,
            )

        done, errors = await attempt(run)
        if done is None:
            return ShipmentEventPayload(user_errors=errors)
        return ShipmentEventPayload(
            shipment=ShipmentType.from_domain(done.shipment),
            order=OrderType.from_domain(done.order),
        )
