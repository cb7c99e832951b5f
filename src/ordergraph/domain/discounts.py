"""Discounts: automatic ones and codes, and the terms by which one applies to an order."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class DiscountKind(enum.StrEnum):
    PERCENTAGE = "PERCENTAGE"  # value "10" = 10 % off what it applies to
    FIXED_AMOUNT = "FIXED_AMOUNT"  # value "10" = 10.00 in ``currency`` off, split over lines
    FREE_SHIPPING = "FREE_SHIPPING"  # the shipping price is taken off


class DiscountScope(enum.StrEnum):
    ORDER = "ORDER"  # every line
    PRODUCTS = "PRODUCTS"  # lines whose SKU is in ``skus`` or whose group is in ``groups``


@dataclass(slots=True)
class Discount:
    """An automatic discount (``code`` None) or a code; amounts in minor units of ``currency``."""

    id: int | None
    code: str | None
    name: str
    kind: DiscountKind
    value: Decimal
    currency: str | None  # required for FIXED_AMOUNT and a minimum subtotal
    scope: DiscountScope = DiscountScope.ORDER
    skus: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    minimum_subtotal: int | None = None  # minor units of ``currency``
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    combinable: bool = True
    active: bool = True
    times_used: int = 0
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def automatic(self) -> bool:
        return self.code is None

    def covers(self, sku: str, group: str | None) -> bool:
        """Whether a line of ``sku`` (in product ``group``) is discounted by this discount."""
        if self.kind is DiscountKind.FREE_SHIPPING or self.scope is DiscountScope.ORDER:
            return True
        return sku in self.skus or (group is not None and group in self.groups)
