"""Carrier services with their lanes and rates; the options orders and shipments record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.queries.transit_history import transit_history
from ordergraph.db.tables import (
    carrier_service_lanes,
    carrier_service_rates,
    carrier_services,
    order_shipping_options,
    shipment_carrier_choices,
)
from ordergraph.domain.carrier_services import (
    CarrierChoice,
    CarrierLane,
    CarrierService,
    ChosenBy,
    Cutoff,
    DeliveryWindow,
    OrderShippingOption,
    RateBracket,
    TransitStats,
    WindowBasis,
)
from ordergraph.domain.money import Money


def _service_row(service: CarrierService) -> dict[str, Any]:
    return {
        "carrier": service.carrier,
        "service": service.service,
        "active": service.active,
        "working_days": sorted(service.working_days),
        "holidays": sorted(day.isoformat() for day in service.holidays),
        "cutoffs": [
            {
                "warehouseId": c.warehouse_id,
                "time": c.local_time.strftime("%H:%M"),
                "timezone": c.timezone,
            }
            for c in service.cutoffs
        ],
        "created_at": service.created_at,
        "updated_at": service.updated_at,
        "version": service.version,
    }


async def load_services(
    conn: AsyncConnection, where: sa.ColumnElement[bool] | None = None
) -> list[CarrierService]:
    """Services (by id) with their lanes and rates: three statements for any number."""
    stmt = sa.select(carrier_services).order_by(carrier_services.c.id)
    if where is not None:
        stmt = stmt.where(where)
    rows = (await conn.execute(stmt)).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    lanes: dict[int, list[CarrierLane]] = {i: [] for i in ids}
    for m in (
        await conn.execute(
            sa.select(carrier_service_lanes)
            .where(carrier_service_lanes.c.carrier_service_id.in_(ids))
            .order_by(carrier_service_lanes.c.id)
        )
    ).mappings():
        lanes[m["carrier_service_id"]].append(
            CarrierLane(
                m["origin_region"],
                m["destination_country"],
                m["destination_region"],
                m["transit_days_min"],
                m["transit_days_max"],
            )
        )
    rates: dict[int, list[RateBracket]] = {i: [] for i in ids}
    for m in (
        await conn.execute(
            sa.select(carrier_service_rates)
            .where(carrier_service_rates.c.carrier_service_id.in_(ids))
            .order_by(carrier_service_rates.c.id)
        )
    ).mappings():
        free = m["free_over_minor"]
        rates[m["carrier_service_id"]].append(
            RateBracket(
                m["max_weight_grams"],
                Money(m["price_minor"], m["currency"]),
                Money(free, m["currency"]) if free is not None else None,
            )
        )
    return [
        CarrierService(
            id=r["id"],
            carrier=r["carrier"],
            service=r["service"],
            active=r["active"],
            lanes=lanes[r["id"]],
            rates=rates[r["id"]],
            cutoffs=[
                Cutoff(c["warehouseId"], time.fromisoformat(c["time"]), c["timezone"])
                for c in r["cutoffs"]
            ],
            working_days=frozenset(r["working_days"]),
            holidays=frozenset(date.fromisoformat(d) for d in r["holidays"]),
            version=r["version"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


def option_from_row(m: sa.RowMapping) -> OrderShippingOption:
    return OrderShippingOption(
        carrier_service_id=m["carrier_service_id"],
        carrier=m["carrier"],
        service=m["service"],
        chosen_by=ChosenBy(m["chosen_by"]),
        price=Money(m["price_minor"], m["currency"]),
        window=DeliveryWindow(m["earliest"], m["latest"], WindowBasis(m["basis"])),
    )


class SqlCarrierServiceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _write_children(self, service: CarrierService) -> None:
        assert service.id is not None
        if service.lanes:
            await self._conn.execute(
                sa.insert(carrier_service_lanes),
                [{"carrier_service_id": service.id, **asdict(lane)} for lane in service.lanes],
            )
        if service.rates:
            await self._conn.execute(
                sa.insert(carrier_service_rates),
                [
                    {
                        "carrier_service_id": service.id,
                        "max_weight_grams": r.max_weight_grams,
                        "price_minor": r.price.minor_units,
                        "currency": r.price.currency,
                        "free_over_minor": r.free_over.minor_units if r.free_over else None,
                    }
                    for r in service.rates
                ],
            )

    async def add(self, service: CarrierService) -> CarrierService:
        service.id = await self._conn.scalar(
            sa.insert(carrier_services)
            .values(**_service_row(service))
            .returning(carrier_services.c.id)
        )
        await self._write_children(service)
        return service

    async def get(self, service_id: int) -> CarrierService | None:
        found = await load_services(self._conn, carrier_services.c.id == service_id)
        return found[0] if found else None

    async def find(self, carrier: str, service: str) -> CarrierService | None:
        found = await load_services(
            self._conn,
            sa.and_(carrier_services.c.carrier == carrier, carrier_services.c.service == service),
        )
        return found[0] if found else None

    async def update(self, service: CarrierService, *, previous_version: int) -> bool:
        result = await self._conn.execute(
            sa.update(carrier_services)
            .where(
                carrier_services.c.id == service.id,
                carrier_services.c.version == previous_version,
            )
            .values(**_service_row(service))
        )
        if result.rowcount != 1:
            return False
        for child in (carrier_service_lanes, carrier_service_rates):
            await self._conn.execute(
                sa.delete(child).where(child.c.carrier_service_id == service.id)
            )
        await self._write_children(service)
        return True

    async def list_active(self) -> list[CarrierService]:
        return await load_services(self._conn, carrier_services.c.active.is_(True))

    async def transit_history(
        self,
        origin_regions: Sequence[str],
        country_code: str,
        region: str | None,
        now: datetime,
    ) -> dict[tuple[str, str, str], TransitStats]:
        return await transit_history(self._conn, origin_regions, country_code, region, now)

    async def record_order_option(self, order_id: int, option: OrderShippingOption) -> None:
        await self._conn.execute(
            sa.delete(order_shipping_options).where(order_shipping_options.c.order_id == order_id)
        )
        await self._conn.execute(
            sa.insert(order_shipping_options).values(
                order_id=order_id,
                carrier_service_id=option.carrier_service_id,
                carrier=option.carrier,
                service=option.service,
                chosen_by=option.chosen_by.value,
                price_minor=option.price.minor_units,
                currency=option.price.currency,
                earliest=option.window.earliest,
                latest=option.window.latest,
                basis=option.window.basis.value,
            )
        )

    async def order_option(self, order_id: int) -> OrderShippingOption | None:
        row = (
            (
                await self._conn.execute(
                    sa.select(order_shipping_options).where(
                        order_shipping_options.c.order_id == order_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return option_from_row(row) if row is not None else None

    async def record_carrier_choice(self, shipment_id: int, choice: CarrierChoice) -> None:
        assert choice.chosen.service.id is not None
        await self._conn.execute(
            sa.insert(shipment_carrier_choices).values(
                shipment_id=shipment_id,
                carrier_service_id=choice.chosen.service.id,
                policy=choice.policy,
                explanation=choice_explanation(choice),
            )
        )


def choice_explanation(choice: CarrierChoice) -> dict[str, Any]:
    """The choice as stored (and shown on ``Shipment.carrierChoice``)."""
    return {
        "policy": choice.policy,
        "chosen": choice.chosen.service.name,
        "candidates": [
            {
                "carrierServiceId": c.service.id,
                "carrier": c.service.carrier,
                "service": c.service.service,
                "priceMinor": c.price.minor_units,
                "currency": c.price.currency,
                "estimatedDeliveryAt": c.estimated_delivery_at.isoformat(),
                "meetsPromise": c.meets_promise,
                "chosen": c is choice.chosen,
                "reason": reason,
            }
            for c, reason in choice.candidates
        ],
    }
