"""Delivery feedback: one rating (1-5) and comment per order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_feedback",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_order_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_feedback_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_feedback")),
        sa.UniqueConstraint("order_id", name=op.f("uq_order_feedback_order_id")),
    )
    with op.batch_alter_table("order_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_order_feedback_rating", ["rating", "submitted_at"], unique=False)
        batch_op.create_index(
            "ix_order_feedback_submitted_at", ["submitted_at", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("order_feedback")
