"""Order pricing: discounts and taxes on every line and on shipping, how tax was decided, and
the market the order was placed in; per-rate tax lines and per-discount allocations.

Existing orders keep their totals: every new amount defaults to zero and prices to exclusive.

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0021"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _zero(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(_zero("discount_minor"))
        batch_op.add_column(_zero("tax_minor"))
        batch_op.add_column(_zero("shipping_discount_minor"))
        batch_op.add_column(_zero("shipping_tax_minor"))
        batch_op.add_column(
            sa.Column("prices_include_tax", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("tax_policy", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("market_id", _id, nullable=True))
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(_zero("discount_minor"))
        batch_op.add_column(_zero("tax_minor"))
        batch_op.add_column(sa.Column("tax_class", sa.String(16), nullable=True))
    op.create_table(
        "order_tax_lines",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("order_line_id", _id, nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("rate", sa.String(16), nullable=False),
        sa.Column("taxable_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_tax_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_tax_lines_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_tax_lines")),
    )
    op.create_index(
        op.f("ix_order_tax_lines_order_id"), "order_tax_lines", ["order_id"], unique=False
    )
    op.create_table(
        "order_discounts",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("order_line_id", _id, nullable=True),
        sa.Column("discount_id", _id, nullable=True),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_discounts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_discounts_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_discounts")),
    )
    op.create_index(
        op.f("ix_order_discounts_order_id"), "order_discounts", ["order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_order_discounts_order_id"), table_name="order_discounts")
    op.drop_table("order_discounts")
    op.drop_index(op.f("ix_order_tax_lines_order_id"), table_name="order_tax_lines")
    op.drop_table("order_tax_lines")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("tax_class")
        batch_op.drop_column("tax_minor")
        batch_op.drop_column("discount_minor")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in (
            "market_id",
            "tax_policy",
            "prices_include_tax",
            "shipping_tax_minor",
            "shipping_discount_minor",
            "tax_minor",
            "discount_minor",
        ):
            batch_op.drop_column(column)
