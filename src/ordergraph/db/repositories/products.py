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
from ordergraph.domain.ports import ChangedConcurrently
from ordergraph.domain.taxes import TaxClass


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
        tax_class=TaxClass(m["tax_class"]),
        metadata=dict(m.get("metadata") or {}),
        private_metadata=dict(m.get("private_metadata") or {}),
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
        "tax_class": product.tax_class.value,
    }


# What a bulk import writes for a new product, beside ``_changeable_values``; an existing one
# takes the changeable columns only, as ``update`` stores them.
_CREATE_VALUES: dict[str, Callable[[Product], object]] = {
    "sku": lambda p: p.sku,
    "allow_backorder": lambda p: p.allow_backorder,
    "backorder_limit": lambda p: p.backorder_limit,
    "created_at": lambda p: p.created_at,
}
# bound parameters per statement stay well below asyncpg's 32,767 and SQLite's 32,766
_UPSERT_ROWS_PER_STATEMENT = 1_000


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
            .values(
                **_changeable_values(product),
                allow_backorder=product.allow_backorder,
                backorder_limit=product.backorder_limit,
                metadata=dict(product.metadata) or None,
                private_metadata=dict(product.private_metadata) or None,
            )
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
        """``INSERT … ON CONFLICT (sku) DO UPDATE … WHERE version = <read version> RETURNING``,
        many rows a statement: new SKUs are inserted, existing ones updated if still at the
        version before the one given (the compare-and-set ``update`` does, in bulk). A SKU the
        statement did not return changed since it was read: ``ChangedConcurrently``."""
        ids: dict[str, int] = {}
        for start in range(0, len(products_), _UPSERT_ROWS_PER_STATEMENT):
            chunk = products_[start : start + _UPSERT_ROWS_PER_STATEMENT]
            rows = [
                {**{c: value(p) for c, value in _CREATE_VALUES.items()}, **_changeable_values(p)}
                for p in chunk
            ]
            for row in await self._conn.execute(_upsert(self._conn.dialect.name, rows)):
                ids[row.sku] = row.id
        if len(ids) < len({p.sku for p in products_}):
            raise ChangedConcurrently("a product changed while the import read it")
        for product in products_:
            product.id = ids[product.sku]
        return ids


def _upsert(dialect: str, rows: list[dict[str, object]]) -> sa.Executable:
    insert = postgresql.insert(products) if dialect == "postgresql" else sqlite.insert(products)
    stmt = insert.values(rows)
    changeable = [c for c in rows[0] if c not in _CREATE_VALUES]
    return stmt.on_conflict_do_update(
        index_elements=[products.c.sku],
        set_={c: stmt.excluded[c] for c in changeable},
        where=products.c.version == stmt.excluded.version - 1,
    ).returning(products.c.id, products.c.sku)
