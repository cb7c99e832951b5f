"""Markets: countries with a currency, tax display, channels and rounding policy.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "markets",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("handle", sa.String(63), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tax_display", sa.String(16), nullable=False),
        sa.Column("channels", _json, nullable=False),
        sa.Column("rounding_mode", sa.String(16), nullable=False),
        sa.Column("rounding_rule", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "tax_display IN ('INCLUSIVE', 'EXCLUSIVE')", name=op.f("ck_markets_tax_display_known")
        ),
        sa.CheckConstraint(
            "rounding_mode IN ('PER_UNIT', 'PER_LINE', 'PER_ORDER')",
            name=op.f("ck_markets_rounding_mode_known"),
        ),
        sa.CheckConstraint(
            "rounding_rule IN ('HALF_UP', 'HALF_EVEN')",
            name=op.f("ck_markets_rounding_rule_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markets")),
        sa.UniqueConstraint("handle", name="uq_markets_handle"),
    )
    op.create_table(
        "market_countries",
        sa.Column("market_id", _id, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_market_countries_market_id_markets"),
        ),
        sa.PrimaryKeyConstraint("market_id", "country_code", name=op.f("pk_market_countries")),
    )
    op.create_index(
        "ux_market_countries_active_country",
        "market_countries",
        ["country_code"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("ux_market_countries_active_country", table_name="market_countries")
    op.drop_table("market_countries")
    op.drop_table("markets")
