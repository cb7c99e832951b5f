"""Warehouses and products: the catalog every order draws on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.validation import (
    clean_code,
    clean_country,
    clean_sku,
    clean_text,
)

MAX_NAME = 200
MAX_PRIORITY = 1_000_000
DEFAULT_BACKORDER_LIMIT = 100
MAX_BACKORDER_LIMIT = 1_000_000


@dataclass(slots=True)
class Warehouse:
    """A stock location. Lower ``priority`` wins when routing ties."""

    id: int | None
    code: str
    name: str
    region: str
    country_code: str
    priority: int
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        code: str,
        name: str,
        region: str,
        country_code: str,
        priority: int,
        now: datetime,
    ) -> Warehouse:
        """Validate and build a new warehouse (not yet stored)."""
        if not 0 <= priority <= MAX_PRIORITY:
            raise InvalidInput(f"must be between 0 and {MAX_PRIORITY}", field=["priority"])
        return cls(
            id=None,
            code=clean_code(code, ["code"]),
            name=clean_text(name, ["name"], max_length=MAX_NAME),
            region=clean_code(region, ["region"]),
            country_code=clean_country(country_code, ["countryCode"]),
            priority=priority,
            created_at=now,
        )


@dataclass(slots=True)
class Product:
    """A sellable SKU with its catalog price and shipping weight.

    With ``allow_backorder``, each warehouse may reserve up to ``backorder_limit`` units beyond
    what it has on hand: its ``available`` can go that far below zero, never further.
    """

    id: int | None
    sku: str
    name: str
    price: Money
    weight_grams: int
    allow_backorder: bool
    created_at: datetime
    backorder_limit: int = 0
    returnable: bool = True

    @classmethod
    def create(
        cls,
        *,
        sku: str,
        name: str,
        price: Money,
        weight_grams: int,
        allow_backorder: bool,
        now: datetime,
        backorder_limit: int | None = None,
        returnable: bool = True,
    ) -> Product:
        """Validate and build a new product (not yet stored)."""
        if price.minor_units < 0:
            raise InvalidInput("must not be negative", field=["price", "amount"])
        if not 0 <= weight_grams <= 10_000_000:
            raise InvalidInput("must be between 0 and 10,000,000", field=["weightGrams"])
        if backorder_limit is None:
            backorder_limit = DEFAULT_BACKORDER_LIMIT if allow_backorder else 0
        if not 0 <= backorder_limit <= MAX_BACKORDER_LIMIT:
            raise InvalidInput(
                f"must be between 0 and {MAX_BACKORDER_LIMIT}", field=["backorderLimit"]
            )
        if backorder_limit and not allow_backorder:
            raise InvalidInput(
                "a backorder limit needs allowBackorder: true", field=["backorderLimit"]
            )
        return cls(
            id=None,
            sku=clean_sku(sku, ["sku"]),
            name=clean_text(name, ["name"], max_length=MAX_NAME),
            price=price,
            weight_grams=weight_grams,
            allow_backorder=allow_backorder,
            created_at=now,
            backorder_limit=backorder_limit,
            returnable=returnable,
        )
