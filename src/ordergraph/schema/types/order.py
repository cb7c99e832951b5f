from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import strawberry
from strawberry.scalars import JSON

from ordergraph.db.repositories.orders import order_from_row
from ordergraph.db.tables import automation_runs
from ordergraph.domain.access import may_read_invoice, may_see_on_timeline
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Hold, Order, OrderLine
from ordergraph.domain.payments import PaymentTransaction
from ordergraph.schema.context import Info
from ordergraph.schema.enums import (
    Channel,
    HoldType,
    OrderStatus,
    PaymentStatus,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.annotation import MetadataItemType, OrderNoteType, metadata_items
from ordergraph.schema.types.automation_rule import AutomationRunType
from ordergraph.schema.types.customer import AddressType, CustomerType
from ordergraph.schema.types.exchange import ExchangeType
from ordergraph.schema.types.feedback import OrderFeedbackType
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.invoice import InvoiceType
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.notification import NotificationObject
from ordergraph.schema.types.order_edit import OrderEditType
from ordergraph.schema.types.order_event import OrderEventType
from ordergraph.schema.types.order_pricing import DiscountAllocationType, TaxLineType, summarize
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.returns import RefundType, ReturnType
from ordergraph.schema.types.shipment import ShipmentType
from ordergraph.schema.types.shipping_option import OrderShippingOptionType
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(name="OrderLine")
class OrderLineType(Node):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyType
    total: MoneyType = strawberry.field(
        description="Unit price times quantity, before discounts (as displayed: with tax in a "
        "market whose prices include it)."
    )
    discount_total: MoneyType = strawberry.field(description="The discounts' shares of it.")
    discounted_total: MoneyType = strawberry.field(description="total - discountTotal.")
    tax_total: MoneyType = strawberry.field(
        description="Tax on the discounted total (inside it when prices include tax)."
    )
    charged_total: MoneyType = strawberry.field(
        description="What the customer pays for the line: discountedTotal, plus taxTotal "
        "unless prices include tax."
    )
    order_pk: strawberry.Private[int | None] = None
    line_pk: strawberry.Private[int] = 0

    @classmethod
    def from_domain(cls, line: OrderLine, order_id: int | None = None) -> OrderLineType:
        assert line.id is not None
        currency = line.unit_price.currency
        return cls(
            id=strawberry.ID(encode_id("OrderLine", line.id)),
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=MoneyType.from_domain(line.unit_price),
            total=MoneyType.from_domain(line.total),
            discount_total=MoneyType.from_domain(Money(line.discount, currency)),
            discounted_total=MoneyType.from_domain(line.total - Money(line.discount, currency)),
            tax_total=MoneyType.from_domain(Money(line.tax, currency)),
            charged_total=MoneyType.from_domain(line.charged),
            order_pk=order_id,
            line_pk=line.id,
        )

    @strawberry.field(description="Tax per rate on this line.")
    async def tax_lines(self, info: Info) -> list[TaxLineType]:
        if self.order_pk is None:
            return []
        details = await info.context.loaders.price_details_by_order_id.load(self.order_pk)
        currency = self.unit_price.currency
        return [
            TaxLineType.from_domain(t, currency)
            for t in details.taxes
            if t.order_line_id == self.line_pk
        ]

    @strawberry.field
    async def product(self, info: Info) -> ProductType | None:
        product = await info.context.loaders.product_by_sku.load(self.sku)
        return ProductType.from_domain(product) if product else None


@strawberry.type(name="OrderHold", description="A stop on fulfillment until released.")
class OrderHoldType:
    id: strawberry.ID
    type: HoldType
    reason: str | None
    active: bool
    created_at: datetime
    created_by: str
    released_at: datetime | None
    released_by: str | None

    @classmethod
    def from_domain(cls, hold: Hold) -> OrderHoldType:
        return cls(
            id=strawberry.ID(encode_id("OrderHold", hold.id or 0)),
            type=hold.type,
            reason=hold.reason,
            active=hold.active,
            created_at=hold.created_at,
            created_by=hold.created_by,
            released_at=hold.released_at,
            released_by=hold.released_by,
        )


@strawberry.type(name="PaymentTransaction", description="One call to the payment gateway.")
class PaymentTransactionType:
    id: strawberry.ID
    gateway: str
    kind: TransactionKind
    status: TransactionStatus
    amount: MoneyType
    reference: str | None
    error_code: str | None
    message: str | None
    created_at: datetime
    client_secret: str | None = strawberry.field(
        default=None,
        description="ACTION_REQUIRED: hand this to the provider's client library (Stripe.js "
        "handleNextAction) so the customer can authenticate; then ask again without a token, "
        "or let the provider's webhook finish it.",
    )
    next_action: JSON | None = strawberry.field(
        default=None, description="ACTION_REQUIRED: the provider's next step, as it sent it."
    )
    target_reference: str | None = strawberry.field(
        default=None, description="The authorization or charge this call acted on."
    )
    compensates: strawberry.ID | None = strawberry.field(
        default=None,
        description="This void or refund undid that transaction: money that landed on an order "
        "that had moved on (cancelled, or paid by another attempt).",
    )
    settled_at: datetime | None = strawberry.field(
        default=None, description="When the answer was applied to the order."
    )

    @classmethod
    def from_domain(cls, t: PaymentTransaction) -> PaymentTransactionType:
        return cls(
            id=strawberry.ID(encode_id("PaymentTransaction", t.id or 0)),
            gateway=t.gateway,
            kind=t.kind,
            status=t.status,
            amount=MoneyType.from_domain(t.amount),
            reference=t.reference,
            error_code=t.error_code,
            message=t.message,
            created_at=t.created_at,
            client_secret=t.client_secret,
            next_action=JSON(t.next_action) if t.next_action is not None else None,
            target_reference=t.target_reference,
            compensates=(
                strawberry.ID(encode_id("PaymentTransaction", t.compensates_id))
                if t.compensates_id is not None
                else None
            ),
            settled_at=t.settled_at,
        )


@strawberry.type(name="RoutingCandidate")
class RoutingCandidateType:
    warehouse_pk: strawberry.Private[int]
    rank: int
    reason: str
    chosen: bool

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType | None:
        found = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        return WarehouseType.from_domain(found) if found else None


@strawberry.type(name="RoutingAllocation")
class RoutingAllocationType:
    sku: str
    quantity: int
    warehouse_pk: strawberry.Private[int]

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType | None:
        found = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        return WarehouseType.from_domain(found) if found else None


@strawberry.type(
    name="RoutingDecision",
    description="Why the order's stock was reserved where it was: every warehouse considered, "
    "ranked (region, then country, then priority), and where each SKU went.",
)
class RoutingDecisionType:
    candidates: list[RoutingCandidateType]
    allocations: list[RoutingAllocationType]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoutingDecisionType:
        return cls(
            candidates=[
                RoutingCandidateType(
                    warehouse_pk=c["warehouse_id"],
                    rank=c["rank"],
                    reason=c["reason"],
                    chosen=c["chosen"],
                )
                for c in data.get("candidates", [])
            ],
            allocations=[
                RoutingAllocationType(
                    sku=a["sku"], quantity=a["quantity"], warehouse_pk=a["warehouse_id"]
                )
                for a in data.get("allocations", [])
            ],
        )


@strawberry.type(name="Order")
class OrderType(Node):
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int | None]
    routing_data: strawberry.Private[dict[str, Any] | None]
    number: str
    status: OrderStatus
    payment_status: PaymentStatus
    channel: Channel
    email: str
    contact_name: str | None
    phone: str | None
    subtotal: MoneyType = strawberry.field(
        description="The lines' prices before discounts, as displayed."
    )
    shipping_total: MoneyType = strawberry.field(
        description="The shipping price, before its discount (and as displayed)."
    )
    total: MoneyType = strawberry.field(
        description="subtotal - discountTotal + shippingTotal, + taxTotal unless prices "
        "include tax; the amount charged."
    )
    discount_total: MoneyType = strawberry.field(
        description="Every discount's share, of the lines and of shipping."
    )
    tax_total: MoneyType = strawberry.field(
        description="Tax on the lines and on shipping (contained in the prices when "
        "pricesIncludeTax)."
    )
    shipping_discount: MoneyType = strawberry.field(description="Taken off shippingTotal.")
    shipping_tax: MoneyType = strawberry.field(description="Tax on shipping.")
    prices_include_tax: bool = strawberry.field(
        description="The market's tax display when the order was placed."
    )
    tax_policy: str | None = strawberry.field(
        description="How tax was decided: NONE (no tax configured for the destination), "
        "PROVIDER, or FALLBACK (the provider failed; the market's fallback rate). Null for "
        "orders placed before taxes existed."
    )
    shipping_address: AddressType
    placed_by: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="When an unpaid order is cancelled and its stock released."
    )
    promised_delivery_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    ship_by_at: datetime | None = strawberry.field(
        description="Confirmed orders not shipped by then are at risk."
    )
    delivered_at: datetime | None
    at_risk_reasons: list[str] = strawberry.field(
        description="NOT_SHIPPED_IN_TIME, DELIVERY_OVERDUE, SHIPMENT_EXCEPTION, "
        "AUTHORIZATION_EXPIRING, PAYMENT_NEEDS_ATTENTION, PAYMENT_CAPTURE_FAILED."
    )
    authorization_expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the provider lets authorized funds lapse (Stripe: 7 days); flagged "
        "AUTHORIZATION_EXPIRING ahead of it.",
    )
    source: str | None = strawberry.field(
        default=None, description="The channel an imported order came from (e.g. amazon)."
    )
    external_id: str | None = strawberry.field(
        default=None, description="The imported order's id on its source channel."
    )
    sales_rep: str | None = strawberry.field(
        default=None, description="The staff member or sales rep who took the order."
    )
    tags: list[str] = strawberry.field(
        default_factory=list, description="Labels on the order (automation rules add them)."
    )
    version: int = strawberry.field(
        default=1, description="Bumped by every change; send it as expectedVersion."
    )
    metadata: list[MetadataItemType] = strawberry.field(
        default_factory=list, description="Key-value pairs staff set (updateMetadata)."
    )
    private_metadata: list[MetadataItemType] | None = strawberry.field(
        default=None, description="Staff-only key-value pairs (needs orders:read)."
    )
    # an order computed but not stored (a dry run's replacement) shows its lines from memory
    unsaved_lines: strawberry.Private[tuple[OrderLine, ...] | None] = None

    @strawberry.field(description="Late, or likely to be: see atRiskReasons.")
    def at_risk(self) -> bool:
        return bool(self.at_risk_reasons)

    @classmethod
    def from_domain(
        cls, order: Order, totals: tuple[int, int, int, int, int] | None = None
    ) -> OrderType:
        """``totals`` (subtotal, shipping, total, discount, tax) as stored, for an order read
        without its lines."""
        assert order.id is not None
        subtotal, shipping, total, discount, tax = totals or (
            order.subtotal.minor_units,
            order.shipping_total.minor_units,
            order.total.minor_units,
            order.discount_total.minor_units,
            order.tax_total.minor_units,
        )
        currency = order.currency
        return cls(
            id=strawberry.ID(encode_id("Order", order.id)),
            pk=order.id,
            customer_pk=order.customer_id,
            routing_data=order.routing,
            number=order.number,
            status=order.status,
            payment_status=order.payment_status,
            channel=order.channel,
            email=order.email,
            contact_name=order.contact_name,
            phone=order.phone,
            subtotal=MoneyType.from_domain(Money(subtotal, order.currency)),
            shipping_total=MoneyType.from_domain(Money(shipping, order.currency)),
            total=MoneyType.from_domain(Money(total, order.currency)),
            discount_total=MoneyType.from_domain(Money(discount, currency)),
            tax_total=MoneyType.from_domain(Money(tax, currency)),
            shipping_discount=MoneyType.from_domain(Money(order.shipping_discount, currency)),
            shipping_tax=MoneyType.from_domain(Money(order.shipping_tax, currency)),
            prices_include_tax=order.prices_include_tax,
            tax_policy=order.tax_policy,
            shipping_address=AddressType.from_domain(order.shipping_address),
            placed_by=order.placed_by,
            created_at=order.created_at,
            updated_at=order.updated_at,
            expires_at=order.expires_at,
            promised_delivery_at=order.promised_delivery_at,
            confirmed_at=order.confirmed_at,
            cancelled_at=order.cancelled_at,
            cancel_reason=order.cancel_reason,
            ship_by_at=order.ship_by_at,
            delivered_at=order.delivered_at,
            at_risk_reasons=list(order.at_risk_reasons),
            authorization_expires_at=order.authorization_expires_at,
            source=order.source,
            external_id=order.external_id,
            sales_rep=order.sales_rep,
            tags=list(order.tags),
            version=order.version,
            metadata=metadata_items(order.metadata),
            private_metadata=metadata_items(order.private_metadata),
        )

    @classmethod
    def from_row(cls, row: sa.RowMapping) -> OrderType:
        """From an ``orders`` row alone: totals as stored, lines left to the loaders."""
        return cls.from_domain(
            order_from_row(row, [], []),
            (
                row["subtotal_minor"],
                row["shipping_minor"],
                row["total_minor"],
                row["discount_minor"],
                row["tax_minor"],
            ),
        )

    @classmethod
    def unsaved(cls, order: Order) -> OrderType:
        """A dry run's order, rolled back: its lines and totals as computed; what hangs on it
        (holds, payments, events) reads as empty."""
        found = cls.from_domain(order)
        found.unsaved_lines = tuple(order.lines)
        return found

    @strawberry.field
    async def lines(self, info: Info) -> list[OrderLineType]:
        if self.unsaved_lines is not None:
            return [OrderLineType.from_domain(line, None) for line in self.unsaved_lines]
        return [
            OrderLineType.from_domain(line, self.pk)
            for line in await info.context.loaders.lines_by_order_id.load(self.pk)
        ]

    @strawberry.field(
        description="Tax per rate over the whole order (lines and shipping): the invoice's "
        "totals per rate."
    )
    async def tax_lines(self, info: Info) -> list[TaxLineType]:
        details = await info.context.loaders.price_details_by_order_id.load(self.pk)
        return summarize(list(details.taxes), self.total.currency)

    @strawberry.field(description="Each discount's share of each line and of shipping.")
    async def discount_allocations(self, info: Info) -> list[DiscountAllocationType]:
        details = await info.context.loaders.price_details_by_order_id.load(self.pk)
        return [
            DiscountAllocationType.from_domain(d, self.total.currency) for d in details.discounts
        ]

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        if self.customer_pk is None:
            return None
        found = await info.context.loaders.customer_by_id.load(self.customer_pk)
        return CustomerType.from_domain(found) if found else None

    @strawberry.field(description="Active and released holds, oldest first.")
    async def holds(self, info: Info, active: bool | None = None) -> list[OrderHoldType]:
        holds = await info.context.loaders.holds_by_order_id.load(self.pk)
        return [OrderHoldType.from_domain(h) for h in holds if active is None or h.active == active]

    @strawberry.field
    async def fulfillments(self, info: Info) -> list[FulfillmentType]:
        found = await info.context.loaders.fulfillments_by_order_id.load(self.pk)
        return [FulfillmentType.from_domain(f) for f in found]

    @strawberry.field
    async def returns(self, info: Info) -> list[ReturnType]:
        found = await info.context.loaders.returns_by_order_id.load(self.pk)
        return [ReturnType.from_domain(r) for r in found]

    @strawberry.field
    async def refunds(self, info: Info) -> list[RefundType]:
        found = await info.context.loaders.refunds_by_order_id.load(self.pk)
        return [RefundType.from_domain(r) for r in found]

    @strawberry.field
    async def shipments(self, info: Info) -> list[ShipmentType]:
        found = await info.context.loaders.shipments_by_order_id.load(self.pk)
        return [ShipmentType.from_domain(s) for s in found]

    @strawberry.field(description="The customer's rating of the delivery, once given.")
    async def feedback(self, info: Info) -> OrderFeedbackType | None:
        found = await info.context.loaders.feedback_by_order_id.load(self.pk)
        return OrderFeedbackType.from_domain(found) if found else None

    @strawberry.field(description="The exchanges made from this order, oldest first.")
    async def exchanges(self, info: Info) -> list[ExchangeType]:
        found = await info.context.loaders.exchanges_by_order_id.load(self.pk)
        return [ExchangeType.from_domain(e) for e in found]

    @strawberry.field(description="On a replacement order: the exchange it was made by, else null.")
    async def exchange_for(self, info: Info) -> ExchangeType | None:
        found = await info.context.loaders.exchange_by_replacement_id.load(self.pk)
        return ExchangeType.from_domain(found) if found else None

    @strawberry.field(
        description="What an edit left to pay through open pay links (editOrder with "
        "collectPayment: PAY_LINK); zero when nothing is owed."
    )
    async def balance_due(self, info: Info) -> MoneyType:
        owed = await info.context.loaders.balance_due_by_order_id.load(self.pk)
        return MoneyType.from_domain(Money(owed, self.total.currency))

    @strawberry.field(description="The draft order it was completed from, else null.")
    async def draft_order_id(self, info: Info) -> strawberry.ID | None:
        found = await info.context.loaders.draft_id_by_order_id.load(self.pk)
        return strawberry.ID(encode_id("DraftOrder", found)) if found is not None else None

    @strawberry.field(
        description=(
            "The order's invoice, once issued (GET /orders/{id}/invoice.pdf issues it for a "
            "paid order); for staff with orders:read and the order's customer, else null."
        )
    )
    async def invoice(self, info: Info) -> InvoiceType | None:
        if not may_read_invoice(info.context.principal, self.customer_pk):
            return None  # a storefront sees the order it placed, not its invoice
        found = await info.context.loaders.invoice_by_order_id.load(self.pk)
        if found is None:
            return None
        url = f"{info.context.public_base_url}/orders/{self.id}/invoice.pdf"
        return InvoiceType.from_domain(found, url)

    @strawberry.field(
        description="The order's change sets (edits, partial cancellations), oldest first: "
        "each a numbered version with its diff."
    )
    async def changes(self, info: Info) -> list[OrderEditType]:
        found = await info.context.loaders.changes_by_order_id.load(self.pk)
        return [OrderEditType.from_record(c) for c in found]

    @strawberry.field(description="The order's timeline, in order.")
    async def events(self, info: Info) -> list[OrderEventType]:
        rows = await info.context.loaders.events_by_order_id.load(self.pk)
        principal = info.context.principal
        return [OrderEventType.from_row(r) for r in rows if may_see_on_timeline(principal, r.type)]

    @strawberry.field(description="Staff notes (addOrderNote), newest last; needs orders:read.")
    async def notes(self, info: Info) -> list[OrderNoteType]:
        found = await info.context.loaders.notes_by_order_id.load(self.pk)
        return [OrderNoteType.from_domain(n) for n in found]

    @strawberry.field(description="Every automation rule run on this order's events, in order.")
    async def automation_runs(self, info: Info) -> list[AutomationRunType]:
        t = automation_runs.c
        async with info.context.read_engine.connect() as conn:
            rows = await conn.execute(
                sa.select(automation_runs).where(t.order_id == self.pk).order_by(t.id)
            )
            return [AutomationRunType.from_row(m) for m in rows.mappings()]

    @strawberry.field(description="Every payment gateway call, in order.")
    async def payments(self, info: Info) -> list[PaymentTransactionType]:
        found = await info.context.loaders.payments_by_order_id.load(self.pk)
        return [PaymentTransactionType.from_domain(t) for t in found]

    @strawberry.field(description="Every mail sent (or being sent) to the customer, in order.")
    async def notifications(self, info: Info) -> list[NotificationObject]:
        rows = await info.context.loaders.notifications_by_order_id.load(self.pk)
        return [NotificationObject.from_row(r) for r in rows]

    @strawberry.field(
        description="The carrier service the order was placed with; null when the fixed rate "
        "table priced its shipping (no carrier service served the address)."
    )
    async def shipping_option(self, info: Info) -> OrderShippingOptionType | None:
        found = await info.context.loaders.shipping_option_by_order_id.load(self.pk)
        return OrderShippingOptionType.from_domain(found) if found else None

    @strawberry.field
    def routing(self) -> RoutingDecisionType | None:
        return RoutingDecisionType.from_json(self.routing_data) if self.routing_data else None
