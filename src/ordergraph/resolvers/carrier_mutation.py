"""Carrier service mutations (shipping:write, checked by the use cases)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from ordergraph.domain.carrier_services import CarrierService
from ordergraph.domain.errors import InvalidInput
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.carrier_io import (
    CarrierCutoffInput,
    CarrierLaneInput,
    CarrierRateInput,
    CarrierServicePayload,
    CreateCarrierServiceInput,
    UpdateCarrierServiceInput,
)
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.carrier_service import CarrierServiceType
from ordergraph.services import carrier_services
from ordergraph.services.carrier_services import CutoffSpec, LaneSpec, RateSpec


def _lanes(lanes: list[CarrierLaneInput]) -> list[LaneSpec]:
    return [
        LaneSpec(
            origin_region=lane.origin_region,
            transit_days_min=lane.transit_days_min,
            transit_days_max=lane.transit_days_max,
            destination_country=lane.destination_country,
            destination_region=lane.destination_region,
        )
        for lane in lanes
    ]


def _rates(rates: list[CarrierRateInput]) -> list[RateSpec]:
    specs = []
    for i, rate in enumerate(rates):
        free = None
        if rate.free_over is not None:
            try:
                free = Decimal(rate.free_over)
            except ArithmeticError as exc:
                raise InvalidInput(
                    "is not a decimal number", field=["rates", str(i), "freeOver"]
                ) from exc
        specs.append(RateSpec(rate.max_weight_grams, rate.price.amount, rate.price.currency, free))
    return specs


def _cutoffs(cutoffs: list[CarrierCutoffInput]) -> list[CutoffSpec]:
    return [
        CutoffSpec(
            input_id(c.warehouse_id, "Warehouse", ["cutoffs", str(i), "warehouseId"]),
            c.time,
            c.timezone,
        )
        for i, c in enumerate(cutoffs)
    ]


def _payload(done: CarrierService | None, errors: list[UserError]) -> CarrierServicePayload:
    if done is None:
        return CarrierServicePayload(user_errors=errors)
    return CarrierServicePayload(carrier_service=CarrierServiceType.from_domain(done))


@strawberry.type
class CarrierMutation:
    @strawberry.mutation(
        description="Add a carrier service with its lanes, rates, cut-offs and calendar "
        "(shipping:write). From then on it is offered by shippingOptions where it serves."
    )
    async def create_carrier_service(
        self, info: Info, input: CreateCarrierServiceInput
    ) -> CarrierServicePayload:
        actor = authenticated(info)

        async def run() -> CarrierService:
            return await carrier_services.create_carrier_service(
                info.context.deps,
                actor,
                carrier=input.carrier,
                service=input.service,
                lanes=_lanes(input.lanes),
                rates=_rates(input.rates),
                cutoffs=_cutoffs(input.cutoffs),
                working_days=input.working_days,
                holidays=input.holidays,
                active=input.active,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Change a carrier service (shipping:write); expectedVersion → CONFLICT. "
        "Options quoted before the change are no longer valid."
    )
    async def update_carrier_service(
        self, info: Info, input: UpdateCarrierServiceInput
    ) -> CarrierServicePayload:
        actor = authenticated(info)

        async def run() -> CarrierService:
            return await carrier_services.update_carrier_service(
                info.context.deps,
                actor,
                service_id=input_id(input.id, "CarrierService", ["id"]),
                expected_version=input.expected_version,
                active=input.active,
                lanes=_lanes(input.lanes) if input.lanes is not None else None,
                rates=_rates(input.rates) if input.rates is not None else None,
                cutoffs=_cutoffs(input.cutoffs) if input.cutoffs is not None else None,
                working_days=input.working_days,
                holidays=input.holidays,
            )

        return _payload(*await attempt(run))
