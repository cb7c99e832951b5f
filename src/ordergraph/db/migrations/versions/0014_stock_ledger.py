"""The stock ledger: safety stock, in-transit and incoming quantities, low-stock thresholds, and
one movement row per level field changed.

Old movements held an on-hand and a reserved delta side by side; each becomes one row per
non-zero delta (a SHIP becomes two), so every field of a level sums from its own rows.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("safety_stock", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("in_transit", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("incoming", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("low_stock_threshold", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "ledger_quantities_not_negative",
            "safety_stock >= 0 AND in_transit >= 0 AND incoming >= 0 "
            "AND (low_stock_threshold IS NULL OR low_stock_threshold >= 0)",
        )

    with op.batch_alter_table("inventory_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delta", sa.Integer(), nullable=True))
        batch_op.alter_column("reason", new_column_name="note")
    movements = sa.table(
        "inventory_movements",
        sa.column("sku", sa.String),
        sa.column("warehouse_id", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("field", sa.String),
        sa.column("delta", sa.Integer),
        sa.column("on_hand_delta", sa.Integer),
        sa.column("reserved_delta", sa.Integer),
        sa.column("note", sa.String),
        sa.column("actor", sa.String),
        sa.column("reference", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    m = movements.c
    # a row with both deltas keeps its on-hand half and gains a RESERVED twin
    op.execute(
        movements.insert().from_select(
            [
                "sku",
                "warehouse_id",
                "kind",
                "field",
                "delta",
                "on_hand_delta",
                "reserved_delta",
                "note",
                "actor",
                "reference",
                "created_at",
            ],
            sa.select(
                m.sku,
                m.warehouse_id,
                m.kind,
                sa.literal("RESERVED"),
                m.reserved_delta,
                sa.literal(0),
                sa.literal(0),
                m.note,
                m.actor,
                m.reference,
                m.created_at,
            ).where(m.field.is_(None), m.on_hand_delta != 0, m.reserved_delta != 0),
        )
    )
    op.execute(
        movements.update()
        .where(m.field.is_(None))
        .values(
            # a row that moved only reserved units is a RESERVED row; the rest (including the
            # record-only zero rows of write-offs) are ON_HAND rows
            field=sa.case(
                (sa.and_(m.on_hand_delta == 0, m.reserved_delta != 0), "RESERVED"),
                else_="ON_HAND",
            ),
            delta=sa.case(
                (sa.and_(m.on_hand_delta == 0, m.reserved_delta != 0), m.reserved_delta),
                else_=m.on_hand_delta,
            ),
        )
    )
    with op.batch_alter_table("inventory_movements", schema=None) as batch_op:
        batch_op.alter_column("field", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("delta", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("on_hand_delta")
        batch_op.drop_column("reserved_delta")
        batch_op.create_index(
            "ix_inventory_movements_created_at", ["created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inventory_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_movements_created_at")
        batch_op.add_column(
            sa.Column("on_hand_delta", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reserved_delta", sa.Integer(), server_default="0", nullable=False)
        )
    movements = sa.table(
        "inventory_movements",
        sa.column("field", sa.String),
        sa.column("delta", sa.Integer),
        sa.column("on_hand_delta", sa.Integer),
        sa.column("reserved_delta", sa.Integer),
    )
    m = movements.c
    # in-transit and incoming rows have no place in the old shape; they are dropped
    op.execute(movements.delete().where(m.field.in_(["IN_TRANSIT", "INCOMING"])))
    op.execute(
        movements.update().values(
            on_hand_delta=sa.case((m.field == "ON_HAND", m.delta), else_=0),
            reserved_delta=sa.case((m.field == "RESERVED", m.delta), else_=0),
        )
    )
    with op.batch_alter_table("inventory_movements", schema=None) as batch_op:
        batch_op.drop_column("field")
        batch_op.drop_column("delta")
        batch_op.alter_column("note", new_column_name="reason")
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.drop_constraint("ledger_quantities_not_negative", type_="check")
        batch_op.drop_column("low_stock_threshold")
        batch_op.drop_column("incoming")
        batch_op.drop_column("in_transit")
        batch_op.drop_column("safety_stock")
