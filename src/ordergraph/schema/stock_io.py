"""Inputs and payloads of the stock mutations: counts, safety stock, low-stock thresholds."""

from __future__ import annotations

import strawberry

from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.stock_counts import MAX_COUNT_ROWS
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.inventory_level import InventoryLevelType

COUNT_REASON_HELP = (
    "Why the count differs; the movement is a CYCLE_COUNT whatever it is, and any other "
    "reason is kept in its note."
)


@strawberry.input(description="A counted quantity for one level.")
class SetInventoryInput:
    sku: str
    warehouse_id: strawberry.ID
    on_hand: int = strawberry.field(
        description="The units counted; the variance is booked as a CYCLE_COUNT movement."
    )
    reason: AdjustmentReason = strawberry.field(
        default=AdjustmentReason.CYCLE_COUNT, description=COUNT_REASON_HELP
    )
    note: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="One counted level in a batch.")
class InventoryLevelCountInput:
    sku: str
    warehouse_id: strawberry.ID
    on_hand: int


@strawberry.input(description=f"Up to {MAX_COUNT_ROWS} counts, applied all or nothing.")
class SetInventoryLevelsInput:
    rows: list[InventoryLevelCountInput]
    reason: AdjustmentReason = strawberry.field(
        default=AdjustmentReason.CYCLE_COUNT, description=COUNT_REASON_HELP
    )
    note: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class SetSafetyStockInput:
    sku: str
    warehouse_id: strawberry.ID
    quantity: int = strawberry.field(
        description="Units held back from sale: availableToSell = onHand - reserved - this."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class SetLowStockThresholdInput:
    sku: str
    warehouse_id: strawberry.ID
    threshold: int | None = strawberry.field(
        default=None,
        description="INVENTORY_LOW fires when availableToSell drops below this; null clears.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class InventoryLevelPayload:
    """The level a stock mutation changed."""

    inventory_level: InventoryLevelType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetInventoryLevelsPayload:
    inventory_levels: list[InventoryLevelType] | None = strawberry.field(
        default=None, description="Every counted level, in the order of the rows; null on error."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
