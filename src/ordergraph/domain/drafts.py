"""Draft orders: a cart staff build for a customer (phone, sales rep, store), completed later.

A draft keeps the placeOrder input it was saved with; its money is what quoteOrder says for that
input (the one pricing function) and completing it places the order through placeOrder itself.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import DomainError, Duplicate, check_version


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
class HeldStock:
    """Units a draft holds at one warehouse (reserved with reference ``draft:<id>``)."""

    sku: str
    warehouse_id: int
    quantity: int


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
        """Mark the draft as turned into ``order_id``."""
        self._move(DraftStatus.COMPLETED)
        self.order_id = order_id
        self.version += 1
        self.updated_at = now

    def delete(self, now: datetime) -> None:
        self._move(DraftStatus.DELETED)
        self.version += 1
        self.updated_at = now
