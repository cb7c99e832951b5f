from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.availability import SkuAvailability
from ordergraph.schema.enums import QuantityBand


@strawberry.type(
    name="SkuAvailability",
    description="What a storefront may show about one SKU: no warehouse, no exact count "
    "(unless ORDERGRAPH_AVAILABILITY_EXACT is set), nothing personal.",
)
class SkuAvailabilityType:
    sku: str
    in_stock: bool = strawberry.field(description="Some units can be sold right now.")
    quantity_band: QuantityBand
    quantity: int | None = strawberry.field(
        description="Units to sell; null unless ORDERGRAPH_AVAILABILITY_EXACT=true."
    )
    backorderable: bool = strawberry.field(description="It may be ordered while out of stock.")
    promised_delivery_at: datetime | None = strawberry.field(
        description="When an order placed now would arrive in that country (the placeOrder "
        "promise); for a backorderable SKU that is out, counted from backInStockAt."
    )
    back_in_stock_at: datetime | None = strawberry.field(
        description="Out of stock but backorderable: when the earliest inbound shipment or "
        "transfer is expected."
    )

    @classmethod
    def from_domain(cls, found: SkuAvailability) -> SkuAvailabilityType:
        return cls(
            sku=found.sku,
            in_stock=found.in_stock,
            quantity_band=found.band,
            quantity=found.quantity,
            backorderable=found.backorderable,
            promised_delivery_at=found.promised_delivery_at,
            back_in_stock_at=found.back_in_stock_at,
        )
