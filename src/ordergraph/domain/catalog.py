"""Warehouses and products: the catalog every order draws on."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.taxes import TaxClass
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
MAX_WEIGHT_GRAMS = 10_000_000
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_VALUE = 200
MAX_GROUP = 64

_ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_GROUP = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ProductStatus(enum.Enum):
    """ACTIVE products sell; DRAFT ones are not yet for sale; ARCHIVED ones no longer are."""

    ACTIVE = "ACTIVE"
    DRAFT = "DRAFT"
    ARCHIVED = "ARCHIVED"


class ProductNotSellable(DomainError):
    """A DRAFT or ARCHIVED product cannot be put on a new order (existing orders keep it)."""


class ProductArchived(ProductNotSellable):
    """The product was archived: it no longer sells."""

    code = "PRODUCT_ARCHIVED"


class ProductDraft(ProductNotSellable):
    """The product is a draft: it does not sell yet."""

    code = "PRODUCT_DRAFT"


def clean_priority(priority: int, field: Sequence[str]) -> int:
    if not 0 <= priority <= MAX_PRIORITY:
        raise InvalidInput(f"must be between 0 and {MAX_PRIORITY}", field=field)
    return priority


def clean_weight(weight_grams: int, field: Sequence[str]) -> int:
    if not 0 <= weight_grams <= MAX_WEIGHT_GRAMS:
        raise InvalidInput("must be between 0 and 10,000,000", field=field)
    return weight_grams


def clean_price(price: Money, field: Sequence[str]) -> Money:
    if price.minor_units < 0:
        raise InvalidInput("must not be negative", field=[*field, "amount"])
    return price


def clean_attributes(pairs: Sequence[tuple[str, str]], field: Sequence[str]) -> dict[str, str]:
    """Attributes such as size and colour: lower-case keys, each at most once, text values."""
    if len(pairs) > MAX_ATTRIBUTES:
        raise InvalidInput(f"at most {MAX_ATTRIBUTES} attributes", field=field)
    cleaned: dict[str, str] = {}
    for index, (key, value) in enumerate(pairs):
        at = [*field, str(index)]
        name = clean_text(key, [*at, "key"], max_length=64).lower()
        if not _ATTRIBUTE_KEY.match(name):
            raise InvalidInput(
                "must start with a letter and hold only letters, digits, _ and -",
                field=[*at, "key"],
            )
        if name in cleaned:
            raise InvalidInput(f"attribute {name!r} is given twice", field=[*at, "key"])
        cleaned[name] = clean_text(value, [*at, "value"], max_length=MAX_ATTRIBUTE_VALUE)
    return cleaned


def clean_group(value: str | None, field: Sequence[str]) -> str | None:
    """A variant group handle (``classic-tee``), lower-cased; empty or None: no group."""
    if value is None or not value.strip():
        return None
    handle = clean_text(value, field, max_length=MAX_GROUP).lower()
    if not _GROUP.match(handle):
        raise InvalidInput("may hold only letters, digits, _ and -", field=field)
    return handle


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
    version: int = 1
    active: bool = True  # inactive: routing skips it; its open work stays visible
    deactivated_at: datetime | None = None

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
        clean_priority(priority, ["priority"])
        return cls(
            id=None,
            code=clean_code(code, ["code"]),
            name=clean_text(name, ["name"], max_length=MAX_NAME),
            region=clean_code(region, ["region"]),
            country_code=clean_country(country_code, ["countryCode"]),
            priority=priority,
            created_at=now,
        )

    def update(
        self,
        *,
        name: str | None = None,
        region: str | None = None,
        country_code: str | None = None,
        priority: int | None = None,
    ) -> list[str]:
        """Validate and apply the given fields (None: unchanged); the names of those that
        changed. Any change bumps ``version``; nothing is applied if one field is invalid."""
        wanted = {
            "name": None if name is None else clean_text(name, ["name"], max_length=MAX_NAME),
            "region": None if region is None else clean_code(region, ["region"]),
            "country_code": (
                None if country_code is None else clean_country(country_code, ["countryCode"])
            ),
            "priority": None if priority is None else clean_priority(priority, ["priority"]),
        }
        changed = _apply(self, wanted)
        if changed:
            self.version += 1
        return changed

    def deactivate(self, now: datetime) -> bool:
        """Take it out of routing for new orders; False if it already was."""
        if not self.active:
            return False
        self.active = False
        self.deactivated_at = now
        self.version += 1
        return True


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
    version: int = 1
    status: ProductStatus = ProductStatus.ACTIVE
    archived_at: datetime | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    group_handle: str | None = None  # variants of one product share it
    tax_class: TaxClass = TaxClass.STANDARD
    metadata: dict[str, str] = field(default_factory=dict)  # domain/annotations.py
    private_metadata: dict[str, str] = field(default_factory=dict)  # staff only

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
        tax_class: TaxClass = TaxClass.STANDARD,
    ) -> Product:
        """Validate and build a new product (not yet stored)."""
        clean_price(price, ["price"])
        clean_weight(weight_grams, ["weightGrams"])
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
            tax_class=tax_class,
        )

    @property
    def sellable(self) -> bool:
        return self.status is ProductStatus.ACTIVE

    def check_sellable(self, field: Sequence[str]) -> None:
        """Raise ``ProductNotSellable`` unless new orders may take it."""
        if self.status is ProductStatus.ARCHIVED:
            raise ProductArchived(f"product {self.sku} is archived", field=field)
        if self.status is ProductStatus.DRAFT:
            raise ProductDraft(f"product {self.sku} is a draft, not for sale yet", field=field)

    def update(
        self,
        *,
        now: datetime,
        name: str | None = None,
        price: Money | None = None,
        weight_grams: int | None = None,
        attributes: Sequence[tuple[str, str]] | None = None,
        group: str | None = None,
        clear_group: bool = False,
        status: ProductStatus | None = None,
        returnable: bool | None = None,
        allow_backorder: bool | None = None,
        backorder_limit: int | None = None,
        tax_class: TaxClass | None = None,
    ) -> list[str]:
        """Validate and apply the given fields (None: unchanged; ``clear_group`` removes the
        group); the names of those that changed. Any change bumps ``version``; one invalid
        field applies nothing. Orders already placed keep their own copy of name and price."""
        wanted: dict[str, object] = {
            "name": None if name is None else clean_text(name, ["name"], max_length=MAX_NAME),
            "price": None if price is None else clean_price(price, ["price"]),
            "weight_grams": (
                None if weight_grams is None else clean_weight(weight_grams, ["weightGrams"])
            ),
            "attributes": (
                None if attributes is None else clean_attributes(attributes, ["attributes"])
            ),
            "returnable": returnable,
            "tax_class": tax_class,
            **self._backorder_terms(allow_backorder, backorder_limit),
        }
        if clear_group:
            wanted["group_handle"] = _CLEAR
        elif group is not None:
            wanted["group_handle"] = clean_group(group, ["group"]) or _CLEAR
        changed = _apply(self, wanted)
        if status is not None and status is not self.status:
            self.status = status
            self.archived_at = now if status is ProductStatus.ARCHIVED else None
            changed.append("status")
        if changed:
            self.version += 1
        return changed

    def _backorder_terms(
        self, allow_backorder: bool | None, backorder_limit: int | None
    ) -> dict[str, object]:
        """The backorder fields an update asks for, checked as ``create`` checks them; turning
        backorders on without a limit takes the default, turning them off sets the limit to 0."""
        if allow_backorder is None and backorder_limit is None:
            return {}
        allow = self.allow_backorder if allow_backorder is None else allow_backorder
        if backorder_limit is None:
            limit = 0 if not allow else (self.backorder_limit or DEFAULT_BACKORDER_LIMIT)
        else:
            limit = backorder_limit
        if not 0 <= limit <= MAX_BACKORDER_LIMIT:
            raise InvalidInput(
                f"must be between 0 and {MAX_BACKORDER_LIMIT}", field=["backorderLimit"]
            )
        if limit and not allow:
            raise InvalidInput(
                "a backorder limit needs allowBackorder: true", field=["backorderLimit"]
            )
        return {"allow_backorder": allow, "backorder_limit": limit}

    def archive(self, now: datetime) -> bool:
        """No new orders may take it; False if it already was archived."""
        return bool(self.update(now=now, status=ProductStatus.ARCHIVED))


_CLEAR = object()  # an explicit "set to None" among the wanted values


def _apply(target: object, wanted: Mapping[str, object]) -> list[str]:
    """Set each wanted (not None) attribute that differs; the names of those set."""
    changed: list[str] = []
    for name, value in wanted.items():
        if value is None:
            continue
        new = None if value is _CLEAR else value
        if getattr(target, name) != new:
            setattr(target, name, new)
            changed.append(name)
    return changed
