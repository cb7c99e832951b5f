"""The inventory audit's answer: how many levels were recomputed, and where they drifted."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries.inventory_audit import AuditReport, Drift
from ordergraph.schema.context import Info
from ordergraph.schema.enums import LevelField
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(
    name="InventoryDrift",
    description="A quantity of a level that disagrees with the sum of its movements.",
)
class InventoryDriftType:
    sku: str
    warehouse_pk: strawberry.Private[int]
    field: LevelField
    expected: int = strawberry.field(description="What the movement ledger sums to.")
    actual: int = strawberry.field(description="What the level holds.")

    @classmethod
    def from_drift(cls, drift: Drift) -> InventoryDriftType:
        return cls(
            sku=drift.sku,
            warehouse_pk=drift.warehouse_id,
            field=LevelField(drift.field),
            expected=drift.expected,
            actual=drift.actual,
        )

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)


@strawberry.type(
    name="InventoryAudit",
    description="Every level recomputed from the movement ledger; no drift means they agree.",
)
class InventoryAuditType:
    levels_checked: int
    drift: list[InventoryDriftType]

    @classmethod
    def from_report(cls, report: AuditReport) -> InventoryAuditType:
        return cls(
            levels_checked=report.levels_checked,
            drift=[InventoryDriftType.from_drift(d) for d in report.drift],
        )
