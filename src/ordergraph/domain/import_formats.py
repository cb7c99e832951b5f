"""The two import file formats and how a row becomes a product or a stock count.

Products (upsert by SKU)::

    sku,name,price,currency[,weight_grams,allow_backorder,backorder_limit,returnable]

Inventory (a counted quantity per SKU and warehouse code)::

    sku,warehouse,on_hand[,safety_stock]

A product row is checked with the same rules as ``createProduct`` (``Product.create``) for a new
SKU and ``updateProduct`` (``Product.update``) for an existing one; a stock row with those of the
stock commands (``clean_sku``, ``clean_code``, non-negative quantities). To import another product
column, add a ``Column`` to ``PRODUCT_COLUMNS`` and its ``Product.update`` keyword to ``UPDATES``
(the repository's upsert already writes every column ``updateProduct`` changes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ordergraph.domain.catalog import Product
from ordergraph.domain.catalog_import import (
    MAX_QUANTITY,
    Column,
    RowProblem,
    read_bool,
    read_decimal,
    read_int,
    read_text,
)
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.validation import clean_code, clean_sku

_ANY_INT = read_int(-(2**31), 2**31 - 1)  # the range itself is Product.create's rule

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("sku", True, read_text),
    Column("name", True, read_text),
    Column("price", True, read_decimal),
    Column("currency", True, read_text),
    Column("weight_grams", False, _ANY_INT),
    Column("allow_backorder", False, read_bool),
    Column("backorder_limit", False, _ANY_INT),
    Column("returnable", False, read_bool),
)

# Optional columns an import applies to an existing product: column → ``Product.update``
# keyword (name and price are required columns, always applied). Backorder settings are set
# when a product is created only: every inventory level carries a copy of the limit.
UPDATES: dict[str, str] = {"weight_grams": "weight_grams", "returnable": "returnable"}
_CREATE_ONLY = ("allow_backorder", "backorder_limit")

# Product.create names fields as the API does; the report names the file's columns.
_COLUMN_OF_FIELD = {
    "sku": "sku",
    "name": "name",
    "price.amount": "price",
    "price.currency": "currency",
    "weightGrams": "weight_grams",
    "backorderLimit": "backorder_limit",
}

Outcome = Literal["created", "updated", "unchanged"]


def column_of(exc: InvalidInput) -> str | None:
    path = ".".join(exc.field or ())
    return _COLUMN_OF_FIELD.get(path, path or None)


def product_from_cells(
    values: dict[str, object], existing: Product | None, now: datetime
) -> tuple[Product, Outcome, list[str]]:
    """The product a row describes and what became of it: a new one (``Product.create``, its
    defaults for the cells left out), or the existing one changed by ``Product.update`` —
    updateProduct's rules, a version bump — with the names of the fields that changed.
    ``RowProblem`` if a rule refuses the row."""
    try:
        price = Money.parse(_decimal(values["price"]), str(values["currency"]), ["price"])
        if existing is None:
            limit = values.get("backorder_limit")
            product = Product.create(
                sku=str(values["sku"]),
                name=str(values["name"]),
                price=price,
                weight_grams=_int(values.get("weight_grams", 0)),
                allow_backorder=bool(values.get("allow_backorder", False)),
                backorder_limit=None if limit is None else _int(limit),
                returnable=bool(values.get("returnable", True)),
                now=now,
            )
            return product, "created", []
        _check_create_only(values, existing)
        product = dataclasses.replace(existing, attributes=dict(existing.attributes))
        changed = product.update(
            now=now,
            name=str(values["name"]),
            price=price,
            **_updates(values),
        )
    except InvalidInput as exc:
        raise RowProblem(column_of(exc), exc.message, exc.code) from exc
    return (product, "updated", changed) if changed else (existing, "unchanged", [])


def _updates(values: dict[str, object]) -> dict[str, Any]:
    """The ``Product.update`` keywords of the optional cells a row gives."""
    return {keyword: values[column] for column, keyword in UPDATES.items() if column in values}


def _check_create_only(values: dict[str, object], existing: Product) -> None:
    for column in _CREATE_ONLY:
        if column in values and values[column] != getattr(existing, column):
            raise RowProblem(
                column,
                f"cannot be changed for the existing product {existing.sku} "
                f"(it is {getattr(existing, column)}); import sets it on new products only",
                "NOT_CHANGEABLE",
            )


def _decimal(value: object) -> Decimal:
    assert isinstance(value, Decimal)
    return value


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


INVENTORY_COLUMNS: tuple[Column, ...] = (
    Column("sku", True, read_text),
    Column("warehouse", True, read_text),
    Column("on_hand", True, read_int(0, MAX_QUANTITY)),
    Column("safety_stock", False, read_int(0, MAX_QUANTITY)),
)


@dataclass(frozen=True, slots=True)
class StockCount:
    """A counted on-hand quantity for one SKU in one warehouse (by code)."""

    line: int
    sku: str
    warehouse_code: str
    on_hand: int
    safety_stock: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.warehouse_code)


def stock_count_from_cells(line: int, values: dict[str, object]) -> StockCount:
    try:
        sku = clean_sku(str(values["sku"]), ["sku"])
        code = clean_code(str(values["warehouse"]), ["warehouse"])
    except InvalidInput as exc:
        raise RowProblem(column_of(exc), exc.message, exc.code) from exc
    safety = values.get("safety_stock")
    return StockCount(line, sku, code, _int(values["on_hand"]), _optional_int(safety))


def columns_help(columns: Sequence[Column]) -> str:
    """``sku,name,price,currency[,weight_grams,…]``: the format in one line."""
    required = [c.name for c in columns if c.required]
    optional = [c.name for c in columns if not c.required]
    return ",".join(required) + (f"[,{','.join(optional)}]" if optional else "")
