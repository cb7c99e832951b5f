"""Transfers between warehouses and inbound shipments (incoming stock).

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inventory_transfers",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("from_warehouse_id", _id, nullable=False),
        sa.Column("to_warehouse_id", _id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("received_at", _ts, nullable=True),
        sa.Column("cancelled_at", _ts, nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_inventory_transfers_quantity_positive")),
        sa.CheckConstraint(
            "from_warehouse_id <> to_warehouse_id",
            name=op.f("ck_inventory_transfers_distinct_warehouses"),
        ),
        sa.CheckConstraint(
            "status IN ('IN_TRANSIT', 'RECEIVED', 'CANCELLED')",
            name=op.f("ck_inventory_transfers_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_inventory_transfers_sku_products")
        ),
        sa.ForeignKeyConstraint(
            ["from_warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_inventory_transfers_from_warehouse_id_warehouses"),
        ),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_inventory_transfers_to_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_transfers")),
        sa.UniqueConstraint("number", name=op.f("uq_inventory_transfers_number")),
    )
    with op.batch_alter_table("inventory_transfers", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_transfers_status", ["status", "id"], unique=False)
        batch_op.create_index("ix_inventory_transfers_sku_status", ["sku", "status"], unique=False)

    op.create_table(
        "inbound_shipments",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("warehouse_id", _id, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("expected_at", _ts, nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("received_at", _ts, nullable=True),
        sa.Column("cancelled_at", _ts, nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED')",
            name=op.f("ck_inbound_shipments_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_inbound_shipments_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_shipments")),
        sa.UniqueConstraint("number", name=op.f("uq_inbound_shipments_number")),
    )
    with op.batch_alter_table("inbound_shipments", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_shipments_status", ["status", "id"], unique=False)
        batch_op.create_index(
            "ix_inbound_shipments_warehouse", ["warehouse_id", "id"], unique=False
        )

    op.create_table(
        "inbound_shipment_lines",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("inbound_shipment_id", _id, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity_expected", sa.Integer(), nullable=False),
        sa.Column("quantity_received", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "quantity_expected > 0",
            name=op.f("ck_inbound_shipment_lines_quantity_expected_positive"),
        ),
        sa.CheckConstraint(
            "quantity_received >= 0",
            name=op.f("ck_inbound_shipment_lines_quantity_received_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_shipment_id"],
            ["inbound_shipments.id"],
            name=op.f("fk_inbound_shipment_lines_inbound_shipment_id_inbound_shipments"),
        ),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_inbound_shipment_lines_sku_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_shipment_lines")),
        sa.UniqueConstraint(
            "inbound_shipment_id", "sku", name=op.f("uq_inbound_shipment_lines_sku")
        ),
    )
    with op.batch_alter_table("inbound_shipment_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_shipment_lines_sku", ["sku", "inbound_shipment_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("inbound_shipment_lines")
    op.drop_table("inbound_shipments")
    op.drop_table("inventory_transfers")
