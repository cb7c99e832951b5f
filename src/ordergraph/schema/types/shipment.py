from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.shipments import Shipment, ShipmentEvent
from ordergraph.schema.context import Info
from ordergraph.schema.enums import ShipmentStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.shipping_option import CarrierChoiceType


@strawberry.type(name="ShipmentEvent", description="A carrier scan or status update.")
class ShipmentEventType:
    status: ShipmentStatus
    occurred_at: datetime
    location: str | None
    description: str | None
    recorded_at: datetime
    applied: bool = strawberry.field(
        description="False for an out-of-order event: stored, but it did not change the status."
    )

    @classmethod
    def from_domain(cls, event: ShipmentEvent) -> ShipmentEventType:
        return cls(
            status=event.status,
            occurred_at=event.occurred_at,
            location=event.location,
            description=event.description,
            recorded_at=event.recorded_at,
            applied=event.applied,
        )


@strawberry.type(name="ShipmentLine")
class ShipmentLineType:
    order_line_id: strawberry.ID
    sku: str
    quantity: int


@strawberry.type(
    name="Shipment",
    description="A parcel. Everything here is public through trackShipment(code); nothing "
    "personal (no name, address, email) is on this type.",
)
class ShipmentType(Node):
    pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]
    carrier: str = strawberry.field(description="Carrier code, e.g. DHL, UPS, POSTNL.")
    carrier_name: str
    service: str | None
    tracking_number: str
    tracking_url: str | None
    tracking_code: str = strawberry.field(description="The short code in shortLink.")
    status: ShipmentStatus
    shipped_at: datetime
    promised_delivery_at: datetime | None
    delivered_at: datetime | None
    events: list[ShipmentEventType]
    lines: list[ShipmentLineType]

    @strawberry.field(
        description="Why this carrier service, when shipFulfillment was given no carrier "
        "(orders:read); null otherwise."
    )
    async def carrier_choice(self, info: Info) -> CarrierChoiceType | None:
        found = await info.context.loaders.carrier_choice_by_shipment_id.load(self.pk)
        return CarrierChoiceType.from_json(found) if found else None

    @classmethod
    def from_domain(cls, shipment: Shipment) -> ShipmentType:
        assert shipment.id is not None
        return cls(
            id=strawberry.ID(encode_id("Shipment", shipment.id)),
            pk=shipment.id,
            order_pk=shipment.order_id,
            carrier=shipment.carrier,
            carrier_name=shipment.carrier_name,
            service=shipment.service,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
            tracking_code=shipment.code,
            status=shipment.status,
            shipped_at=shipment.shipped_at,
            promised_delivery_at=shipment.promised_delivery_at,
            delivered_at=shipment.delivered_at,
            events=[ShipmentEventType.from_domain(e) for e in shipment.events],
            lines=[
                ShipmentLineType(
                    order_line_id=strawberry.ID(encode_id("OrderLine", line.order_line_id)),
                    sku=line.sku,
                    quantity=line.quantity,
                )
                for line in shipment.lines
            ],
        )

    @strawberry.field(description="Short public link to the tracking page.")
    def short_link(self, info: Info) -> str:
        return f"{info.context.public_base_url}/t/{self.tracking_code}"

    @strawberry.field(description="The order's number, as printed on the packing slip.")
    async def order_number(self, info: Info) -> str:
        order = await info.context.loaders.order_by_id.load(self.order_pk)
        assert order is not None
        return order.number
