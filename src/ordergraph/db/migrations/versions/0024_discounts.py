"""Discounts: codes and automatic discounts, their uses by orders.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "discounts",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("skus", _json, nullable=False),
        sa.Column("groups", _json, nullable=False),
        sa.Column("minimum_subtotal_minor", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", _ts, nullable=True),
        sa.Column("ends_at", _ts, nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=True),
        sa.Column("combinable", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("times_used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING')",
            name=op.f("ck_discounts_kind_known"),
        ),
        sa.CheckConstraint("scope IN ('ORDER', 'PRODUCTS')", name=op.f("ck_discounts_scope_known")),
        sa.CheckConstraint("times_used >= 0", name=op.f("ck_discounts_times_used_not_negative")),
        sa.CheckConstraint(
            "usage_limit IS NULL OR usage_limit >= 1",
            name=op.f("ck_discounts_usage_limit_positive"),
        ),
        sa.CheckConstraint(
            "per_customer_limit IS NULL OR per_customer_limit >= 1",
            name=op.f("ck_discounts_per_customer_limit_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discounts")),
        sa.UniqueConstraint("code", name=op.f("uq_discounts_code")),
    )
    op.create_table(
        "discount_usages",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("discount_id", _id, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("customer_key", sa.String(330), nullable=False),
        sa.Column("taken_at", _ts, nullable=False),
        sa.Column("given_back_at", _ts, nullable=True),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["discounts.id"],
            name=op.f("fk_discount_usages_discount_id_discounts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_discount_usages_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_usages")),
        sa.UniqueConstraint("discount_id", "order_id", name="uq_discount_usages_discount_order"),
    )
    op.create_index("ix_discount_usages_order_id", "discount_usages", ["order_id"])
    op.create_index(
        "ix_discount_usages_customer", "discount_usages", ["discount_id", "customer_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_discount_usages_customer", table_name="discount_usages")
    op.drop_index("ix_discount_usages_order_id", table_name="discount_usages")
    op.drop_table("discount_usages")
    op.drop_table("discounts")
