"""Order search: trigram indexes for ``ILIKE '%x%'`` on PostgreSQL (nothing on SQLite).

Revision ID: 0028
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# (index, table, column): what ``OrderFilter.query`` matches with ILIKE '%…%'
TRIGRAM_INDEXES = (
    ("ix_orders_number_trgm", "orders", "number"),
    ("ix_orders_email_trgm", "orders", "email"),
    ("ix_orders_contact_name_trgm", "orders", "contact_name"),
    ("ix_order_lines_sku_trgm", "order_lines", "sku"),
    ("ix_shipments_tracking_number_trgm", "shipments", "tracking_number"),
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return  # SQLite scans with LIKE; its tables are small
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name, table, _column in reversed(TRIGRAM_INDEXES):
        op.drop_index(name, table_name=table)
    # the extension stays: other databases objects may use it, and dropping it needs more rights
