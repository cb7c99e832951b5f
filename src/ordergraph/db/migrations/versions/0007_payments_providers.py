"""Payments through real providers: attempts recorded before the call, settlement, compensation
links, 3-D Secure details, provider webhook events, authorization expiry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("target_reference", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("compensates_id", BIG_ID, nullable=True))
        batch_op.add_column(sa.Column("client_secret", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("next_action", JSON, nullable=True))
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_transactions_compensates_id_payment_transactions"),
            "payment_transactions",
            ["compensates_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_payment_transactions_reference", ["gateway", "reference"], unique=False
        )
    # Everything recorded before this revision was applied to its order when it was recorded.
    op.execute("UPDATE payment_transactions SET settled_at = created_at")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("authorization_expires_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "payment_provider_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_provider_events")),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_provider_events_event"),
    )


def downgrade() -> None:
    op.drop_table("payment_provider_events")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("authorization_expires_at")
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_transactions_reference")
        batch_op.drop_constraint(
            batch_op.f("fk_payment_transactions_compensates_id_payment_transactions"),
            type_="foreignkey",
        )
        batch_op.drop_column("settled_at")
        batch_op.drop_column("next_action")
        batch_op.drop_column("client_secret")
        batch_op.drop_column("compensates_id")
        batch_op.drop_column("target_reference")
        batch_op.drop_column("idempotency_key")
