"""The domain's enums, exposed to GraphQL under the names of the public contract."""

from __future__ import annotations

import enum

import strawberry

from ordergraph.db.queries.orders import OrderSortField
from ordergraph.domain.availability import QuantityBand
from ordergraph.domain.carrier_services import ChosenBy, WindowBasis
from ordergraph.domain.catalog import ProductStatus
from ordergraph.domain.discounts import DiscountKind, DiscountScope
from ordergraph.domain.exchanges import ExchangeSettlement
from ordergraph.domain.forecasting import Method as ForecastMethod
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.inbound import InboundStatus
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.markets import TaxDisplay
from ordergraph.domain.notifications import NotificationStatus, NotificationType
from ordergraph.domain.orders import Channel, HoldType, OrderStatus, PaymentStatus
from ordergraph.domain.payment_links import PaymentCollection
from ordergraph.domain.payments import TransactionKind, TransactionStatus
from ordergraph.domain.refunds import RefundStatus
from ordergraph.domain.returns import ReturnDisposition, ReturnReason, ReturnStatus
from ordergraph.domain.rounding import RoundingMode, RoundingRule
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.domain.taxes import TaxClass, TaxFailurePolicy
from ordergraph.domain.transfers import TransferStatus

# Import enums from here, never straight from the domain, in schema modules: strawberry would
# otherwise register an undecorated copy under the same name first.
strawberry.enum(OrderStatus, name="OrderStatus")
strawberry.enum(PaymentStatus, name="PaymentStatus")
strawberry.enum(Channel, name="Channel", description="Where an order came from.")
strawberry.enum(HoldType, name="HoldType")
strawberry.enum(FulfillmentStatus, name="FulfillmentStatus")
strawberry.enum(TransactionKind, name="PaymentTransactionKind")
strawberry.enum(TransactionStatus, name="PaymentTransactionStatus")
strawberry.enum(OrderSortField, name="OrderSortField")
strawberry.enum(ShipmentStatus, name="ShipmentStatus")
strawberry.enum(
    WindowBasis,
    name="DeliveryWindowBasis",
    description="STATIC: the lane's configured transit days; HISTORY: p50-p90 of deliveries.",
)
strawberry.enum(ChosenBy, name="ShippingOptionChosenBy")
strawberry.enum(ReturnStatus, name="ReturnStatus")
strawberry.enum(ReturnReason, name="ReturnReason")
strawberry.enum(ReturnDisposition, name="ReturnDisposition")
strawberry.enum(RefundStatus, name="RefundStatus")
strawberry.enum(
    ExchangeSettlement,
    name="ExchangeSettlement",
    description="How an exchange's price difference settles: NONE (even), CHARGE (the "
    "customer paid it when the exchange was made), REFUND_ON_RECEIPT (refunded once the return "
    "is received).",
)
strawberry.enum(NotificationType, name="NotificationType", description="A customer mail.")
strawberry.enum(NotificationStatus, name="NotificationStatus")
strawberry.enum(
    PaymentCollection,
    name="PaymentCollection",
    description="How editOrder collects a higher total of a paid order: PAYMENT_TOKEN charges "
    "the token given now; PAY_LINK commits the edit and answers a link the customer pays.",
)
strawberry.enum(TransferStatus, name="TransferStatus")
strawberry.enum(InboundStatus, name="InboundShipmentStatus")
strawberry.enum(
    QuantityBand, name="QuantityBand", description="Roughly how much a storefront may sell."
)
strawberry.enum(
    ProductStatus,
    name="ProductStatus",
    description="ACTIVE sells; DRAFT is not for sale yet; ARCHIVED no longer is.",
)
strawberry.enum(
    MovementKind, name="InventoryMovementReason", description="Why a stock movement happened."
)
strawberry.enum(
    TaxDisplay, name="TaxDisplay", description="Whether shown prices include tax or exclude it."
)
strawberry.enum(
    RoundingMode, name="RoundingMode", description="Where computed amounts are rounded."
)
strawberry.enum(RoundingRule, name="RoundingRule", description="How exact halves are rounded.")
strawberry.enum(TaxClass, name="TaxClass", description="Which tax rates apply to a product.")
strawberry.enum(
    TaxFailurePolicy,
    name="TaxFailurePolicy",
    description="What checkout does when the tax provider cannot answer.",
)
strawberry.enum(
    LevelField, name="InventoryLevelField", description="Which quantity of a level moved."
)

strawberry.enum(
    DiscountKind,
    name="DiscountKind",
    description="What a discount takes off: a percentage, a fixed amount, or the shipping.",
)
strawberry.enum(
    DiscountScope,
    name="DiscountScope",
    description="Which lines a discount applies to: every line, or listed SKUs and groups.",
)
strawberry.enum(
    ForecastMethod,
    name="ForecastMethod",
    description="HOLT_WINTERS (additive trend and yearly seasonality), DAMPED_TREND, SIMPLE_ES "
    "(statsmodels' exponential smoothing), SEASONAL_NAIVE (the same week a year earlier), NAIVE "
    "(the last week again).",
)


@strawberry.enum
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = [
    "Channel",
    "ChosenBy",
    "DiscountKind",
    "DiscountScope",
    "ExchangeSettlement",
    "ForecastMethod",
    "FulfillmentStatus",
    "HoldType",
    "InboundStatus",
    "LevelField",
    "MovementKind",
    "NotificationStatus",
    "NotificationType",
    "OrderSortField",
    "OrderStatus",
    "PaymentCollection",
    "PaymentStatus",
    "ProductStatus",
    "QuantityBand",
    "RefundStatus",
    "ReturnDisposition",
    "ReturnReason",
    "ReturnStatus",
    "RoundingMode",
    "RoundingRule",
    "ShipmentStatus",
    "SortDirection",
    "TaxClass",
    "TaxDisplay",
    "TaxFailurePolicy",
    "TransactionKind",
    "TransactionStatus",
    "TransferStatus",
    "WindowBasis",
]
