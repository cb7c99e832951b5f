"""Draft orders: one draft per order (the Order.draftOrderId lookup) and held stock.

``reservation`` lists the units a draft holds ([sku, warehouse_id, quantity]) until
``reservation_expires_at``; the expiry sweep finds them by that index.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0031"
down_revision: str | None = "0030"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("draft_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reservation", _json, nullable=True))
        batch_op.add_column(sa.Column("reservation_expires_at", _ts, nullable=True))
        batch_op.create_index("ux_draft_orders_order_id", ["order_id"], unique=True)
        batch_op.create_index(
            "ix_draft_orders_reservation_expires_at", ["reservation_expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("draft_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_orders_reservation_expires_at")
        batch_op.drop_index("ux_draft_orders_order_id")
        batch_op.drop_column("reservation_expires_at")
        batch_op.drop_column("reservation")
