"""Price lists per market (for a channel and/or customer group, in a window) and customer groups.

Revision ID: 0022
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0025"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_group", sa.String(32), nullable=True))
    op.create_table(
        "price_lists",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("market_id", _id, nullable=False),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("customer_group", sa.String(32), nullable=True),
        sa.Column("starts_at", _ts, nullable=True),
        sa.Column("ends_at", _ts, nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at",
            name=op.f("ck_price_lists_window_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["market_id"], ["markets.id"], name=op.f("fk_price_lists_market_id_markets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
    )
    op.create_index("ix_price_lists_market_id", "price_lists", ["market_id", "id"])
    op.create_table(
        "price_list_prices",
        sa.Column("price_list_id", _id, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount_minor >= 0", name=op.f("ck_price_list_prices_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["price_lists.id"],
            name=op.f("fk_price_list_prices_price_list_id_price_lists"),
        ),
        sa.PrimaryKeyConstraint("price_list_id", "sku", name=op.f("pk_price_list_prices")),
    )
    op.create_index("ix_price_list_prices_sku", "price_list_prices", ["sku", "price_list_id"])


def downgrade() -> None:
    op.drop_index("ix_price_list_prices_sku", table_name="price_list_prices")
    op.drop_table("price_list_prices")
    op.drop_index("ix_price_lists_market_id", table_name="price_lists")
    op.drop_table("price_lists")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("customer_group")
