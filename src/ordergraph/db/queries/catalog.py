"""Read queries for lists of warehouses, products, inventory levels and customers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from ordergraph.db.queries.json_filters import HasTag, metadata_matches
from ordergraph.db.tables import customers, inventory_levels, products, warehouses


def warehouses_query() -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    return sa.select(warehouses), [warehouses.c.id]


def products_query(
    statuses: Collection[str] | None = None, group: str | None = None
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    """Products in the given statuses (None: all but ARCHIVED), of one variant group if given."""
    stmt = sa.select(products)
    if statuses is None:
        stmt = stmt.where(products.c.status != "ARCHIVED")
    else:
        stmt = stmt.where(products.c.status.in_(sorted(statuses)))
    if group is not None:
        stmt = stmt.where(products.c.group_handle == group)
    return stmt, [products.c.id]


def inventory_levels_query(
    sku: str | None, warehouse_id: int | None
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(inventory_levels)
    if sku is not None:
        stmt = stmt.where(inventory_levels.c.sku == sku)
    if warehouse_id is not None:
        stmt = stmt.where(inventory_levels.c.warehouse_id == warehouse_id)
    return stmt, [inventory_levels.c.sku, inventory_levels.c.warehouse_id]


def customers_query(
    search: str | None,
    tag: str | None = None,
    metadata: Sequence[tuple[str, str | None]] = (),
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(customers)
    if tag is not None:
        stmt = stmt.where(HasTag(customers.c.tags, tag))
    if metadata:
        stmt = stmt.where(*metadata_matches(customers.c["metadata"], list(metadata)))
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                customers.c.email.ilike(pattern, escape="\\"),
                customers.c.name.ilike(pattern, escape="\\"),
            )
        )
    return stmt, [customers.c.id]
