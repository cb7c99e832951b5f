"""Inbound shipments: stock a supplier is sending, expected on a date, received in parts.

Creating one shows each line's quantity as ``incoming`` at the warehouse; each receipt moves
units from incoming to on hand (more than expected is accepted: the count at the dock wins);
cancelling drops what was still outstanding. The stock moves belong to
``services/stock_ledger.py``; this module is the state machine and the arithmetic.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput, NotFound
from ordergraph.domain.transfers import check_quantity

MAX_LINES = 250


class InboundStatus(enum.StrEnum):
    PENDING = "PENDING"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


OPEN = frozenset({InboundStatus.PENDING, InboundStatus.PARTIALLY_RECEIVED})

TRANSITIONS: Mapping[InboundStatus, frozenset[InboundStatus]] = {
    InboundStatus.PENDING: frozenset(
        {InboundStatus.PARTIALLY_RECEIVED, InboundStatus.RECEIVED, InboundStatus.CANCELLED}
    ),
    InboundStatus.PARTIALLY_RECEIVED: frozenset(
        {InboundStatus.PARTIALLY_RECEIVED, InboundStatus.RECEIVED, InboundStatus.CANCELLED}
    ),
    InboundStatus.RECEIVED: frozenset(),
    InboundStatus.CANCELLED: frozenset(),
}


class InboundShipmentNotOpen(DomainError):
    """A received or cancelled inbound shipment takes no more receipts and cannot be cancelled."""

    code = "INBOUND_SHIPMENT_NOT_OPEN"

    def __init__(self, current: InboundStatus, wanted: InboundStatus) -> None:
        super().__init__(
            f"inbound shipment is {current.value} and cannot become {wanted.value}",
            field=["inboundShipmentId"],
        )
        self.current = current


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    sku: str
    quantity: int


@dataclass(slots=True)
class InboundLine:
    id: int | None
    sku: str
    quantity_expected: int
    quantity_received: int = 0

    @property
    def outstanding(self) -> int:
        """Units still expected (never below zero, even after an over-receipt)."""
        return max(0, self.quantity_expected - self.quantity_received)


@dataclass(frozen=True, slots=True)
class LineReceipt:
    """What one receipt did to one line: ``quantity`` units arrived while ``expected`` were
    still outstanding (the ledger moves ``min(quantity, expected)`` out of incoming)."""

    line: InboundLine
    quantity: int
    expected: int


@dataclass(slots=True)
class InboundShipment:
    id: int | None
    number: str
    warehouse_id: int
    status: InboundStatus
    expected_at: datetime
    reference: str | None
    lines: list[InboundLine]
    actor: str
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None = None
    cancelled_at: datetime | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        number: str,
        warehouse_id: int,
        expected_at: datetime,
        reference: str | None,
        lines: Sequence[ExpectedLine],
        actor: str,
        now: datetime,
    ) -> InboundShipment:
        """Validate the lines (1 to 250, quantities > 0, each SKU once) and build the shipment."""
        if not lines:
            raise InvalidInput("needs at least one line", field=["lines"], code="REQUIRED")
        if len(lines) > MAX_LINES:
            raise InvalidInput(f"at most {MAX_LINES} lines", field=["lines"], code="TOO_MANY_LINES")
        if expected_at.tzinfo is None:
            raise InvalidInput("needs a time zone", field=["expectedAt"])
        seen: set[str] = set()
        for index, line in enumerate(lines):
            check_quantity(line.quantity, ["lines", str(index), "quantity"])
            if line.sku in seen:
                raise InvalidInput(
                    f"{line.sku} is on more than one line",
                    field=["lines", str(index), "sku"],
                    code="DUPLICATE",
                )
            seen.add(line.sku)
        return cls(
            id=None,
            number=number,
            warehouse_id=warehouse_id,
            status=InboundStatus.PENDING,
            expected_at=expected_at,
            reference=reference,
            lines=[InboundLine(None, line.sku, line.quantity) for line in lines],
            actor=actor,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def _move(self, wanted: InboundStatus, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise InboundShipmentNotOpen(self.status, wanted)
        self.status = wanted
        self.updated_at = now
        self.version += 1

    def outstanding_receipts(self) -> dict[int, int]:
        """Line id → units still expected: what "receive everything" means."""
        return {line.id: line.outstanding for line in self.lines if line.id and line.outstanding}

    def receive(self, receipts: Mapping[int, int], now: datetime) -> list[LineReceipt]:
        """Record units that arrived (line id → units, each > 0). RECEIVED once no line is
        outstanding, PARTIALLY_RECEIVED before that."""
        if not self.is_open:
            raise InboundShipmentNotOpen(self.status, InboundStatus.RECEIVED)
        if not receipts:
            raise InvalidInput("nothing is outstanding to receive", field=["lines"])
        by_id = {line.id: line for line in self.lines}
        done: list[LineReceipt] = []
        for line_id, quantity in sorted(receipts.items()):
            line = by_id.get(line_id)
            if line is None:
                raise NotFound("no such line on this inbound shipment", field=["lines"])
            check_quantity(quantity, ["lines"])
            done.append(LineReceipt(line, quantity, line.outstanding))
            line.quantity_received += quantity
        complete = all(line.outstanding == 0 for line in self.lines)
        self._move(InboundStatus.RECEIVED if complete else InboundStatus.PARTIALLY_RECEIVED, now)
        if complete:
            self.received_at = now
        return done

    def cancel(self, now: datetime) -> list[tuple[InboundLine, int]]:
        """Close it; the lines with units still outstanding, and how many (no longer coming)."""
        rest = [(line, line.outstanding) for line in self.lines if line.outstanding]
        self._move(InboundStatus.CANCELLED, now)
        self.cancelled_at = now
        return rest

    def line_for_sku(self, sku: str) -> InboundLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def event_payload(self) -> dict[str, object]:
        return {
            "inboundShipmentId": self.id,
            "number": self.number,
            "warehouseId": self.warehouse_id,
            "status": self.status.value,
            "expectedAt": self.expected_at.isoformat(),
            "lines": [
                {
                    "sku": line.sku,
                    "quantityExpected": line.quantity_expected,
                    "quantityReceived": line.quantity_received,
                }
                for line in self.lines
            ],
        }
