"""Stock levels, the rules for changing them, and the movement ledger's vocabulary.

The database applies each change as one conditional statement (see ``db/repositories``);
the rules here are the same ones, stated once, and used by the in-memory fakes in tests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from ordergraph.domain.errors import InsufficientStock, InvalidInput
from ordergraph.domain.validation import optional_text

MAX_ADJUSTMENT = 1_000_000_000


class MovementKind(enum.StrEnum):
    RECEIVE = "RECEIVE"
    ADJUST = "ADJUST"
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    SHIP = "SHIP"
    RESTOCK = "RESTOCK"
    WRITE_OFF = "WRITE_OFF"


class AdjustmentReason(enum.StrEnum):
    """Why on-hand stock changed by hand (Shopify's inventory adjustment reasons, trimmed)."""

    RECEIVED = "RECEIVED"
    CORRECTION = "CORRECTION"
    CYCLE_COUNT = "CYCLE_COUNT"
    DAMAGED = "DAMAGED"
    SHRINKAGE = "SHRINKAGE"
    PROMOTION = "PROMOTION"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class InventoryLevel:
    """Stock of one SKU in one warehouse.

    ``reserved`` never exceeds ``on_hand + backorder_limit`` (the limit is 0 unless the product
    allows backorders), and ``on_hand`` is never negative.
    """

    sku: str
    warehouse_id: int
    on_hand: int
    reserved: int
    updated_at: datetime
    backorder_limit: int = 0

    @property
    def available(self) -> int:
        """On hand minus reserved; below zero only for backordered units."""
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class StockAdjustment:
    """A validated request to change on-hand stock by ``delta``."""

    sku: str
    warehouse_id: int
    delta: int
    reason: AdjustmentReason
    note: str | None

    @classmethod
    def create(
        cls,
        *,
        sku: str,
        warehouse_id: int,
        delta: int,
        reason: AdjustmentReason,
        note: str | None,
    ) -> StockAdjustment:
        if delta == 0:
            raise InvalidInput("must not be zero", field=["delta"])
        if abs(delta) > MAX_ADJUSTMENT:
            raise InvalidInput(f"must be within ±{MAX_ADJUSTMENT}", field=["delta"])
        if reason is AdjustmentReason.RECEIVED and delta < 0:
            raise InvalidInput("a RECEIVED adjustment must add stock", field=["delta"])
        return cls(
            sku,
            warehouse_id,
            delta,
            reason,
            optional_text(note, ["note"], max_length=500),
        )

    @property
    def movement_kind(self) -> MovementKind:
        return (
            MovementKind.RECEIVE
            if self.reason is AdjustmentReason.RECEIVED
            else MovementKind.ADJUST
        )

    def apply(self, level: InventoryLevel, now: datetime) -> InventoryLevel:
        """The level after this adjustment; stock can never drop below what is reserved."""
        on_hand = level.on_hand + self.delta
        if on_hand < 0 or on_hand + level.backorder_limit < level.reserved:
            raise InsufficientStock(
                f"on hand would be {on_hand}, below the {level.reserved} reserved",
                field=["delta"],
            )
        return replace(level, on_hand=on_hand, updated_at=now)


@dataclass(frozen=True, slots=True)
class InventoryMovement:
    """One line of the ledger; the ledger always sums to the levels."""

    id: int | None
    sku: str
    warehouse_id: int
    kind: MovementKind
    on_hand_delta: int
    reserved_delta: int
    reason: str | None
    actor: str
    reference: str | None
    created_at: datetime
