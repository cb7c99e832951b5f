"""One line of the stock ledger, as GraphQL shows it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import strawberry

from ordergraph.schema.context import Info
from ordergraph.schema.enums import LevelField, MovementKind
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(
    name="InventoryMovement",
    description="One change of one quantity of a level; the movements of a level sum to it.",
)
class InventoryMovementType:
    id: strawberry.ID
    sku: str
    warehouse_pk: strawberry.Private[int]
    delta: int = strawberry.field(description="Units added (negative: removed).")
    field: LevelField = strawberry.field(description="The quantity that moved.")
    reason: MovementKind
    note: str | None
    reference: str | None = strawberry.field(
        description="What caused it, e.g. the order or transfer it belongs to."
    )
    occurred_at: datetime
    actor: str = strawberry.field(description="Who booked it, e.g. staff:warehouse-app.")

    @classmethod
    def from_row(cls, row: sa.RowMapping) -> InventoryMovementType:
        return cls(
            id=strawberry.ID(encode_id("InventoryMovement", row["id"])),
            sku=row["sku"],
            warehouse_pk=row["warehouse_id"],
            delta=row["delta"],
            field=LevelField(row["field"]),
            reason=MovementKind(row["kind"]),
            note=row["note"],
            reference=row["reference"],
            occurred_at=row["created_at"],
            actor=row["actor"],
        )

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)
