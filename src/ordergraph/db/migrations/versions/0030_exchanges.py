"""Exchanges: a return of the original order linked to its replacement order.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("original_order_id", _id, nullable=False),
        sa.Column("replacement_order_id", _id, nullable=False),
        sa.Column("return_id", _id, nullable=False),
        sa.Column("returned_minor", sa.BigInteger(), nullable=False),
        sa.Column("new_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("settlement", sa.String(24), nullable=False),
        sa.Column("hold_replacement", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.CheckConstraint(
            "settlement IN ('NONE', 'CHARGE', 'REFUND_ON_RECEIPT')",
            name=op.f("ck_exchanges_settlement_known"),
        ),
        sa.ForeignKeyConstraint(
            ["original_order_id"],
            ["orders.id"],
            name=op.f("fk_exchanges_original_order_id_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["replacement_order_id"],
            ["orders.id"],
            name=op.f("fk_exchanges_replacement_order_id_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_exchanges_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("replacement_order_id", name=op.f("uq_exchanges_replacement_order_id")),
        sa.UniqueConstraint("return_id", name=op.f("uq_exchanges_return_id")),
    )
    op.create_index(
        op.f("ix_exchanges_original_order_id"), "exchanges", ["original_order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_exchanges_original_order_id"), table_name="exchanges")
    op.drop_table("exchanges")
