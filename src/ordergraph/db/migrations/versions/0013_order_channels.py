"""Orders from other channels: where an order came from and who took it.

``source`` + ``external_id`` identify an order taken elsewhere (a marketplace, a shop's point of
sale, a partner); unique together, so replaying an import can never make a second order. Both are
NULL for orders placed here (NULLs never collide in a unique constraint). ``sales_rep`` is the
person who took the order; ``import_fingerprint`` is a digest of the imported content, to tell
a replay from a different order sent under the same id.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("sales_rep", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("import_fingerprint", sa.String(64), nullable=True))
        batch_op.create_unique_constraint("uq_orders_source_external_id", ["source", "external_id"])
        batch_op.create_index(
            "ix_orders_sales_rep", ["sales_rep", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_orders_external_id", ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_external_id")
        batch_op.drop_index("ix_orders_sales_rep")
        batch_op.drop_constraint("uq_orders_source_external_id", type_="unique")
        batch_op.drop_column("import_fingerprint")
        batch_op.drop_column("sales_rep")
        batch_op.drop_column("external_id")
        batch_op.drop_column("source")
