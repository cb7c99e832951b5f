"""Read queries for carrier services and what orders and shipments recorded of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.carrier_services import load_services, option_from_row
from ordergraph.db.tables import carrier_services, order_shipping_options, shipment_carrier_choices
from ordergraph.domain.carrier_services import CarrierService, OrderShippingOption


def carrier_services_query(
    active: bool | None,
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(carrier_services.c.id)
    if active is not None:
        stmt = stmt.where(carrier_services.c.active.is_(active))
    return stmt, [carrier_services.c.id]


async def services_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[CarrierService | None]:
    """Services with lanes and rates, in the order of ``ids``: three statements for any number."""
    if not ids:
        return []
    async with engine.connect() as conn:
        found = {s.id: s for s in await load_services(conn, carrier_services.c.id.in_(ids))}
    return [found.get(i) for i in ids]


async def shipping_options_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[OrderShippingOption | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(order_shipping_options).where(order_shipping_options.c.order_id.in_(ids))
        )
        found = {r["order_id"]: option_from_row(r) for r in rows.mappings()}
    return [found.get(i) for i in ids]


async def carrier_choices_by_shipment_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[dict[str, Any] | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                shipment_carrier_choices.c.shipment_id, shipment_carrier_choices.c.explanation
            ).where(shipment_carrier_choices.c.shipment_id.in_(ids))
        )
        found = {r.shipment_id: dict(r.explanation) for r in rows}
    return [found.get(i) for i in ids]
