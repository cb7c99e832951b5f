"""Taxes: tax rates per country (and region) and class, products' tax class, markets' failure
policy when the tax provider cannot answer.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tax_rates",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("tax_class", sa.String(16), nullable=False),
        sa.Column("rate_e4", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("tax_shipping", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "rate_e4 >= 0 AND rate_e4 <= 1000000", name=op.f("ck_tax_rates_rate_percentage")
        ),
        sa.CheckConstraint(
            "tax_class IN ('STANDARD', 'REDUCED', 'ZERO')",
            name=op.f("ck_tax_rates_tax_class_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
    )
    op.create_index("ix_tax_rates_country", "tax_rates", ["country_code"], unique=False)
    op.create_index(
        "ux_tax_rates_country_class_name",
        "tax_rates",
        ["country_code", "tax_class", "name"],
        unique=True,
        postgresql_where=sa.text("region IS NULL"),
        sqlite_where=sa.text("region IS NULL"),
    )
    op.create_index(
        "ux_tax_rates_region_class_name",
        "tax_rates",
        ["country_code", "region", "tax_class", "name"],
        unique=True,
        postgresql_where=sa.text("region IS NOT NULL"),
        sqlite_where=sa.text("region IS NOT NULL"),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tax_class", sa.String(16), server_default="STANDARD", nullable=False)
        )
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tax_failure_policy", sa.String(16), server_default="BLOCK", nullable=False)
        )
        batch_op.add_column(sa.Column("fallback_tax_rate_e4", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.drop_column("fallback_tax_rate_e4")
        batch_op.drop_column("tax_failure_policy")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("tax_class")
    op.drop_index("ux_tax_rates_region_class_name", table_name="tax_rates")
    op.drop_index("ux_tax_rates_country_class_name", table_name="tax_rates")
    op.drop_index("ix_tax_rates_country", table_name="tax_rates")
    op.drop_table("tax_rates")
