"""Payment links: a draft's invoice or an edit's balance due, paid at /pay/{token}.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "payment_links",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("order_id", _id, nullable=True),
        sa.Column("draft_order_id", _id, nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("summary", _json, nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("expires_at", _ts, nullable=False),
        sa.Column("paid_at", _ts, nullable=True),
        sa.Column("paying_until", _ts, nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_links_amount_positive")),
        sa.CheckConstraint(
            "order_id IS NOT NULL OR draft_order_id IS NOT NULL",
            name=op.f("ck_payment_links_owner_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_links_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["draft_order_id"],
            ["draft_orders.id"],
            name=op.f("fk_payment_links_draft_order_id_draft_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_payment_links_token_hash")),
    )
    op.create_index(op.f("ix_payment_links_order_id"), "payment_links", ["order_id"], unique=False)
    op.create_index(
        op.f("ix_payment_links_draft_order_id"), "payment_links", ["draft_order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_links_draft_order_id"), table_name="payment_links")
    op.drop_index(op.f("ix_payment_links_order_id"), table_name="payment_links")
    op.drop_table("payment_links")
