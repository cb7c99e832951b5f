"""Catalog changes: versions on products, warehouses and customers; product status, attributes
and variant group; warehouse deactivation.

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer(), nullable=False, server_default="1")


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(_version())
        batch_op.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE")
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attributes", _json, nullable=True))
        batch_op.add_column(sa.Column("group_handle", sa.String(64), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_products_status_known"), "status IN ('ACTIVE', 'DRAFT', 'ARCHIVED')"
        )
        batch_op.create_index("ix_products_group_handle", ["group_handle"], unique=False)
        batch_op.create_index("ix_products_status", ["status", "id"], unique=False)
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.add_column(_version())
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(_version())


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("active")
        batch_op.drop_column("version")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_status")
        batch_op.drop_index("ix_products_group_handle")
        batch_op.drop_constraint(op.f("ck_products_status_known"), type_="check")
        batch_op.drop_column("group_handle")
        batch_op.drop_column("attributes")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("status")
        batch_op.drop_column("version")
