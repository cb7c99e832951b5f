"""Shipping options at checkout, the option an order was placed with, and carrier choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from ordergraph.domain.carrier_services import DeliveryWindow, OrderShippingOption
from ordergraph.domain.money import Money
from ordergraph.schema.enums import ChosenBy, WindowBasis
from ordergraph.schema.types.money import MoneyType
from ordergraph.services.shipping_options import ShippingQuote


@strawberry.type(name="DeliveryWindow")
class DeliveryWindowType:
    earliest: datetime
    latest: datetime = strawberry.field(description="The promise: placeOrder's promisedDeliveryAt.")
    basis: WindowBasis
    sample_size: int = strawberry.field(description="Delivered shipments on this lane so far.")
    confidence: float | None = strawberry.field(
        description="With HISTORY: the share of past parcels that arrived by latest (0.9)."
    )

    @classmethod
    def from_domain(cls, window: DeliveryWindow) -> DeliveryWindowType:
        return cls(
            earliest=window.earliest,
            latest=window.latest,
            basis=window.basis,
            sample_size=window.sample_size,
            confidence=window.confidence,
        )


@strawberry.type(
    name="ShippingOption",
    description="A carrier service that can ship this cart to this address. Pass its id as "
    "PlaceOrderInput.shippingOptionId (valid for an hour, while price and service hold).",
)
class ShippingOptionType:
    id: strawberry.ID
    carrier: str
    service: str
    price: MoneyType
    delivery_window: DeliveryWindowType

    @classmethod
    def from_domain(cls, quote: ShippingQuote) -> ShippingOptionType:
        return cls(
            id=strawberry.ID(quote.id),
            carrier=quote.service.carrier,
            service=quote.service.service,
            price=MoneyType.from_domain(quote.price),
            delivery_window=DeliveryWindowType.from_domain(quote.window),
        )


@strawberry.type(name="OrderShippingOption", description="The carrier service an order chose.")
class OrderShippingOptionType:
    carrier: str
    service: str
    chosen_by: ChosenBy
    price: MoneyType
    delivery_window: DeliveryWindowType

    @classmethod
    def from_domain(cls, option: OrderShippingOption) -> OrderShippingOptionType:
        return cls(
            carrier=option.carrier,
            service=option.service,
            chosen_by=option.chosen_by,
            price=MoneyType.from_domain(option.price),
            delivery_window=DeliveryWindowType.from_domain(option.window),
        )


@strawberry.type(name="CarrierCandidate")
class CarrierCandidateType:
    carrier: str
    service: str
    price: MoneyType
    estimated_delivery_at: datetime
    meets_promise: bool
    chosen: bool
    reason: str


@strawberry.type(
    name="CarrierChoice",
    description="Why shipFulfillment without a carrier took this carrier service: every "
    "service serving the lane, priced and estimated, with the policy's reason for each.",
)
class CarrierChoiceType:
    policy: str
    chosen: str
    candidates: list[CarrierCandidateType]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CarrierChoiceType:
        return cls(
            policy=data["policy"],
            chosen=data["chosen"],
            candidates=[
                CarrierCandidateType(
                    carrier=c["carrier"],
                    service=c["service"],
                    price=MoneyType.from_domain(Money(c["priceMinor"], c["currency"])),
                    estimated_delivery_at=datetime.fromisoformat(c["estimatedDeliveryAt"]),
                    meets_promise=c["meetsPromise"],
                    chosen=c["chosen"],
                    reason=c["reason"],
                )
                for c in data["candidates"]
            ],
        )
