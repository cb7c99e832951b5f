"""Carrier webhooks as received, and shipments found by tracking number.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "carrier_events",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("tracking_number", sa.String(100), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=True),
        sa.Column("carrier_status", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=True),
        sa.Column("occurred_at", _ts, nullable=True),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("shipment_id", _id, nullable=True),
        sa.Column("received_at", _ts, nullable=False),
        sa.CheckConstraint(
            "outcome IN ('APPLIED', 'STALE', 'UNMATCHED', 'IGNORED')",
            name=op.f("ck_carrier_events_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_carrier_events_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_events")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_carrier_events_event")),
    )
    with op.batch_alter_table("carrier_events", schema=None) as batch_op:
        batch_op.create_index("ix_carrier_events_outcome", ["outcome", "id"], unique=False)
        batch_op.create_index(
            "ix_carrier_events_tracking_number", ["tracking_number"], unique=False
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_tracking_number", ["tracking_number", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_tracking_number")
    op.drop_table("carrier_events")
