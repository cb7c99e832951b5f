"""Carrier services: lanes, rate brackets, cut-offs and calendars; the option an order was
placed with and the carrier choice a shipment was made with.

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0019"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "carrier_services",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("working_days", _json, nullable=False),
        sa.Column("holidays", _json, nullable=False),
        sa.Column("cutoffs", _json, nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_services")),
        sa.UniqueConstraint("carrier", "service", name=op.f("uq_carrier_services_carrier")),
    )
    op.create_table(
        "carrier_service_lanes",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("carrier_service_id", _id, nullable=False),
        sa.Column("origin_region", sa.String(32), nullable=False),
        sa.Column("destination_country", sa.String(2), nullable=True),
        sa.Column("destination_region", sa.String(32), nullable=True),
        sa.Column("transit_days_min", sa.Integer(), nullable=False),
        sa.Column("transit_days_max", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "transit_days_min >= 0 AND transit_days_max >= transit_days_min",
            name=op.f("ck_carrier_service_lanes_transit_range"),
        ),
        sa.ForeignKeyConstraint(
            ["carrier_service_id"],
            ["carrier_services.id"],
            name=op.f("fk_carrier_service_lanes_carrier_service_id_carrier_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_service_lanes")),
    )
    with op.batch_alter_table("carrier_service_lanes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carrier_service_lanes_carrier_service_id", ["carrier_service_id"], unique=False
        )
    op.create_table(
        "carrier_service_rates",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("carrier_service_id", _id, nullable=False),
        sa.Column("max_weight_grams", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("free_over_minor", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "max_weight_grams > 0 AND price_minor >= 0",
            name=op.f("ck_carrier_service_rates_bracket_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["carrier_service_id"],
            ["carrier_services.id"],
            name=op.f("fk_carrier_service_rates_carrier_service_id_carrier_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_service_rates")),
    )
    with op.batch_alter_table("carrier_service_rates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carrier_service_rates_carrier_service_id", ["carrier_service_id"], unique=False
        )
    op.create_table(
        "order_shipping_options",
        sa.Column("order_id", _id, nullable=False),
        sa.Column("carrier_service_id", _id, nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("chosen_by", sa.String(16), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("earliest", _ts, nullable=False),
        sa.Column("latest", _ts, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_shipping_options_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["carrier_service_id"],
            ["carrier_services.id"],
            name=op.f("fk_order_shipping_options_carrier_service_id_carrier_services"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_shipping_options")),
    )
    op.create_table(
        "shipment_carrier_choices",
        sa.Column("shipment_id", _id, nullable=False),
        sa.Column("carrier_service_id", _id, nullable=False),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("explanation", _json, nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_carrier_choices_shipment_id_shipments"),
        ),
        sa.ForeignKeyConstraint(
            ["carrier_service_id"],
            ["carrier_services.id"],
            name=op.f("fk_shipment_carrier_choices_carrier_service_id_carrier_services"),
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment_carrier_choices")),
    )
    # the transit history reads delivered shipments by carrier and service
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_carrier_service", ["carrier", "service", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_carrier_service")
    op.drop_table("shipment_carrier_choices")
    op.drop_table("order_shipping_options")
    op.drop_table("carrier_service_rates")
    op.drop_table("carrier_service_lanes")
    op.drop_table("carrier_services")
