"""Draft orders: a saved placeOrder input that staff complete into an order later.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0029"
down_revision: str | None = "0028"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "draft_orders",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("request", _json, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("order_id", _id, nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_draft_orders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_orders")),
    )
    with op.batch_alter_table("draft_orders", schema=None) as batch_op:
        batch_op.create_index("ix_draft_orders_status", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draft_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_orders_status")
    op.drop_table("draft_orders")
