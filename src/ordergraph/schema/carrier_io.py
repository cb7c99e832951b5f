"""Inputs and payloads of the carrier service mutations."""

from __future__ import annotations

from datetime import date

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.types.carrier_service import CarrierServiceType
from ordergraph.schema.types.money import MoneyInput


@strawberry.input(description="From a warehouse region to a country, a region, or both.")
class CarrierLaneInput:
    origin_region: str
    transit_days_min: int
    transit_days_max: int
    destination_country: str | None = None
    destination_region: str | None = None


@strawberry.input(description="Parcels up to maxWeightGrams cost price (the smallest fits).")
class CarrierRateInput:
    max_weight_grams: int
    price: MoneyInput
    free_over: str | None = strawberry.field(
        default=None, description="Free from this order subtotal (a decimal, price's currency)."
    )


@strawberry.input(description="The carrier's daily pickup at a warehouse, in local time.")
class CarrierCutoffInput:
    warehouse_id: strawberry.ID
    time: str = strawberry.field(description="HH:MM, e.g. 15:30.")
    timezone: str = strawberry.field(description="IANA, e.g. Europe/Amsterdam.")


@strawberry.input
class CreateCarrierServiceInput:
    carrier: str = strawberry.field(description="A carrier code: DHL, UPS, POSTNL, DPD, …")
    service: str = strawberry.field(description="EXPRESS, STANDARD, ECONOMY, …")
    lanes: list[CarrierLaneInput]
    rates: list[CarrierRateInput]
    cutoffs: list[CarrierCutoffInput] = strawberry.field(
        default_factory=list, description="Per warehouse; default 16:00 UTC."
    )
    working_days: list[int] = strawberry.field(
        default_factory=lambda: [1, 2, 3, 4, 5], description="ISO weekdays, Monday = 1."
    )
    holidays: list[date] = strawberry.field(default_factory=list)
    active: bool = True


@strawberry.input(description="Absent fields stay; a given list replaces the old one.")
class UpdateCarrierServiceInput:
    id: strawberry.ID
    expected_version: int | None = None
    active: bool | None = None
    lanes: list[CarrierLaneInput] | None = None
    rates: list[CarrierRateInput] | None = None
    cutoffs: list[CarrierCutoffInput] | None = None
    working_days: list[int] | None = None
    holidays: list[date] | None = None


@strawberry.type
class CarrierServicePayload:
    carrier_service: CarrierServiceType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
