"""What a packing slip says: one fulfillment's parcel as the packer and the recipient see it.

The slip is built from a read (``db.queries.packing_slip``) and drawn by
``ordergraph.documents``; this module holds the facts and the few rules about them — how a
fulfillment is numbered and when a parcel is one part of a split order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.customers import Address
from ordergraph.domain.fulfillments import FulfillmentStatus


def fulfillment_number(order_number: str, position: int) -> str:
    """``OG-100001-F2``: the order's number and the fulfillment's place among the order's
    fulfillments (1-based, in creation order). Stable, human-readable, and only uses
    characters Code 39 can encode (upper-case letters, digits, ``-``)."""
    return f"{order_number}-F{position}"


@dataclass(frozen=True, slots=True)
class PackingSlipLine:
    sku: str
    name: str
    quantity: int  # units of the order line this fulfillment carries
    shipped_quantity: int
    location: str | None = None  # a pick location (bin), where the warehouse keeps one

    @property
    def to_pack(self) -> int:
        """Units still to go in a box: what an earlier partial shipment took is not packed again."""
        return self.quantity - self.shipped_quantity


@dataclass(frozen=True, slots=True)
class PackingSlip:
    """One fulfillment's packing slip."""

    fulfillment_id: int
    status: FulfillmentStatus
    position: int  # this fulfillment's place among the order's, 1-based
    fulfillment_count: int  # how many fulfillments the order has
    order_number: str
    order_date: datetime
    ship_to: Address
    warehouse_code: str
    warehouse_name: str
    lines: tuple[PackingSlipLine, ...]

    @property
    def number(self) -> str:
        return fulfillment_number(self.order_number, self.position)

    @property
    def is_split(self) -> bool:
        return self.fulfillment_count > 1

    @property
    def split_note(self) -> str | None:
        """Told to the packer and the recipient: the rest of the order comes in other parcels."""
        if not self.is_split:
            return None
        return (
            f"Partial shipment: fulfillment {self.position} of {self.fulfillment_count} for "
            f"order {self.order_number}. The other items ship separately."
        )

    @property
    def units_to_pack(self) -> int:
        return sum(line.to_pack for line in self.lines)
