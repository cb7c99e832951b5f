"""Draft orders: a cart staff build for a customer (phone, sales rep, store), completed later.

A draft keeps the placeOrder input it was saved with; its money is what quoteOrder says for that
input (the one pricing function) and completing it places the order through placeOrder itself.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordergraph.domain.errors import DomainError, Duplicate, InvalidInput, check_version


class DraftStatus(enum.StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    DELETED = "DELETED"


TRANSITIONS: Mapping[DraftStatus, frozenset[DraftStatus]] = {
    DraftStatus.OPEN: frozenset({DraftStatus.COMPLETED, DraftStatus.DELETED}),
    DraftStatus.COMPLETED: frozenset(),
    DraftStatus.DELETED: frozenset(),
}


class DraftNotOpen(DomainError):
    """The draft was completed or deleted: it can no longer change."""

    code = "DRAFT_NOT_OPEN"


class DraftAlreadyCompleted(Duplicate):
    """The draft was completed already; ``order_id`` is the order it became.

    A ``Duplicate``: a keyed completion that queued behind its own twin on the draft lock looks
    for the twin's idempotency record once more and replays it (``run_command``)."""

    code = "DRAFT_ALREADY_COMPLETED"

    def __init__(self, order_id: int | None) -> None:
        super().__init__("this draft order was completed already", field=["draftOrderId"])
        self.order_id = order_id


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A draft line as given: an order line, optionally at a custom unit price with a reason."""

    sku: str
    quantity: int
    unit_price_amount: Decimal | str | None = None
    unit_price_currency: str | None = None
    price_reason: str | None = None


@dataclass(frozen=True, slots=True)
class HeldStock:
    """Units a draft holds at one warehouse (reserved with reference ``draft:<id>``)."""

    sku: str
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReservationChange:
    """How a draft's held stock moves to cover new quantities: what it keeps, what it gives
    back, and what it still needs (sku → units) to route and reserve."""

    keep: tuple[HeldStock, ...]
    release: tuple[HeldStock, ...]
    extra: dict[str, int]


def reservation_change(held: Iterable[HeldStock], demand: Mapping[str, int]) -> ReservationChange:
    """Only changed quantities move: held units up to the new demand stay where they are
    (the earliest holdings first), the surplus is released, and the shortfall is ``extra``."""
    wanted = dict(demand)
    keep: list[HeldStock] = []
    release: list[HeldStock] = []
    for unit in held:
        still = min(unit.quantity, wanted.get(unit.sku, 0))
        if still:
            keep.append(HeldStock(unit.sku, unit.warehouse_id, still))
            wanted[unit.sku] -= still
        if unit.quantity > still:
            release.append(HeldStock(unit.sku, unit.warehouse_id, unit.quantity - still))
    extra = {sku: quantity for sku, quantity in wanted.items() if quantity > 0}
    return ReservationChange(tuple(keep), tuple(release), extra)


def merge_held(units: Iterable[HeldStock]) -> tuple[HeldStock, ...]:
    """One entry per (sku, warehouse), in that order."""
    total: dict[tuple[str, int], int] = {}
    for unit in units:
        key = (unit.sku, unit.warehouse_id)
        total[key] = total.get(key, 0) + unit.quantity
    return tuple(HeldStock(s, w, q) for (s, w), q in sorted(total.items()) if q > 0)


def check_reserve_until(until: datetime, now: datetime) -> None:
    """A reservation must end in the future (``INVALID``)."""
    if until.tzinfo is None or until <= now:
        raise InvalidInput(
            "must be a time in the future, with a timezone",
            field=["reserveInventoryUntil"],
            code="INVALID",
        )


@dataclass
class DraftOrder:
    """A saved placeOrder input (``request``) with a status and a version for edits."""

    id: int | None
    status: DraftStatus
    version: int
    request: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    order_id: int | None = None
    reservation: tuple[HeldStock, ...] = ()
    reservation_expires_at: datetime | None = None

    def _move(self, to: DraftStatus) -> None:
        if to not in TRANSITIONS[self.status]:
            if self.status is DraftStatus.COMPLETED:
                raise DraftAlreadyCompleted(self.order_id)
            raise DraftNotOpen(f"this draft order is {self.status.value}", field=["draftOrderId"])
        self.status = to

    def update(self, request: dict[str, Any], expected_version: int | None, now: datetime) -> None:
        """Replace the saved input; refuses a stale ``expected_version`` (CONFLICT)."""
        if self.status is not DraftStatus.OPEN:
            self._move(DraftStatus.OPEN)
        check_version(expected_version, self.version, "draft order")
        self.request = request
        self.version += 1
        self.updated_at = now

    def complete(self, order_id: int, now: datetime) -> None:
        """Mark the draft as turned into ``order_id`` (its held stock went to the order)."""
        self._move(DraftStatus.COMPLETED)
        self.order_id = order_id
        self.reservation, self.reservation_expires_at = (), None
        self.version += 1
        self.updated_at = now

    def delete(self, now: datetime) -> None:
        """Delete the draft; its held stock must be released by the caller (``reservation``
        is cleared here)."""
        self._move(DraftStatus.DELETED)
        self.reservation, self.reservation_expires_at = (), None
        self.version += 1
        self.updated_at = now

    def hold(self, units: Iterable[HeldStock], until: datetime | None) -> None:
        """Record what the draft now holds until ``until`` (nothing: no reservation)."""
        self.reservation = merge_held(units)
        self.reservation_expires_at = until if self.reservation else None

    def reservation_expired(self, now: datetime) -> None:
        """The expiry sweep released the held stock: a change, so the version moves."""
        if self.status is not DraftStatus.OPEN:
            self._move(DraftStatus.OPEN)
        self.hold((), None)
        self.version += 1
        self.updated_at = now
