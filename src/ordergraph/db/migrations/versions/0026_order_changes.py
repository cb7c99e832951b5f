"""Order change sets: edits, partial cancellations and exchanges, numbered per order.

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "order_changes",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_version", sa.Integer(), nullable=False),
        sa.Column("diff", _json, nullable=False),
        sa.Column("summary", _json, nullable=False),
        sa.Column("difference_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.CheckConstraint(
            "kind IN ('EDIT', 'CANCELLATION', 'EXCHANGE')",
            name=op.f("ck_order_changes_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_changes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_changes")),
        sa.UniqueConstraint("order_id", "number", name=op.f("uq_order_changes_order_id")),
    )


def downgrade() -> None:
    op.drop_table("order_changes")
