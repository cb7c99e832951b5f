"""Weekly demand histories for the forecast tests and bench: made up, then placed as real orders.

``synthetic_weeks`` is a level + linear trend + yearly sine + Gaussian noise, rounded to whole
units (never below 0), from a fixed seed. ``History`` places orders through the real services
with a clock set to each order's moment, and authorizes them at once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, Order, OrderStatus, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment


def synthetic_weeks(
    weeks: int,
    seed: int,
    *,
    level: float = 40,
    trend: float = 0.25,
    amplitude: float = 15,
    noise: float = 3,
) -> list[int]:
    draw = random.Random(seed)
    return [
        max(
            0,
            round(
                level
                + trend * t
                + amplitude * math.sin(2 * math.pi * t / 52)
                + draw.gauss(0, noise)
            ),
        )
        for t in range(weeks)
    ]


def address(region: str, country: str) -> AddressFields:
    return {
        "name": "Forecast Tester",
        "line1": "Damrak 1",
        "line2": None,
        "city": "Amsterdam",
        "region": region,
        "postal_code": "1012 LG",
        "country_code": country,
        "phone": None,
    }


@dataclass
class History:
    engine: AsyncEngine
    clock: FixedClock

    @property
    def deps(self) -> Deps:
        # placed years ago but paid at once: no unpaid deadline the live server's sweep could
        # pass between placing and authorizing
        return Deps(
            uow=lambda: SqlUnitOfWork(self.engine, self.clock),
            clock=self.clock,
            policy=OrderPolicy(unpaid_ttl=timedelta(days=365 * 100)),
        )

    async def stock(self, code: str, skus: list[str]) -> None:
        warehouse = await catalog.create_warehouse(
            self.deps, SYSTEM, code=code, name=code, region="EU-WEST", country_code="NL"
        )
        assert warehouse.id is not None
        for sku in skus:
            await catalog.create_product(
                self.deps,
                SYSTEM,
                sku=sku,
                name=f"Product {sku}",
                price_amount="5.00",
                price_currency="EUR",
            )
            await adjust_inventory(
                self.deps,
                SYSTEM,
                sku=sku,
                warehouse_id=warehouse.id,
                delta=1_000_000,
                reason=AdjustmentReason.RECEIVED,
            )

    async def order(
        self,
        when: datetime,
        lines: dict[str, int],
        *,
        region: str = "EU-WEST",
        country: str = "NL",
        cancelled: bool = False,
    ) -> Order:
        self.clock.advance(when - self.clock.now())
        requested = [RequestedLine(sku, units) for sku, units in lines.items() if units > 0]
        placed = await place_order(
            self.deps,
            SYSTEM,
            channel=Channel.WEB,
            lines=requested,
            shipping_address=address(region, country),
            email="forecast@example.com",
        )
        assert placed.id is not None
        if cancelled:
            return await cancel_order(self.deps, SYSTEM, order_id=placed.id, reason="test")
        outcome = await authorize_payment(self.deps, SYSTEM, order_id=placed.id, token="tok_ok")
        assert outcome.order.status is OrderStatus.CONFIRMED
        return outcome.order
