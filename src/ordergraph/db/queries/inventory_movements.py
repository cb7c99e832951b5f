"""The movement ledger, read: a filtered, keyset-paginated list, newest first.

Every filter is served by an index: ``(sku, warehouse_id, id)`` for a level's history, the
primary key for the rest. The page is one statement whatever its size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ordergraph.db.tables import inventory_movements


def movements_query(
    *,
    sku: str | None = None,
    warehouse_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    """Movements matching every given filter, and their sort key (the id: booking order)."""
    m = inventory_movements.c
    stmt = sa.select(inventory_movements)
    if sku is not None:
        stmt = stmt.where(m.sku == sku)
    if warehouse_id is not None:
        stmt = stmt.where(m.warehouse_id == warehouse_id)
    if kind is not None:
        stmt = stmt.where(m.kind == kind)
    if since is not None:
        stmt = stmt.where(m.created_at >= since)
    return stmt, [m.id]
