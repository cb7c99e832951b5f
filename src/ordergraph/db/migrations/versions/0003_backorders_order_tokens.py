"""Backorders (a per-product limit, mirrored on each inventory level and enforced by CHECK);
orders remember the API token that placed them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "placed_by_token_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            op.f("fk_orders_placed_by_token_id_api_tokens"),
            "api_tokens",
            ["placed_by_token_id"],
            ["id"],
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backorder_limit", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_products_backorder_limit_not_negative"), "backorder_limit >= 0"
        )
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backorder_limit", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint(op.f("ck_inventory_levels_reserved_within_on_hand"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_inventory_levels_reserved_within_stock"),
            "reserved >= 0 AND reserved <= on_hand + backorder_limit",
        )
        batch_op.create_check_constraint(
            op.f("ck_inventory_levels_on_hand_not_negative"),
            "on_hand >= 0 AND backorder_limit >= 0",
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_orders_placed_by_token_id_api_tokens"), type_="foreignkey"
        )
        batch_op.drop_column("placed_by_token_id")
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_inventory_levels_on_hand_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_inventory_levels_reserved_within_stock"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_inventory_levels_reserved_within_on_hand"),
            "reserved >= 0 AND reserved <= on_hand",
        )
        batch_op.drop_column("backorder_limit")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_products_backorder_limit_not_negative"), type_="check")
        batch_op.drop_column("backorder_limit")
