"""Transfers: stock moving from one warehouse to another.

Sending takes the units off the source's on-hand stock at once and shows them as in transit at
the destination; receiving puts them on hand there; cancelling returns them to the source. The
stock moves themselves belong to ``services/stock_ledger.py``; this module is the state machine.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput

MAX_TRANSFER_QUANTITY = 1_000_000_000


class TransferStatus(enum.StrEnum):
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


TRANSITIONS: Mapping[TransferStatus, frozenset[TransferStatus]] = {
    TransferStatus.IN_TRANSIT: frozenset({TransferStatus.RECEIVED, TransferStatus.CANCELLED}),
    TransferStatus.RECEIVED: frozenset(),
    TransferStatus.CANCELLED: frozenset(),
}


class TransferNotInTransit(DomainError):
    """Only a transfer still in transit can be received or cancelled."""

    code = "TRANSFER_NOT_IN_TRANSIT"

    def __init__(self, current: TransferStatus, wanted: TransferStatus) -> None:
        super().__init__(
            f"transfer is {current.value} and cannot become {wanted.value}",
            field=["transferId"],
        )
        self.current = current


def check_quantity(quantity: int, field: list[str]) -> None:
    if quantity <= 0:
        raise InvalidInput("must be greater than zero", field=field, code="INVALID_QUANTITY")
    if quantity > MAX_TRANSFER_QUANTITY:
        raise InvalidInput(
            f"must be at most {MAX_TRANSFER_QUANTITY}", field=field, code="INVALID_QUANTITY"
        )


def check_transfer(from_warehouse_id: int, to_warehouse_id: int, quantity: int) -> None:
    """A transfer moves a positive number of units between two different warehouses."""
    check_quantity(quantity, ["quantity"])
    if from_warehouse_id == to_warehouse_id:
        raise InvalidInput(
            "source and destination must differ", field=["toWarehouseId"], code="SAME_WAREHOUSE"
        )


@dataclass(slots=True)
class InventoryTransfer:
    """Units of one SKU on their way between two warehouses."""

    id: int | None
    number: str
    sku: str
    from_warehouse_id: int
    to_warehouse_id: int
    quantity: int
    status: TransferStatus
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
        sku: str,
        from_warehouse_id: int,
        to_warehouse_id: int,
        quantity: int,
        actor: str,
        now: datetime,
    ) -> InventoryTransfer:
        """A new transfer, in transit from the moment it exists."""
        check_transfer(from_warehouse_id, to_warehouse_id, quantity)
        return cls(
            id=None,
            number=number,
            sku=sku,
            from_warehouse_id=from_warehouse_id,
            to_warehouse_id=to_warehouse_id,
            quantity=quantity,
            status=TransferStatus.IN_TRANSIT,
            actor=actor,
            created_at=now,
            updated_at=now,
        )

    def _move(self, wanted: TransferStatus, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise TransferNotInTransit(self.status, wanted)
        self.status = wanted
        self.updated_at = now
        self.version += 1

    def receive(self, now: datetime) -> None:
        """IN_TRANSIT → RECEIVED: the units are on hand at the destination."""
        self._move(TransferStatus.RECEIVED, now)
        self.received_at = now

    def cancel(self, now: datetime) -> None:
        """IN_TRANSIT → CANCELLED: the units go back on hand at the source."""
        self._move(TransferStatus.CANCELLED, now)
        self.cancelled_at = now

    def event_payload(self) -> dict[str, object]:
        return {
            "transferId": self.id,
            "number": self.number,
            "sku": self.sku,
            "fromWarehouseId": self.from_warehouse_id,
            "toWarehouseId": self.to_warehouse_id,
            "quantity": self.quantity,
            "status": self.status.value,
        }
