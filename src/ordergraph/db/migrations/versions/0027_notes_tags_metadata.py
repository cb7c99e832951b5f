"""Order notes; tags on customers; public and private metadata on orders, customers, products.

GIN indexes serve the tag and metadata filters on PostgreSQL (containment and key presence);
on SQLite the same indexes are plain (the filters scan json_each there).

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision: str | None = "0026"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "order_notes",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_notes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notes")),
    )
    with op.batch_alter_table("order_notes", schema=None) as batch_op:
        batch_op.create_index("ix_order_notes_order", ["order_id", "id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata", _json, nullable=True))
        batch_op.add_column(sa.Column("private_metadata", _json, nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", _json, nullable=True))
        batch_op.add_column(sa.Column("metadata", _json, nullable=True))
        batch_op.add_column(sa.Column("private_metadata", _json, nullable=True))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata", _json, nullable=True))
        batch_op.add_column(sa.Column("private_metadata", _json, nullable=True))

    for table in ("orders", "customers"):
        op.create_index(
            f"ix_{table}_tags",
            table,
            ["tags"],
            postgresql_using="gin",
            postgresql_ops={"tags": "jsonb_path_ops"},
        )
        op.create_index(f"ix_{table}_metadata", table, ["metadata"], postgresql_using="gin")


def downgrade() -> None:
    for table in ("customers", "orders"):
        op.drop_index(f"ix_{table}_metadata", table_name=table)
        op.drop_index(f"ix_{table}_tags", table_name=table)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("private_metadata")
        batch_op.drop_column("metadata")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("private_metadata")
        batch_op.drop_column("metadata")
        batch_op.drop_column("tags")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("private_metadata")
        batch_op.drop_column("metadata")
    with op.batch_alter_table("order_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_order_notes_order")
    op.drop_table("order_notes")
