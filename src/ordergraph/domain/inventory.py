"""Stock levels, the rules for changing them, and the movement ledger's vocabulary.

Every change to a level is a :class:`LevelChange` applied by ``services/stock_ledger``: the
database applies it as one conditional statement (see ``db/repositories/inventory``), and the
ledger appends one :class:`InventoryMovement` per field it changed, so the movements of a level
always sum to it (``inventoryAudit`` checks exactly that).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from ordergraph.domain.errors import InsufficientStock, InvalidInput
from ordergraph.domain.validation import optional_text

MAX_ADJUSTMENT = 1_000_000_000
MAX_QUANTITY = 1_000_000_000


class MovementKind(enum.StrEnum):
    """Why a level changed; ``InventoryMovement.reason`` in the API."""

    RECEIVE = "RECEIVE"
    ADJUST = "ADJUST"
    CYCLE_COUNT = "CYCLE_COUNT"
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    SHIP = "SHIP"
    SALE = "SALE"  # handed over at a counter: on hand drops without a reservation
    RESTOCK = "RESTOCK"
    WRITE_OFF = "WRITE_OFF"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_CANCEL = "TRANSFER_CANCEL"
    INBOUND_EXPECTED = "INBOUND_EXPECTED"
    INBOUND_RECEIVED = "INBOUND_RECEIVED"
    INBOUND_CANCEL = "INBOUND_CANCEL"


class LevelField(enum.StrEnum):
    """The quantities of a level that the ledger accounts for."""

    ON_HAND = "ON_HAND"
    RESERVED = "RESERVED"
    IN_TRANSIT = "IN_TRANSIT"
    INCOMING = "INCOMING"


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
    allows backorders), and no quantity is ever negative. ``in_transit`` counts units sent here
    by a transfer and not yet received; ``incoming`` units expected from a supplier.
    """

    sku: str
    warehouse_id: int
    on_hand: int
    reserved: int
    updated_at: datetime
    backorder_limit: int = 0
    safety_stock: int = 0
    in_transit: int = 0
    incoming: int = 0
    low_stock_threshold: int | None = None

    @property
    def available(self) -> int:
        """On hand minus reserved; below zero only for backordered units."""
        return self.on_hand - self.reserved

    @property
    def available_to_sell(self) -> int:
        """What a new order may still take: on hand - reserved - safety stock."""
        return self.on_hand - self.reserved - self.safety_stock

    def quantity(self, field: LevelField) -> int:
        return {
            LevelField.ON_HAND: self.on_hand,
            LevelField.RESERVED: self.reserved,
            LevelField.IN_TRANSIT: self.in_transit,
            LevelField.INCOMING: self.incoming,
        }[field]

    @property
    def is_low(self) -> bool:
        return (
            self.low_stock_threshold is not None
            and self.available_to_sell < self.low_stock_threshold
        )


@dataclass(frozen=True, slots=True)
class LevelChange:
    """Deltas to apply to one level at once, and the guards that make it safe.

    ``sellable`` asks that at least that many units be available to sell before the change
    (reservations); ``covered`` that on hand still covers what is reserved afterwards, with no
    backorder allowance (stock that leaves the building); ``on_hand_was`` makes the change a
    compare-and-set (counts).
    """

    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0
    incoming: int = 0
    sellable: int | None = None
    covered: bool = False
    on_hand_was: int | None = None

    def deltas(self) -> Iterator[tuple[LevelField, int]]:
        for field, delta in (
            (LevelField.ON_HAND, self.on_hand),
            (LevelField.RESERVED, self.reserved),
            (LevelField.IN_TRANSIT, self.in_transit),
            (LevelField.INCOMING, self.incoming),
        ):
            if delta:
                yield field, delta

    def allows(self, level: InventoryLevel) -> bool:
        """The rule the conditional UPDATE states in SQL, for the in-memory fakes."""
        on_hand = level.on_hand + self.on_hand
        reserved = level.reserved + self.reserved
        if self.on_hand_was is not None and level.on_hand != self.on_hand_was:
            return False
        if self.sellable is not None and (
            level.available_to_sell + level.backorder_limit < self.sellable
        ):
            return False
        if self.covered and on_hand < reserved:
            return False
        return (
            on_hand >= 0
            and reserved >= 0
            and reserved <= on_hand + level.backorder_limit
            and level.in_transit + self.in_transit >= 0
            and level.incoming + self.incoming >= 0
        )

    def apply(self, level: InventoryLevel, now: datetime) -> InventoryLevel:
        return replace(
            level,
            on_hand=level.on_hand + self.on_hand,
            reserved=level.reserved + self.reserved,
            in_transit=level.in_transit + self.in_transit,
            incoming=level.incoming + self.incoming,
            updated_at=now,
        )

    def undo(self, level: InventoryLevel) -> InventoryLevel:
        """The level as it was before this change was applied to it."""
        return replace(
            level,
            on_hand=level.on_hand - self.on_hand,
            reserved=level.reserved - self.reserved,
            in_transit=level.in_transit - self.in_transit,
            incoming=level.incoming - self.incoming,
        )


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
        return {
            AdjustmentReason.RECEIVED: MovementKind.RECEIVE,
            AdjustmentReason.CYCLE_COUNT: MovementKind.CYCLE_COUNT,
        }.get(self.reason, MovementKind.ADJUST)

    @property
    def change(self) -> LevelChange:
        return LevelChange(on_hand=self.delta)

    def apply(self, level: InventoryLevel, now: datetime) -> InventoryLevel:
        """The level after this adjustment; stock can never drop below what is reserved."""
        if not self.change.allows(level):
            raise refused(level, self.change, ["delta"])
        return self.change.apply(level, now)

    @property
    def note_text(self) -> str:
        return self.reason.value + (f": {self.note}" if self.note else "")


def counted_quantity(on_hand: int, field: list[str]) -> int:
    """A counted on-hand quantity: a whole number from 0 up to the largest we store."""
    if on_hand < 0:
        raise InvalidInput("a counted quantity cannot be negative", field=field)
    if on_hand > MAX_QUANTITY:
        raise InvalidInput(f"must be at most {MAX_QUANTITY}", field=field)
    return on_hand


def refused(
    level: InventoryLevel | None, change: LevelChange, field: list[str]
) -> InsufficientStock:
    """The error for a change the level would not take, worded from what the level holds."""
    if level is None:
        return InsufficientStock("there is no stock of this SKU here", field=field)
    on_hand = level.on_hand + change.on_hand
    return InsufficientStock(
        f"on hand would be {on_hand}, below the {level.reserved} reserved"
        if on_hand >= 0
        else f"only {level.on_hand} on hand",
        field=field,
    )


@dataclass(frozen=True, slots=True)
class InventoryMovement:
    """One line of the ledger: ``delta`` units of one ``field`` of one level."""

    id: int | None
    sku: str
    warehouse_id: int
    kind: MovementKind
    field: LevelField
    delta: int
    note: str | None
    actor: str
    reference: str | None
    created_at: datetime
