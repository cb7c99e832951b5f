"""The inventory audit: every level recomputed from the movement ledger, in one statement.

For each level and each quantity the ledger moves (on hand, reserved, in transit, incoming),
the sum of the movements' deltas must equal the stored column. One grouped statement reads the
levels and the sums together, so on PostgreSQL both come from the same snapshot and a write
committing meanwhile can never show up as drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, inventory_movements

# LevelField value → the inventory_levels column it moves
FIELDS: dict[str, str] = {
    "ON_HAND": "on_hand",
    "RESERVED": "reserved",
    "IN_TRANSIT": "in_transit",
    "INCOMING": "incoming",
}


@dataclass(frozen=True, slots=True)
class Drift:
    """One quantity of one level that disagrees with its ledger."""

    sku: str
    warehouse_id: int
    field: str  # a LevelField value
    expected: int  # what the movements sum to
    actual: int  # what the level holds


@dataclass(frozen=True, slots=True)
class AuditReport:
    levels_checked: int
    drift: list[Drift]

    @property
    def clean(self) -> bool:
        return not self.drift


def audit_statement() -> sa.Select[tuple[object, ...]]:
    """``checked`` (every level) on each row, then the drifting levels' columns and sums;
    one row with null level columns when nothing drifts."""
    m, lv = inventory_movements.c, inventory_levels.c
    sums = (
        sa.select(
            m.sku,
            m.warehouse_id,
            *(
                sa.func.sum(sa.case((m.field == name, m.delta), else_=0)).label(f"sum_{column}")
                for name, column in FIELDS.items()
            ),
        )
        .group_by(m.sku, m.warehouse_id)
        .subquery("sums")
    )
    ledger = {column: sa.func.coalesce(sums.c[f"sum_{column}"], 0) for column in FIELDS.values()}
    drifting = (
        sa.select(
            lv.sku,
            lv.warehouse_id,
            *(lv[column].label(column) for column in FIELDS.values()),
            *(ledger[column].label(f"ledger_{column}") for column in FIELDS.values()),
        )
        .select_from(
            inventory_levels.outerjoin(
                sums, sa.and_(sums.c.sku == lv.sku, sums.c.warehouse_id == lv.warehouse_id)
            )
        )
        .where(sa.or_(*(lv[column] != ledger[column] for column in FIELDS.values())))
        .subquery("drifting")
    )
    checked = sa.select(sa.func.count().label("checked")).select_from(inventory_levels).subquery()
    return (
        sa.select(checked.c.checked, drifting)
        .select_from(checked.outerjoin(drifting, sa.true()))
        .order_by(drifting.c.sku, drifting.c.warehouse_id)
    )


async def audit_levels(engine: AsyncEngine) -> AuditReport:
    """Recompute every level from the ledger and report each quantity that disagrees."""
    async with engine.connect() as conn:
        rows = list((await conn.execute(audit_statement())).mappings())
    checked = int(rows[0]["checked"]) if rows else 0
    drift = [
        Drift(row["sku"], row["warehouse_id"], name, int(row[f"ledger_{column}"]), row[column])
        for row in rows
        if row["sku"] is not None
        for name, column in FIELDS.items()
        if row[column] != row[f"ledger_{column}"]
    ]
    return AuditReport(levels_checked=checked, drift=drift)
