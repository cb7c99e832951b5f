"""Use cases for carrier services: create, update (versioned), and the validation both share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from ordergraph.domain.carrier_services import (
    CarrierCandidate,
    CarrierChoice,
    CarrierLane,
    CarrierService,
    ChosenBy,
    Cutoff,
    RateBracket,
    choose_carrier,
    delivery_window,
)
from ordergraph.domain.carriers import CARRIERS
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.errors import Duplicate, InvalidInput, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_code, clean_country, clean_text, clean_timezone
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps

MAX_ITEMS = 200  # lanes, rate brackets, cut-offs or holidays per service


@dataclass(frozen=True, slots=True)
class LaneSpec:
    origin_region: str
    transit_days_min: int
    transit_days_max: int
    destination_country: str | None = None
    destination_region: str | None = None


@dataclass(frozen=True, slots=True)
class RateSpec:
    max_weight_grams: int
    amount: Decimal
    currency: str
    free_over: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CutoffSpec:
    warehouse_id: int
    local_time: str  # "15:30"
    timezone: str  # IANA


def _bounded(items: Sequence[object], name: str) -> None:
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS}", field=[name], code="INVALID")


def clean_lanes(specs: Sequence[LaneSpec]) -> list[CarrierLane]:
    _bounded(specs, "lanes")
    lanes = []
    for i, spec in enumerate(specs):
        at = ["lanes", str(i)]
        if spec.destination_country is None and spec.destination_region is None:
            raise InvalidInput(
                "needs a destination country, region or both", field=at, code="REQUIRED"
            )
        if not 0 <= spec.transit_days_min <= spec.transit_days_max <= 60:
            raise InvalidInput(
                "transit days must satisfy 0 ≤ min ≤ max ≤ 60",
                field=[*at, "transitDaysMin"],
                code="INVALID_QUANTITY",
            )
        lanes.append(
            CarrierLane(
                clean_code(spec.origin_region, [*at, "originRegion"]),
                clean_country(spec.destination_country, [*at, "destinationCountry"])
                if spec.destination_country is not None
                else None,
                clean_code(spec.destination_region, [*at, "destinationRegion"])
                if spec.destination_region is not None
                else None,
                spec.transit_days_min,
                spec.transit_days_max,
            )
        )
    return lanes


def clean_rates(specs: Sequence[RateSpec]) -> list[RateBracket]:
    _bounded(specs, "rates")
    rates = []
    for i, spec in enumerate(specs):
        at = ["rates", str(i)]
        if not 0 < spec.max_weight_grams <= 1_000_000:
            raise InvalidInput(
                "must be 1 to 1,000,000 grams",
                field=[*at, "maxWeightGrams"],
                code="INVALID_QUANTITY",
            )
        price = Money.parse(spec.amount, spec.currency, [*at, "price"])
        free = (
            Money.parse(spec.free_over, spec.currency, [*at, "freeOver"])
            if spec.free_over is not None
            else None
        )
        if price.minor_units < 0 or (free is not None and free.minor_units < 0):
            raise InvalidInput("must not be negative", field=[*at, "price"], code="INVALID_AMOUNT")
        rates.append(RateBracket(spec.max_weight_grams, price, free))
    return rates


async def clean_cutoffs(uow: UnitOfWork, specs: Sequence[CutoffSpec]) -> list[Cutoff]:
    _bounded(specs, "cutoffs")
    cutoffs = []
    for i, spec in enumerate(specs):
        at = ["cutoffs", str(i)]
        if await uow.warehouses.get(spec.warehouse_id) is None:
            raise NotFound("no such warehouse", field=[*at, "warehouseId"])
        try:
            local = time.fromisoformat(spec.local_time)
        except ValueError as exc:
            raise InvalidInput("must be a time such as 15:30", field=[*at, "time"]) from exc
        zone = clean_timezone(spec.timezone, [*at, "timezone"])
        if zone is None:
            raise InvalidInput("is required", field=[*at, "timezone"], code="REQUIRED")
        cutoffs.append(Cutoff(spec.warehouse_id, local.replace(second=0, microsecond=0), zone))
    return cutoffs


def clean_calendar(working_days: Sequence[int], holidays: Sequence[date]) -> None:
    if not working_days or any(not 1 <= d <= 7 for d in working_days):
        raise InvalidInput(
            "ISO weekdays 1 (Monday) to 7, at least one", field=["workingDays"], code="INVALID"
        )
    _bounded(holidays, "holidays")


def clean_carrier(code: str) -> str:
    normalized = clean_text(code, ["carrier"], max_length=32).upper().replace(" ", "_")
    if normalized not in CARRIERS:
        known = ", ".join(sorted(CARRIERS))
        raise InvalidInput(f"must be one of {known}", field=["carrier"], code="UNKNOWN_CARRIER")
    return normalized


def _event(kind: str, service: CarrierService, actor: Principal) -> DomainEvent:
    assert service.id is not None
    payload = {"carrier": service.carrier, "service": service.service, "version": service.version}
    return DomainEvent(
        f"carrier_service.{kind}", "CarrierService", service.id, payload, actor=actor.actor
    )


async def create_carrier_service(
    deps: Deps,
    actor: Principal,
    *,
    carrier: str,
    service: str,
    lanes: Sequence[LaneSpec],
    rates: Sequence[RateSpec],
    cutoffs: Sequence[CutoffSpec] = (),
    working_days: Sequence[int] = (1, 2, 3, 4, 5),
    holidays: Sequence[date] = (),
    active: bool = True,
) -> CarrierService:
    """A new service; (carrier, service) is unique (``DUPLICATE``)."""
    actor.require(Scope.SHIPPING_WRITE)
    code = clean_carrier(carrier)
    name = clean_code(service, ["service"], max_length=100)
    clean_calendar(working_days, holidays)
    built_lanes, built_rates = clean_lanes(lanes), clean_rates(rates)

    async def run(uow: UnitOfWork) -> CarrierService:
        if await uow.carrier_services.find(code, name) is not None:
            raise Duplicate(f"{code} {name} exists already", field=["service"])
        now = deps.clock.now()
        created = CarrierService(
            id=None,
            carrier=code,
            service=name,
            active=active,
            lanes=built_lanes,
            rates=built_rates,
            cutoffs=await clean_cutoffs(uow, cutoffs),
            working_days=frozenset(working_days),
            holidays=frozenset(holidays),
            created_at=now,
            updated_at=now,
        )
        await uow.carrier_services.add(created)
        uow.record(_event("created", created, actor))
        return created

    return await in_transaction(deps, run)


async def update_carrier_service(
    deps: Deps,
    actor: Principal,
    *,
    service_id: int,
    expected_version: int | None = None,
    active: bool | None = None,
    lanes: Sequence[LaneSpec] | None = None,
    rates: Sequence[RateSpec] | None = None,
    cutoffs: Sequence[CutoffSpec] | None = None,
    working_days: Sequence[int] | None = None,
    holidays: Sequence[date] | None = None,
) -> CarrierService:
    """Change what is given (a list replaces the old one); ``CONFLICT`` on a stale version."""
    actor.require(Scope.SHIPPING_WRITE)
    new_lanes = clean_lanes(lanes) if lanes is not None else None
    new_rates = clean_rates(rates) if rates is not None else None

    async def run(uow: UnitOfWork) -> CarrierService:
        found = await uow.carrier_services.get(service_id)
        if found is None:
            raise NotFound("no such carrier service", field=["id"])
        check_version(expected_version, found.version, "carrier service")
        previous = found.version
        if active is not None:
            found.active = active
        if new_lanes is not None:
            found.lanes = new_lanes
        if new_rates is not None:
            found.rates = new_rates
        if cutoffs is not None:
            found.cutoffs = await clean_cutoffs(uow, cutoffs)
        if working_days is not None or holidays is not None:
            days = working_days if working_days is not None else sorted(found.working_days)
            off = holidays if holidays is not None else sorted(found.holidays)
            clean_calendar(days, off)
            found.working_days, found.holidays = frozenset(days), frozenset(off)
        found.version += 1
        found.updated_at = deps.clock.now()
        if not await uow.carrier_services.update(found, previous_version=previous):
            raise ChangedConcurrently("carrier service changed concurrently")
        uow.record(_event("updated", found, actor))
        return found

    return await in_transaction(deps, run)


async def choose_carrier_service(
    uow: UnitOfWork,
    deps: Deps,
    *,
    order: Order,
    warehouse: Warehouse,
    weight_grams: int,
    now: datetime,
) -> CarrierChoice | None:
    """For ``shipFulfillment`` without a carrier: every active service serving the lane from
    ``warehouse`` to the order's address, priced and estimated, then the policy's pick (the
    service the customer chose at checkout, or a rule chose since, where it serves the lane).
    None: no service."""
    assert warehouse.id is not None
    assert order.id is not None
    to = order.shipping_address
    services = [
        s
        for s in await uow.carrier_services.list_active()
        if s.serves(warehouse.region, to.region, to.country_code)
    ]
    if not services:
        return None
    history = await uow.carrier_services.transit_history(
        [warehouse.region], to.country_code, to.region, now
    )
    option = await uow.carrier_services.order_option(order.id)
    candidates = []
    for service in services:
        price = service.price(weight_grams, order.subtotal)
        if price is None:
            continue
        lane = service.lane_for(warehouse.region, to.region, to.country_code)
        window = delivery_window(
            service,
            lane,
            service.pickup(warehouse.id, now),
            history.get((service.carrier, service.service, warehouse.region)),
            timezone=service.cutoff_at(warehouse.id).timezone,
        )
        promise = order.promised_delivery_at
        candidates.append(
            CarrierCandidate(
                service, price, window.latest, promise is None or window.latest <= promise
            )
        )
    preferred = (
        option.carrier_service_id
        if option is not None and option.chosen_by in (ChosenBy.CUSTOMER, ChosenBy.RULE)
        else None
    )
    by_rule = option is not None and option.chosen_by is ChosenBy.RULE
    return choose_carrier(
        candidates,
        deps.policy.carrier_policy,
        preferred_service_id=preferred,
        preferred_by="an automation rule" if by_rule else "the customer at checkout",
    )
