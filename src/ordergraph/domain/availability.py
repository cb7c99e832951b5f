"""What a storefront may show about stock: in stock or not, a band, a promise, a restock date.

Exact numbers stay private unless the shop opts in (``AvailabilityPolicy.exact``): a band is
enough to sell, and tells competitors little.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordergraph.domain.catalog import Warehouse

MAX_SKUS = 100


class QuantityBand(enum.StrEnum):
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LOW = "LOW"
    IN_STOCK = "IN_STOCK"


@dataclass(frozen=True, slots=True)
class AvailabilityPolicy:
    """``exact``: also answer the number of units; ``low_threshold``: at or below it is LOW."""

    exact: bool = False
    low_threshold: int = 5


def band(units: int, policy: AvailabilityPolicy) -> QuantityBand:
    if units <= 0:
        return QuantityBand.OUT_OF_STOCK
    if units <= policy.low_threshold:
        return QuantityBand.LOW
    return QuantityBand.IN_STOCK


@dataclass(frozen=True, slots=True)
class StockSnapshot:
    """Sellable stock of some SKUs: which of them exist (and may be backordered), the active
    warehouses, and available-to-sell (on hand - reserved - safety stock) per (sku, warehouse)."""

    backorderable: Mapping[str, bool]
    warehouses: Sequence[Warehouse]
    available: Mapping[tuple[str, int], int] = field(default_factory=dict)

    def total(self, sku: str) -> int:
        """Units to sell across all warehouses; a warehouse short of stock subtracts nothing."""
        return sum(max(0, units) for (s, _), units in self.available.items() if s == sku)


@dataclass(frozen=True, slots=True)
class Restock:
    """Stock on its way to a warehouse: an open inbound line (``at`` = its expected date) or a
    transfer in transit (``at`` = when it was sent, from ``source_warehouse_id``)."""

    sku: str
    warehouse_id: int
    at: datetime
    source_warehouse_id: int | None = None


@dataclass(frozen=True, slots=True)
class SkuAvailability:
    sku: str
    in_stock: bool
    band: QuantityBand
    backorderable: bool
    quantity: int | None  # only with AvailabilityPolicy.exact
    promised_delivery_at: datetime | None
    back_in_stock_at: datetime | None
