from __future__ import annotations

import sqlalchemy as sa
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
