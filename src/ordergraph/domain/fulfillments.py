"""Fulfillments: the part of an order one warehouse picks, packs and ships."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput


class FulfillmentStatus(enum.StrEnum):
    PENDING = "PENDING"
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


TRANSITIONS: Mapping[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    FulfillmentStatus.PENDING: frozenset({FulfillmentStatus.PICKING, FulfillmentStatus.CANCELLED}),
    FulfillmentStatus.PICKING: frozenset({FulfillmentStatus.PACKED, FulfillmentStatus.CANCELLED}),
    # a partial shipment leaves the rest PACKED (no transition), waiting for the next parcel
    FulfillmentStatus.PACKED: frozenset({FulfillmentStatus.SHIPPED, FulfillmentStatus.CANCELLED}),
    FulfillmentStatus.SHIPPED: frozenset(),
    FulfillmentStatus.CANCELLED: frozenset(),
}


class IllegalFulfillmentTransition(DomainError):
    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: FulfillmentStatus, wanted: FulfillmentStatus) -> None:
        super().__init__(
            f"fulfillment is {current.value} and cannot become {wanted.value}",
            field=["fulfillmentId"],
        )


@dataclass(slots=True)
class FulfillmentLine:
    id: int | None
    order_line_id: int
    sku: str
    quantity: int
    shipped_quantity: int = 0

    @property
    def remaining(self) -> int:
        return self.quantity - self.shipped_quantity


@dataclass(slots=True)
class Fulfillment:
    id: int | None
    order_id: int
    warehouse_id: int
    status: FulfillmentStatus
    lines: list[FulfillmentLine]
    created_at: datetime
    updated_at: datetime
    version: int = 1
    shipped_now: dict[int, int] = field(default_factory=dict)  # line id → units, this step

    def _move(self, wanted: FulfillmentStatus, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise IllegalFulfillmentTransition(self.status, wanted)
        self.status = wanted
        self.updated_at = now
        self.version += 1

    def start_picking(self, now: datetime) -> None:
        self._move(FulfillmentStatus.PICKING, now)

    def mark_packed(self, now: datetime) -> None:
        self._move(FulfillmentStatus.PACKED, now)

    def cancel(self, now: datetime) -> None:
        self._move(FulfillmentStatus.CANCELLED, now)

    def ship(self, quantities: Mapping[int, int] | None, now: datetime) -> dict[int, int]:
        """Ship ``quantities`` (fulfillment line id → units; None: everything left).

        Returns what ships now; SHIPPED once nothing remains, else stays PACKED.
        """
        if self.status is not FulfillmentStatus.PACKED:
            raise IllegalFulfillmentTransition(self.status, FulfillmentStatus.SHIPPED)
        by_id = {line.id: line for line in self.lines if line.id is not None}
        wanted = (
            {i: line.remaining for i, line in by_id.items() if line.remaining > 0}
            if quantities is None
            else dict(quantities)
        )
        for index, (line_id, units) in enumerate(wanted.items()):
            line = by_id.get(line_id)
            if line is None:
                raise InvalidInput(
                    "is not a line of this fulfillment",
                    field=["lines", str(index), "fulfillmentLineId"],
                    code="NOT_FOUND",
                )
            if not 1 <= units <= line.remaining:
                raise InvalidInput(
                    f"must be between 1 and the {line.remaining} left to ship",
                    field=["lines", str(index), "quantity"],
                    code="INVALID_QUANTITY",
                )
        if not wanted:
            raise InvalidInput("nothing left to ship", field=["lines"], code="INVALID_QUANTITY")
        for line_id, units in wanted.items():
            by_id[line_id].shipped_quantity += units
        if all(line.remaining == 0 for line in self.lines):
            self._move(FulfillmentStatus.SHIPPED, now)
        else:
            self.updated_at = now
            self.version += 1
        self.shipped_now = wanted
        return wanted
