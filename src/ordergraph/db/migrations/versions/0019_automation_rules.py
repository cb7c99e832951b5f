"""Automation rules, their runs (one per rule and event), order tags, the consumer's flag.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)
_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "automation_rules",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(64), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("actions", _json, nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("updated_at", _ts, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_rules")),
    )
    with op.batch_alter_table("automation_rules", schema=None) as batch_op:
        batch_op.create_index("ix_automation_rules_trigger", ["trigger", "enabled"], unique=False)

    op.create_table(
        "automation_runs",
        sa.Column("id", _id, autoincrement=True, nullable=False),
        sa.Column("rule_id", _id, nullable=False),
        sa.Column("outbox_id", _id, nullable=False),
        sa.Column("order_id", _id, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("outcomes", _json, nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("leased_until", _ts, nullable=True),
        sa.Column("finished_at", _ts, nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'RUNNING', 'DONE', 'ABANDONED')",
            name=op.f("ck_automation_runs_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rules.id"],
            name=op.f("fk_automation_runs_rule_id_automation_rules"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_automation_runs_outbox_id_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_automation_runs_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_runs")),
        sa.UniqueConstraint("rule_id", "outbox_id", name="uq_automation_runs_rule_event"),
    )
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_automation_runs_status", ["status", "order_id", "outbox_id"], unique=False
        )
        batch_op.create_index("ix_automation_runs_order", ["order_id", "id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", _json, nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("automated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_outbox_automated", ["automated", "id"], unique=False)
    # rules act on events committed after they exist: the history is not replayed
    op.execute("UPDATE outbox SET automated = true")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_automated")
        batch_op.drop_column("automated")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("tags")
    with op.batch_alter_table("automation_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_automation_runs_order")
        batch_op.drop_index("ix_automation_runs_status")
    op.drop_table("automation_runs")
    with op.batch_alter_table("automation_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_automation_rules_trigger")
    op.drop_table("automation_rules")
