"""The access rule of every field and argument of the schema, and their enforcement.

Each GraphQL field has exactly one declared rule (a test walks the schema and fails for any
field or argument without one):

- ``PUBLIC``: anyone, no token (``trackShipment``, ``customerLogin``);
- ``SIGNED_IN``: any token; what the caller gets is narrowed by ``ordergraph.domain.access``
  (an order is visible to staff or its customer; a use case checks who may act);
- ``needs(scope)``: the caller must hold the scope, or the field is a ``FORBIDDEN`` error;
- ``PARENT``: whoever may see the parent object may see this field.

Arguments are declared too: ``ID`` (an object the resolver or use case checks with
``ordergraph.domain.access``), ``FILTER`` (narrows a result already limited by the field's
rule), ``PAGE`` (pagination), ``INPUT`` (a mutation input; its use case authorizes it).

``enforce`` wraps the resolvers (and subscription sources) of every ``SIGNED_IN`` and scoped
field, so the rule holds even where a resolver forgets to check.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema
from graphql.execution import default_field_resolver

from ordergraph.domain.principals import ANONYMOUS, Principal, Scope
from ordergraph.schema.context import AuthError


class Kind(enum.Enum):
    PUBLIC = "public"
    SIGNED_IN = "signed in"
    SCOPE = "scope"
    PARENT = "parent"


class Arg(enum.Enum):
    ID = "an object checked by domain.access"
    FILTER = "narrows an already allowed result"
    PAGE = "pagination"
    INPUT = "a mutation input, authorized by its use case"


@dataclass(frozen=True, slots=True)
class Rule:
    kind: Kind
    scope: Scope | None = None
    args: Mapping[str, Arg] = field(default_factory=dict)

    def check(self, principal: Principal) -> None:
        if self.kind in (Kind.PUBLIC, Kind.PARENT):
            return
        if not principal.is_authenticated:
            raise AuthError(
                "authentication required: send Authorization: Bearer <token>", "UNAUTHENTICATED"
            )
        if self.scope is not None and not principal.can(self.scope):
            raise AuthError(f"this needs the {self.scope.value} permission", "FORBIDDEN")

    def with_args(self, **args: Arg) -> Rule:
        return Rule(self.kind, self.scope, {**self.args, **args})


PUBLIC = Rule(Kind.PUBLIC)
SIGNED_IN = Rule(Kind.SIGNED_IN)
PARENT = Rule(Kind.PARENT)


def needs(scope: Scope) -> Rule:
    return Rule(Kind.SCOPE, scope)


PAGED = {name: Arg.PAGE for name in ("first", "after", "last", "before")}
PAGED_FORWARD = {name: Arg.PAGE for name in ("first", "after")}
MUTATION = SIGNED_IN.with_args(input=Arg.INPUT)


def _all(fields: str, rule: Rule = PARENT) -> dict[str, Rule]:
    return {name: rule for name in fields.split()}


def _connection() -> dict[str, Rule]:
    return _all("edges pageInfo nodes totalCount")


# Payloads answer the caller of the mutation, which its use case already authorized.
PAYLOADS = {
    "AdjustInventoryPayload": "inventoryLevel userErrors",
    "CancelOrderPayload": "order userErrors",
    "CancelOrderLinesPayload": "order edit userErrors",
    "EditOrderPayload": "order edit payLinkUrl userErrors",
    "CreateExchangePayload": "exchange return order replacementOrder userErrors",
    "CreateCustomerPayload": "customer userErrors",
    "CreateProductPayload": "product userErrors",
    "CreateWarehousePayload": "warehouse userErrors",
    "CreateWebhookPayload": "webhook secret userErrors",
    "CustomerLoginPayload": "token expiresAt customer userErrors",
    "DeleteWebhookPayload": "deletedWebhookId userErrors",
    "FulfillmentPayload": "fulfillment order userErrors",
    "HoldOrderPayload": "order userErrors",
    "ImportOrderPayload": "order replayed userErrors",
    "PaymentPayload": "order payment userErrors",
    "PlaceOrderPayload": "order userErrors",
    "PriceListPayload": "priceList userErrors",
    "QuoteOrderPayload": "quote userErrors",
    "RedeliverWebhookEventPayload": "delivery userErrors",
    "RefundOrderPayload": "refund breakdown order userErrors",
    "ReleaseOrderHoldPayload": "order userErrors",
    "RequestReturnPayload": "return order userErrors",
    "ReturnPayload": "return order userErrors",
    "ShipFulfillmentPayload": "shipment fulfillment order userErrors",
    "ShipmentEventPayload": "shipment order userErrors",
    "UpdateWebhookPayload": "webhook userErrors",
    "ExportCustomerDataPayload": "export userErrors",
    "EraseCustomerPayload": "customer erasedOrders userErrors",
    "ResendNotificationPayload": "notificationId userErrors",
    "CustomerSignupPayload": "customer userErrors",
    "VerifyCustomerEmailPayload": "customer linkedOrderCount userErrors",
    "RequestPasswordResetPayload": "userErrors",
    "ResetPasswordPayload": "customer userErrors",
    "ChangePasswordPayload": "customer userErrors",
    "UpdateMePayload": "customer userErrors",
    "CustomerAddressPayload": "customerAddress customer userErrors",
    "DeleteCustomerAddressPayload": "deletedAddressId customer userErrors",
    "SubmitOrderFeedbackPayload": "feedback userErrors",
    "UpdateProductPayload": "product userErrors",
    "ArchiveProductPayload": "product userErrors",
    "UpdateWarehousePayload": "warehouse userErrors",
    "DeactivateWarehousePayload": "warehouse userErrors",
    "UpdateCustomerPayload": "customer userErrors",
    "TransferPayload": "transfer userErrors",
    "InboundShipmentPayload": "inboundShipment userErrors",
    "InventoryLevelPayload": "inventoryLevel userErrors",
    "SetInventoryLevelsPayload": "inventoryLevels userErrors",
    "AutomationRulePayload": "rule userErrors",
    "MarketPayload": "market userErrors",
    "TaxRatePayload": "taxRate userErrors",
    "DiscountPayload": "discount userErrors",
    "TestAutomationRulePayload": "results userErrors",
    "CarrierServicePayload": "carrierService userErrors",
    "AddOrderNotePayload": "order note userErrors",
    "DraftOrderPayload": "draftOrder userErrors",
    "CompleteDraftOrderPayload": "draftOrder order userErrors",
    "SendDraftOrderInvoicePayload": "draftOrder payLinkUrl userErrors",
    "TagsPayload": "node order customer userErrors",
    "UpdateMetadataPayload": "node order customer product userErrors",
}

ORDERS_READ = needs(Scope.ORDERS_READ)
INVENTORY_READ = needs(Scope.INVENTORY_READ)

RULES: dict[str, dict[str, Rule]] = {
    "Query": {
        "order": SIGNED_IN.with_args(id=Arg.ID),
        "orders": SIGNED_IN.with_args(**PAGED, filter=Arg.FILTER, sort=Arg.FILTER),
        # draft orders are staff only (services/draft_orders.py checks the same scope)
        "draftOrder": ORDERS_READ.with_args(id=Arg.ID),
        "draftOrders": ORDERS_READ.with_args(**PAGED_FORWARD),
        "pickList": ORDERS_READ.with_args(warehouseId=Arg.FILTER, statuses=Arg.FILTER),
        "trackShipment": PUBLIC.with_args(code=Arg.ID),
        # as orders: staff see all, a customer the returns of its own orders (order_reach)
        "returns": SIGNED_IN.with_args(**PAGED, status=Arg.FILTER, orderId=Arg.FILTER),
        "webhooks": needs(Scope.WEBHOOKS_MANAGE).with_args(first=Arg.PAGE, after=Arg.PAGE),
        "webhookDeliveries": needs(Scope.WEBHOOKS_MANAGE).with_args(
            first=Arg.PAGE, after=Arg.PAGE, webhookId=Arg.FILTER, status=Arg.FILTER
        ),
        "analytics": ORDERS_READ,
        "me": SIGNED_IN,
        "node": SIGNED_IN.with_args(id=Arg.ID),
        "product": needs(Scope.CATALOG_READ).with_args(sku=Arg.FILTER),
        "products": needs(Scope.CATALOG_READ).with_args(
            **PAGED, includeArchived=Arg.FILTER, status=Arg.FILTER, group=Arg.FILTER
        ),
        "warehouses": INVENTORY_READ.with_args(**PAGED),
        "inventoryLevels": INVENTORY_READ.with_args(
            **PAGED, sku=Arg.FILTER, warehouseId=Arg.FILTER
        ),
        "customer": needs(Scope.CUSTOMERS_READ).with_args(id=Arg.ID),
        "customers": needs(Scope.CUSTOMERS_READ).with_args(
            **PAGED, search=Arg.FILTER, filter=Arg.FILTER
        ),
        "notificationPreview": ORDERS_READ.with_args(
            orderId=Arg.ID, type=Arg.FILTER, locale=Arg.FILTER
        ),
        "orderFeedback": ORDERS_READ.with_args(
            maxRating=Arg.FILTER, first=Arg.PAGE, after=Arg.PAGE
        ),
        "transfer": INVENTORY_READ.with_args(id=Arg.ID),
        "inventoryTransfers": INVENTORY_READ.with_args(**PAGED, status=Arg.FILTER),
        "inboundShipment": INVENTORY_READ.with_args(id=Arg.ID),
        "inboundShipments": INVENTORY_READ.with_args(
            **PAGED, status=Arg.FILTER, warehouseId=Arg.FILTER
        ),
        # public-catalog level: storefronts (and customers, staff) see bands, never warehouses
        "availability": needs(Scope.CATALOG_READ).with_args(
            skus=Arg.FILTER, countryCode=Arg.FILTER, region=Arg.FILTER
        ),
        "inventoryMovements": INVENTORY_READ.with_args(
            first=Arg.PAGE,
            after=Arg.PAGE,
            sku=Arg.FILTER,
            warehouseId=Arg.FILTER,
            reason=Arg.FILTER,
            since=Arg.FILTER,
        ),
        "inventoryAudit": INVENTORY_READ,
        "stockRecommendations": INVENTORY_READ.with_args(weeks=Arg.PAGE, sku=Arg.FILTER),
        "automationRules": ORDERS_READ.with_args(**PAGED_FORWARD, enabled=Arg.FILTER),
        "carrierServices": ORDERS_READ.with_args(**PAGED, active=Arg.FILTER),
        # as placeOrder: orders:place or orders:write, checked by the use case
        "shippingOptions": SIGNED_IN.with_args(
            lines=Arg.FILTER, shippingAddress=Arg.FILTER, channel=Arg.FILTER, marketId=Arg.FILTER
        ),
        "unmatchedCarrierEvents": ORDERS_READ.with_args(first=Arg.PAGE, after=Arg.PAGE),
        # storefront level: a country picker and a checkout need the market, nothing secret
        "markets": needs(Scope.CATALOG_READ).with_args(**PAGED, active=Arg.FILTER),
        "marketFor": needs(Scope.CATALOG_READ).with_args(countryCode=Arg.FILTER),
        # staff, as carrier rates: prices per channel and customer group are not for shoppers
        "priceLists": ORDERS_READ.with_args(marketId=Arg.FILTER),
        # like markets: what a storefront needs to show prices with tax, nothing secret
        "taxRates": needs(Scope.CATALOG_READ).with_args(countryCode=Arg.FILTER),
        # staff business: a storefront or customer browsing codes would find private ones
        "discounts": ORDERS_READ.with_args(**PAGED, code=Arg.FILTER, active=Arg.FILTER),
    },
    "Mutation": {
        **_all(
            "placeOrder authorizePayment capturePayment cancelOrder holdOrder releaseOrderHold "
            "editOrder cancelOrderLines createExchange "
            "startPicking markPacked shipFulfillment recordShipmentEvent requestReturn "
            "approveReturn rejectReturn receiveReturn refundOrder createWebhook updateWebhook "
            "deleteWebhook redeliverWebhookEvent createWarehouse createProduct adjustInventory "
            "createCustomer",
            MUTATION,
        ),
        # inventory:write, checked by the use cases (a FORBIDDEN userError, as adjustInventory)
        **_all(
            "transferInventory receiveTransfer cancelTransfer createInboundShipment "
            "receiveInboundShipment cancelInboundShipment",
            MUTATION,
        ),
        "customerLogin": PUBLIC.with_args(input=Arg.INPUT),
        # accounts: the mailed token (or the taken email) is the credential; throttled
        **_all(
            "customerSignup verifyCustomerEmail requestPasswordReset resetPassword",
            PUBLIC.with_args(input=Arg.INPUT),
        ),
        # the signed-in customer's own account (a FORBIDDEN userError for other tokens)
        **_all(
            "changePassword updateMe addCustomerAddress updateCustomerAddress "
            "deleteCustomerAddress",
            MUTATION,
        ),
        # the signed feedback link is the authority: no token (services/feedback.py)
        "submitOrderFeedback": PUBLIC.with_args(input=Arg.INPUT),
        # customers:privacy, checked by the use case (a FORBIDDEN userError like every mutation)
        "exportCustomerData": MUTATION,
        "eraseCustomer": MUTATION,
        "resendNotification": MUTATION,  # orders:write, checked by the use case
        # catalog:write / customers:write, checked by the use case (a FORBIDDEN userError)
        **_all(
            "updateProduct archiveProduct updateWarehouse deactivateWarehouse updateCustomer",
            MUTATION,
        ),
        "importOrder": MUTATION,  # orders:write, checked by the use case
        "quoteOrder": MUTATION,  # as placeOrder: orders:place or orders:write, by the use case
        # inventory:write, checked by the use case (services/stock_operations.py)
        **_all("setInventory setInventoryLevels setSafetyStock setLowStockThreshold", MUTATION),
        # automation:write, checked by the use case (services/automation.py)
        **_all("createAutomationRule updateAutomationRule testAutomationRule", MUTATION),
        # shipping:write, checked by the use case (services/carrier_services.py)
        **_all("createCarrierService updateCarrierService", MUTATION),
        # pricing:write, checked by the use cases (services/markets.py, price_lists.py,
        # tax_rates.py)
        **_all("createMarket updateMarket createTaxRate updateTaxRate", MUTATION),
        **_all("createPriceList updatePriceList setPrices", MUTATION),
        **_all("createDiscount updateDiscount", MUTATION),  # services/discounts.py
        # orders:write / customers:write / catalog:write by the object's type, checked by the
        # use cases (services/order_notes.py, services/annotations.py)
        **_all("addOrderNote addTags removeTags updateMetadata", MUTATION),
        # orders:write, checked by the use cases (services/draft_orders.py)
        "createDraftOrder": MUTATION,
        "updateDraftOrder": MUTATION.with_args(draftOrderId=Arg.ID, expectedVersion=Arg.INPUT),
        "deleteDraftOrder": SIGNED_IN.with_args(draftOrderId=Arg.ID),
        "completeDraftOrder": SIGNED_IN.with_args(draftOrderId=Arg.ID, input=Arg.INPUT),
        # orders:write, checked by the use case (services/payment_links.py)
        "sendDraftOrderInvoice": MUTATION,
    },
    "Subscription": {
        "orderEvents": ORDERS_READ.with_args(after=Arg.PAGE),
        "orderUpdated": SIGNED_IN.with_args(orderId=Arg.ID),
        "shipmentUpdated": SIGNED_IN.with_args(orderId=Arg.ID),
        "inventoryChanged": SIGNED_IN.with_args(sku=Arg.FILTER),
        "inventoryLow": INVENTORY_READ.with_args(sku=Arg.FILTER),
    },
    **{name: _all(fields) for name, fields in PAYLOADS.items()},
    "Address": _all("name line1 line2 city region postalCode countryCode phone"),
    "Analytics": {
        name: ORDERS_READ.with_args(since=Arg.FILTER)
        for name in ("demandByRegion", "leadTime", "onTimeRate", "returnRate")
    }
    | {"demandByProduct": ORDERS_READ.with_args(since=Arg.FILTER, first=Arg.PAGE)}
    # operations figures
    | {
        name: ORDERS_READ.with_args(**{"from": Arg.FILTER, "to": Arg.FILTER})
        for name in _all(
            "lateOrders atRiskOrders returnsBySku returnsByReason feedbackScore fillRate"
        )
    }
    | {
        name: ORDERS_READ.with_args(**{"from": Arg.FILTER, "to": Arg.FILTER, "groupBy": Arg.FILTER})
        for name in ("leadTimes", "onTimeRates")
    }
    | {"stockCover": INVENTORY_READ.with_args(days=Arg.FILTER, to=Arg.FILTER)}
    | {"forecast": ORDERS_READ.with_args(sku=Arg.FILTER, region=Arg.FILTER, weeks=Arg.PAGE)}
    | {
        "orders": ORDERS_READ.with_args(
            **{"from": Arg.FILTER},
            to=Arg.FILTER,
            bucket=Arg.FILTER,
            timezone=Arg.FILTER,
            groupBy=Arg.FILTER,
            filter=Arg.FILTER,
        )
    },
    "CarrierEvent": _all(
        "id source eventId trackingNumber carrier carrierStatus status occurredAt location "
        "description receivedAt"
    ),
    "Customer": _all(
        "id email name phone createdAt addresses defaultAddress erasedAt emailVerified "
        "emailVerifiedAt locale timezone defaultShippingAddress version"
    )
    # the group decides prices: staff business, not the customer's own profile
    | {"group": needs(Scope.CUSTOMERS_READ)}
    # staff labels and staff-only metadata: not on the customer's own profile (``me``)
    | {"tags": needs(Scope.CUSTOMERS_READ), "privateMetadata": needs(Scope.CUSTOMERS_READ)}
    | {"metadata": PARENT}
    # narrowed by domain.access.may_read_order: staff with orders:read, or the customer itself
    | {"orders": SIGNED_IN.with_args(first=Arg.PAGE, after=Arg.PAGE)},
    "CustomerAddress": _all(
        "id isDefaultShipping name line1 line2 city region postalCode countryCode phone"
    ),
    "CustomerDataExport": _all("customerId generatedAt data"),
    "Demand": _all("key name orders units"),
    "FeedbackScore": _all("responses averageRating"),
    "FillRate": _all("orderedUnits filledUnits rate"),
    "DemandWeek": _all("weekStart units"),
    "Forecast": _all("sku region method weeks backtest history note"),
    "ForecastBacktest": _all(
        "method mase smape baselineMethod baselineMase baselineSmape horizonWeeks origins"
    ),
    "ForecastWeek": _all("weekStart units low high"),
    "OrderSeriesPoint": _all(
        "bucketStart bucketEnd group orders units revenue averageOrderValue cancellations refunds"
    ),
    "Fulfillment": _all("id status lines createdAt updatedAt shipments warehouse")
    # staff paperwork with the recipient's address (domain.access.may_print_packing_slip)
    | {"packingSlipUrl": ORDERS_READ},
    "FulfillmentLine": _all("id orderLineId sku quantity shippedQuantity remainingQuantity"),
    "InventoryTransfer": _all(
        "id number sku quantity status actor version createdAt updatedAt receivedAt "
        "cancelledAt fromWarehouse toWarehouse"
    ),
    "InboundShipment": _all(
        "id number status expectedAt reference lines actor version createdAt updatedAt "
        "receivedAt cancelledAt warehouse"
    ),
    "InboundShipmentLine": _all("id sku quantityExpected quantityReceived quantityOutstanding"),
    "SkuAvailability": _all(
        "sku inStock quantityBand quantity backorderable promisedDeliveryAt backInStockAt"
    ),
    "InventoryAudit": _all("levelsChecked drift"),
    "InventoryDrift": _all("sku warehouse field expected actual"),
    "InventoryMovement": _all(
        "id sku warehouse delta field reason note reference occurredAt actor"
    ),
    "InventoryLevel": {
        **_all("id sku available availableToSell backorderLimit updatedAt product"),
        **_all("onHand reserved safetyStock inTransit incoming lowStockThreshold", INVENTORY_READ),
        "warehouse": INVENTORY_READ,
    },
    "LeadTime": _all("orders averageHours maxHours"),
    "OnTimeRate": _all("group delivered onTime rate"),
    "Money": _all("amount currency"),
    "Node": _all("id"),
    "Order": {
        **_all(
            "id number status paymentStatus channel email contactName phone subtotal "
            "shippingTotal total shippingAddress createdAt updatedAt expiresAt "
            "promisedDeliveryAt confirmedAt cancelledAt cancelReason shipByAt deliveredAt "
            "atRiskReasons atRisk lines customer fulfillments returns refunds shipments events "
            "payments placedBy authorizationExpiresAt notifications feedback source "
            "externalId salesRep tags shippingOption discountTotal taxTotal shippingDiscount "
            "shippingTax pricesIncludeTax taxPolicy taxLines discountAllocations changes version "
            "draftOrderId exchanges exchangeFor balanceDue"
        ),
        # staff and the order's customer (domain.access.may_read_invoice), else null
        "invoice": PARENT,
        "automationRuns": ORDERS_READ,  # staff only, as automation.* events on the timeline
        "holds": PARENT.with_args(active=Arg.FILTER),
        "routing": PARENT,
        "metadata": PARENT,
        "version": PARENT,
        # staff only: a customer reading its own order gets FORBIDDEN for these
        "notes": ORDERS_READ,
        "privateMetadata": ORDERS_READ,
    },
    "Notification": _all(
        "id type recipient status attempts locale subject lastResponse createdAt sentAt "
        "nextAttemptAt"
    ),
    "RenderedNotification": _all("subject text html"),
    # seen by whoever may see the order, and by staff with orders:read in orderFeedback
    "OrderFeedback": _all("rating comment submittedAt order"),
    "Invoice": _all("number issuedAt url"),
    "OrderEvent": _all("id sequence type occurredAt actor payload order"),
    "OrderHold": _all("id type reason active createdAt createdBy releasedAt releasedBy"),
    "OrderLine": _all(
        "id sku name quantity unitPrice total product discountTotal discountedTotal taxTotal "
        "chargedTotal taxLines"
    ),
    "TaxLine": _all("name rate taxableAmount amount"),
    "OrderEdit": {
        **_all(
            "number kind dryRun version before after totalDifference paymentSettlement "
            "reservedChanges lines promisedDeliveryAt reason createdAt shippingMethod "
            "payLinkUrl"
        ),
        "actor": ORDERS_READ,  # who on the staff made it
    },
    "ShippingMethodChange": _all("before after"),
    "EditedShippingMethod": _all("carrier service price deliveryBy"),
    "OrderTotals": _all("subtotal discountTotal taxTotal shippingTotal total"),
    "LineChange": _all("orderLineId sku before after"),
    "ReservationChange": _all("sku warehouseId delta"),
    "MetadataItem": _all("key value"),
    "OrderNote": _all("id text author createdAt"),
    "DraftOrder": _all(
        "id status version channel email salesRep createdBy lines createdAt updatedAt orderId "
        "quote reservedUntil"
    ),
    "DraftOrderLine": _all("sku quantity unitPrice priceReason originalUnitPrice"),
    "DiscountAllocation": _all("orderLineId discountId code name amount"),
    "PageInfo": _all("hasNextPage hasPreviousPage startCursor endCursor"),
    "PaymentTransaction": _all(
        "id gateway kind status amount reference errorCode message createdAt targetReference "
        # clientSecret: what the payer needs to finish 3-D Secure; seen with the payment by
        # whoever may see the order, and by the payer in the payment mutation's answer
        "compensates settledAt clientSecret nextAction"
    ),
    "PickListLine": _all("sku name quantity orderNumbers fulfillmentIds"),
    "Product": {
        **_all(
            "id sku name price weightGrams allowBackorder backorderLimit returnable taxClass "
            "createdAt available version status archivedAt attributes group"
        ),
        "inventoryLevels": INVENTORY_READ,
        "metadata": PARENT,
        # storefronts hold catalog:read: staff-only data needs a scope they cannot have
        "privateMetadata": INVENTORY_READ,
    },
    "Rate": _all("total hits rate"),
    "ReturnFigure": _all("key unitsReturned unitsDelivered returnRate refunded"),
    "StageLeadTime": _all("group stage count p50Hours p90Hours"),
    "StockRecommendation": _all(
        "sku fromWarehouse toWarehouse units demandUnits region expectedDaysSaved "
        "expectedShippingSaving reason"
    ),
    "StockCover": _all(
        "sku warehouseCode available unitsDemanded averageDailyDemand coverDays lowStock"
    ),
    "Refund": _all(
        "id status reason breakdown total returnId gatewayReference error createdBy createdAt "
        "completedAt"
    ),
    "RefundBreakdown": _all("lines shipping appeasement adjustment total refundableBefore"),
    "RefundLine": _all("orderLineId quantity amount"),
    "Return": _all(
        "id number status lines note label requestedBy rejectionReason createdAt updatedAt "
        "decidedAt receivedAt refundedAt exchange"
    ),
    # seen with the order or return it hangs on; who on the staff made it is staff business
    "Exchange": _all(
        "id order replacementOrder return returnedValue newTotal difference settlement "
        "shipBeforeReturnReceived createdAt dryRun"
    )
    | {"createdBy": ORDERS_READ},
    "ReturnLabel": _all("carrier trackingNumber url instructions"),
    "ReturnLine": _all(
        "id orderLineId sku quantity reason note receivedQuantity restockedQuantity "
        "discardedQuantity"
    ),
    "RoutingAllocation": _all("sku quantity warehouse"),
    "RoutingCandidate": _all("rank reason chosen warehouse"),
    "RoutingDecision": _all("candidates allocations"),
    # Shipment is public through trackShipment: nothing personal is on it
    "Shipment": _all(
        "id carrier carrierName service trackingNumber trackingUrl trackingCode status "
        "shippedAt promisedDeliveryAt deliveredAt events lines shortLink orderNumber"
    )
    # prices and the policy's reasons are staff business, not the public tracking page's
    | {"carrierChoice": ORDERS_READ},
    "CarrierCandidate": _all(
        "carrier service price estimatedDeliveryAt meetsPromise chosen reason"
    ),
    "CarrierChoice": _all("policy chosen candidates"),
    "CarrierCutoff": _all("warehouseId time timezone"),
    "CarrierLane": _all(
        "originRegion destinationCountry destinationRegion transitDaysMin transitDaysMax"
    ),
    "CarrierRate": _all("maxWeightGrams price freeOver"),
    "Market": _all(
        "id handle name countries currency currencyExponent taxDisplay channels rounding "
        "taxFailurePolicy fallbackTaxRate active isDefault version createdAt updatedAt"
    ),
    "TaxRate": _all(
        "id countryCode region taxClass rate name taxShipping active version createdAt updatedAt"
    ),
    "MarketRounding": _all("mode rule"),
    "PriceList": _all(
        "id name market channel customerGroup startsAt endsAt active version createdAt updatedAt"
    )
    | {"prices": PARENT.with_args(first=Arg.PAGE, after=Arg.PAGE)},
    "PriceListPrice": _all("sku amount"),
    "Discount": _all(
        "id code name kind value currency scope skus groups minimumSubtotal startsAt endsAt "
        "usageLimit perCustomerLimit combinable active timesUsed version automatic createdAt "
        "updatedAt"
    ),
    "CarrierService": _all(
        "id carrier service active version lanes rates cutoffs workingDays holidays createdAt "
        "updatedAt"
    ),
    "DeliveryWindow": _all("earliest latest basis sampleSize confidence"),
    "OrderShippingOption": _all("carrier service chosenBy price deliveryWindow"),
    "ShippingOption": _all("id carrier service price deliveryWindow"),
    "Quote": _all(
        "lines subtotal discountTotal taxTotal shippingTotal total promisedDeliveryAt "
        "shippingOptions shippingOption routing shippingDiscount shippingTax pricesIncludeTax "
        "taxPolicy taxLines discounts"
    ),
    "QuoteLine": _all(
        "sku name quantity unitPrice total discountTotal taxTotal chargedTotal taxLines"
    ),
    "QuoteDiscount": _all("code name automatic amount"),
    "ShipmentEvent": _all("status occurredAt location description recordedAt applied"),
    "ShipmentLine": _all("orderLineId sku quantity"),
    "ProductAttribute": _all("key value"),
    "UserError": _all("field message code currentVersion"),
    "Warehouse": _all(
        "id code name region countryCode priority createdAt version active deactivatedAt"
    ),
    "Webhook": _all("id url events active createdAt updatedAt"),
    "AutomationRule": _all(
        "id name trigger condition actions enabled version createdAt updatedAt createdBy"
    ),
    "AutomationAction": _all(
        "kind holdType reason tags notificationType warehouseId carrierServiceId"
    ),
    "AutomationActionOutcome": _all("kind status message"),
    "AutomationRun": _all(
        "id ruleId eventId eventType status matched error actions createdAt finishedAt"
    ),
    "AutomationBacktest": _all(
        "eventId eventType occurredAt orderId orderNumber matched error actions"
    ),
    "WebhookAttempt": _all("attemptedAt statusCode latencyMs error"),
    "WebhookDelivery": _all(
        "id eventId eventType status attempts nextAttemptAt lastStatusCode lastError "
        "lastLatencyMs createdAt deliveredAt log"
    ),
}
for _name in (
    "Customer",
    "Order",
    "OrderFeedback",
    "Product",
    "Return",
    "Warehouse",
    "InventoryLevel",
    "InventoryMovement",
    "Webhook",
    "InventoryTransfer",
    "InboundShipment",
    "AutomationRule",
    "CarrierService",
    "CarrierEvent",
    "Market",
    "PriceListPrice",
    "Discount",
):
    RULES[f"{_name}Connection"] = _connection()
    RULES[f"{_name}Edge"] = _all("cursor node")
RULES["WebhookDeliveryConnection"] = _connection()
RULES["WebhookDeliveryEdge"] = _all("cursor node")


def rule_for(type_name: str, field_name: str) -> Rule | None:
    return RULES.get(type_name, {}).get(field_name)


def _principal(info: Any) -> Principal:
    return getattr(info.context, "principal", ANONYMOUS)


def _guarded(rule: Rule, resolve: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(source: Any, info: Any, **args: Any) -> Any:
        rule.check(_principal(info))
        return resolve(source, info, **args)

    return guarded


def _guarded_source(rule: Rule, subscribe: Callable[..., Any]) -> Callable[..., Any]:
    async def guarded(source: Any, info: Any, **args: Any) -> Any:
        rule.check(_principal(info))
        produced = subscribe(source, info, **args)
        return await produced if inspect.isawaitable(produced) else produced

    return guarded


def enforce(schema: GraphQLSchema) -> None:
    """Wrap every signed-in or scoped field so its rule is checked before it resolves."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, definition in graphql_type.fields.items():
            rule = rule_for(type_name, field_name)
            if rule is None or rule.kind in (Kind.PUBLIC, Kind.PARENT):
                continue
            _wrap(definition, rule)


def _wrap(definition: GraphQLField, rule: Rule) -> None:
    if definition.subscribe is not None:
        definition.subscribe = _guarded_source(rule, definition.subscribe)
        return
    definition.resolve = _guarded(rule, definition.resolve or default_field_resolver)
