"""A carrier service with its lanes, rate brackets, cut-offs and calendar."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ordergraph.domain.carrier_services import CarrierService
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType


@strawberry.type(name="CarrierLane")
class CarrierLaneType:
    origin_region: str
    destination_country: str | None
    destination_region: str | None
    transit_days_min: int
    transit_days_max: int


@strawberry.type(name="CarrierRate", description="Parcels up to maxWeightGrams cost price.")
class CarrierRateType:
    max_weight_grams: int
    price: MoneyType
    free_over: MoneyType | None = strawberry.field(description="Free from this order subtotal.")


@strawberry.type(name="CarrierCutoff", description="The daily pickup at a warehouse.")
class CarrierCutoffType:
    warehouse_id: strawberry.ID
    time: str = strawberry.field(description="Local time, HH:MM.")
    timezone: str


@strawberry.type(
    name="CarrierService",
    description="A carrier's service (DHL EXPRESS): lanes from warehouse regions, a rate "
    "table by weight, cut-offs per warehouse, working days and holidays.",
)
class CarrierServiceType:
    id: strawberry.ID
    carrier: str
    service: str
    active: bool
    version: int
    lanes: list[CarrierLaneType]
    rates: list[CarrierRateType]
    cutoffs: list[CarrierCutoffType]
    working_days: list[int] = strawberry.field(description="ISO weekdays, Monday = 1.")
    holidays: list[date]
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, s: CarrierService) -> CarrierServiceType:
        assert s.id is not None
        return cls(
            id=strawberry.ID(encode_id("CarrierService", s.id)),
            carrier=s.carrier,
            service=s.service,
            active=s.active,
            version=s.version,
            lanes=[
                CarrierLaneType(
                    origin_region=lane.origin_region,
                    destination_country=lane.destination_country,
                    destination_region=lane.destination_region,
                    transit_days_min=lane.transit_days_min,
                    transit_days_max=lane.transit_days_max,
                )
                for lane in s.lanes
            ],
            rates=[
                CarrierRateType(
                    max_weight_grams=r.max_weight_grams,
                    price=MoneyType.from_domain(r.price),
                    free_over=MoneyType.from_domain(r.free_over) if r.free_over else None,
                )
                for r in s.rates
            ],
            cutoffs=[
                CarrierCutoffType(
                    warehouse_id=strawberry.ID(encode_id("Warehouse", c.warehouse_id)),
                    time=c.local_time.strftime("%H:%M"),
                    timezone=c.timezone,
                )
                for c in s.cutoffs
            ],
            working_days=sorted(s.working_days),
            holidays=sorted(s.holidays),
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
