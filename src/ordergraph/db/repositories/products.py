from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import products
from ordergraph.domain.catalog import Product, ProductStatus
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.money import Money


def product_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> Product:
    m = row._mapping if isinstance(row, sa.Row) else row
    return Product(
        id=m["id"],
        sku=m["sku"],
        name=m["name"],
        price=Money(m["price_minor"], m["currency"]),
        weight_grams=m["weight_grams"],
        allow_backorder=m["allow_backorder"],
        created_at=m["created_at"],
        backorder_limit=m["backorder_limit"],
        returnable=m["returnable"],
        version=m["version"],
        status=ProductStatus(m["status"]),
        archived_at=m["archived_at"],
        attributes=dict(m["attributes"] or {}),
        group_handle=m["group_handle"],
    )


def _changeable_values(product: Product) -> dict[str, object]:
    return {
        "name": product.name,
        "price_minor": product.price.minor_units,
        "currency": product.price.currency,
        "weight_grams": product.weight_grams,
        "returnable": product.returnable,
        "version": product.version,
        "status": product.status.value,
        "archived_at": product.archived_at,
        "attributes": product.attributes or None,
        "group_handle": product.group_handle,
    }


# What a bulk import writes: column → value. ``_UPSERT_UPDATES`` are the columns an import
# changes on an existing product (domain: ``import_formats.CHANGEABLE``).
_UPSERT_VALUES: dict[str, Callable[[Product], object]] = {
    "sku": lambda p: p.sku,
    "name": lambda p: p.name,
    "price_minor": lambda p: p.price.minor_units,
    "currency": lambda p: p.price.currency,
    "weight_grams": lambda p: p.weight_grams,
    "allow_backorder": lambda p: p.allow_backorder,
    "backorder_limit": lambda p: p.backorder_limit,
    "returnable": lambda p: p.returnable,
    "created_at": lambda p: p.created_at,
}
_UPSERT_UPDATES = ("name", "price_minor", "currency", "weight_grams", "returnable")
# bound parameters per statement stay well below asyncpg's 32,767 and SQLite's 32,766
_UPSERT_ROWS_PER_STATEMENT = 2_000


class SqlProductRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, product: Product) -> Product:
        values = {
            "sku": product.sku,
            "allow_backorder": product.allow_backorder,
            "backorder_limit": product.backorder_limit,
            "created_at": product.created_at,
            **_changeable_values(product),
        }
        # The service checks first; a concurrent twin still trips the unique index here.
        try:
            new_id = await self._conn.scalar(
                sa.insert(products).values(**values).returning(products.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate(f"a product with SKU {product.sku} exists", field=["sku"]) from exc
        product.id = new_id
        return product

    async def get(self, product_id: int) -> Product | None:
        row = (
            await self._conn.execute(sa.select(products).where(products.c.id == product_id))
        ).first()
        return product_from_row(row) if row else None

    async def update(self, product: Product, *, previous_version: int) -> bool:
        """Store the product's changeable fields if it is still at ``previous_version``."""
        result = await self._conn.execute(
            sa.update(products)
            .where(products.c.id == product.id, products.c.version == previous_version)
            .values(**_changeable_values(product))
        )
        return result.rowcount == 1

    async def get_by_sku(self, sku: str) -> Product | None:
        row = (await self._conn.execute(sa.select(products).where(products.c.sku == sku))).first()
        return product_from_row(row) if row else None

    async def get_many(self, skus: list[str]) -> dict[str, Product]:
        if not skus:
            return {}
        rows = await self._conn.execute(sa.select(products).where(products.c.sku.in_(skus)))
        return {r.sku: product_from_row(r) for r in rows}

    async def upsert_many(self, products_: Sequence[Product]) -> dict[str, int]:
        """``INSERT … ON CONFLICT (sku) DO UPDATE … RETURNING id, sku``, many rows a statement."""
        ids: dict[str, int] = {}
        for start in range(0, len(products_), _UPSERT_ROWS_PER_STATEMENT):
            chunk = products_[start : start + _UPSERT_ROWS_PER_STATEMENT]
            rows = [{c: value(p) for c, value in _UPSERT_VALUES.items()} for p in chunk]
            for row in await self._conn.execute(_upsert(self._conn.dialect.name, rows)):
                ids[row.sku] = row.id
        for product in products_:
            product.id = ids[product.sku]
        return ids


def _upsert(dialect: str, rows: list[dict[str, object]]) -> sa.Executable:
    if dialect == "postgresql":
        pg = postgresql.insert(products).values(rows)
        return pg.on_conflict_do_update(
            index_elements=[products.c.sku], set_={c: pg.excluded[c] for c in _UPSERT_UPDATES}
        ).returning(products.c.id, products.c.sku)
    lite = sqlite.insert(products).values(rows)
    return lite.on_conflict_do_update(
        index_elements=[products.c.sku], set_={c: lite.excluded[c] for c in _UPSERT_UPDATES}
    ).returning(products.c.id, products.c.sku)
