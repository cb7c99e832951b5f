"""In-memory implementations of the ports in ``ordergraph.domain.ports``, for use-case tests.

They follow the SQL repositories: taken unique keys raise ``Duplicate`` (a taken idempotency key
raises ``RetryableConflict``), stock changes go through ``LevelChange.allows``, ids come from
sequences that a rollback does not rewind, and events reach ``FakeStore.outbox`` only on commit.
Fulfillments, shipments and the at-risk scan follow ``db/repositories/fulfillments.py`` and
``db/repositories/shipments.py``, returns and refunds ``db/repositories/returns.py``: what
their UPDATEs do not write is not kept either.

A unit of work copies the committed state on entry and swaps its copy in on commit, so leaving
the ``async with`` block without committing discards everything. Stored objects are never handed
out: repositories store and return copies, and replace a stored object rather than change it, so
a shallow copy of the containers is a snapshot. Row locks (``for_update``, SKIP LOCKED) are not
modelled: a commit conflicts with any commit made since its unit of work began instead.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from ordergraph.domain.accounts import StoredAddress
from ordergraph.domain.annotations import OrderNote
from ordergraph.domain.automation import AutomationRule, PastEvent, RunOutcome
from ordergraph.domain.carrier_events import CarrierEvent, CarrierEventOutcome
from ordergraph.domain.carrier_services import (
    CarrierChoice,
    CarrierService,
    OrderShippingOption,
    TransitStats,
)
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import Address, AddressFields, Customer
from ordergraph.domain.discounts import Discount, UseOutcome, unusable_reason
from ordergraph.domain.drafts import DraftOrder, DraftStatus
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.exchanges import Exchange
from ordergraph.domain.feedback import OrderFeedback
from ordergraph.domain.fulfillments import Fulfillment, FulfillmentLine, FulfillmentStatus
from ordergraph.domain.inbound import InboundShipment
from ordergraph.domain.inventory import (
    AdjustmentReason,
    InventoryLevel,
    InventoryMovement,
    LevelChange,
    LevelField,
)
from ordergraph.domain.markets import Market, check_countries_free
from ordergraph.domain.notifications import (
    NotificationOutbox,
    NotificationRequest,
    plan_notification,
)
from ordergraph.domain.order_pricing import PriceDetails
from ordergraph.domain.orders import Channel, Order, OrderLine, OrderStatus, RequestedLine
from ordergraph.domain.payment_links import PaymentLink, PaymentLinkStatus
from ordergraph.domain.payments import PaymentGateway, PaymentTransaction
from ordergraph.domain.ports import (
    AccountRepository,
    AutomationRepository,
    CarrierEventRepository,
    CarrierServiceRepository,
    ChangedConcurrently,
    CustomerRepository,
    DiscountRepository,
    DraftOrderRepository,
    ExchangeRepository,
    FeedbackRepository,
    FulfillmentRepository,
    IdempotencyRecord,
    IdempotencyRepository,
    InboundShipmentRepository,
    InventoryRepository,
    MarketRepository,
    OrderChangeRecord,
    OrderChangeRepository,
    OrderNoteRepository,
    OrderRepository,
    PaymentLinkRepository,
    PaymentRepository,
    PriceListRepository,
    PrivacyRepository,
    ProductRepository,
    RefundRepository,
    RetryableConflict,
    ReturnRepository,
    RiskRepository,
    ShipmentRepository,
    StoredAllocation,
    TaxRateRepository,
    TokenRepository,
    TransferRepository,
    UnitOfWork,
    WarehouseRepository,
    WebhookRepository,
)
from ordergraph.domain.price_lists import ListedPrice, PriceList
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.refunds import Refund
from ordergraph.domain.returns import Return
from ordergraph.domain.routing import Allocation
from ordergraph.domain.shipments import TERMINAL, Shipment, ShipmentEvent, ShipmentStatus
from ordergraph.domain.taxes import TaxRate
from ordergraph.domain.tokens import ApiToken
from ordergraph.domain.transfers import InventoryTransfer
from ordergraph.domain.webhooks import (
    Delivery,
    DeliveryStatus,
    Webhook,
    owner_from_json,
    owner_json,
)
from ordergraph.gateways import TestGateway
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.customers import create_customer
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.fulfillment import mark_packed, ship_fulfillment, start_picking
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment, capture_payment
from ordergraph.services.shipments import record_shipment_event
from tests.unit.fake_accounts import FakeAccountRepository, StoredCustomerToken

DEFAULT_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST_ORDER_NUMBER = 100001
OPEN_FULFILLMENT = frozenset(
    {FulfillmentStatus.PENDING, FulfillmentStatus.PICKING, FulfillmentStatus.PACKED}
)
# Shipments the at-risk scan still watches (as ``OPEN`` in db/repositories/shipments.py).
OPEN_SHIPMENT = frozenset(
    s
    for s in ShipmentStatus
    if s not in {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER}
)
# Orders that still have units to ship.
UNSHIPPED_ORDER = frozenset(
    {OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED}
)


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A row of ``api_tokens``: the digest, never the token."""

    id: int
    name: str
    role: Role
    scopes: frozenset[Scope]
    token_hash: str
    prefix: str
    customer_id: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None

    def public(self) -> ApiToken:
        return ApiToken(
            id=self.id,
            name=self.name,
            role=self.role,
            scopes=self.scopes,
            prefix=self.prefix,
            customer_id=self.customer_id,
            created_at=self.created_at,
            expires_at=self.expires_at,
            revoked_at=self.revoked_at,
        )


@dataclass(frozen=True, slots=True)
class StoredAllocationRow:
    """A row of ``order_allocations``: units of one line reserved in one warehouse."""

    id: int
    order_id: int
    order_line_id: int
    allocation: Allocation
    released_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredFulfillmentLine:
    """A row of ``fulfillment_lines``: the units of one allocation this fulfillment ships."""

    id: int
    order_line_id: int
    allocation: Allocation
    shipped_quantity: int = 0

    @property
    def sku(self) -> str:
        return self.allocation.sku

    @property
    def quantity(self) -> int:
        return self.allocation.quantity


@dataclass(frozen=True, slots=True)
class StoredFulfillment:
    """A row of ``fulfillments`` with its lines."""

    id: int
    order_id: int
    warehouse_id: int
    status: FulfillmentStatus
    lines: tuple[StoredFulfillmentLine, ...]
    created_at: datetime
    updated_at: datetime

    def to_fulfillment(self) -> Fulfillment:
        """The domain object, as the SQL repository loads it (version not stored: 1)."""
        return Fulfillment(
            id=self.id,
            order_id=self.order_id,
            warehouse_id=self.warehouse_id,
            status=self.status,
            lines=[
                FulfillmentLine(
                    line.id, line.order_line_id, line.sku, line.quantity, line.shipped_quantity
                )
                for line in self.lines
            ],
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


@dataclass(frozen=True, slots=True)
class StoredWebhook:
    """A row of ``webhooks``: the registration, its secret and whether it was deleted."""

    webhook: Webhook
    secret: str
    created_by: str
    deleted_at: datetime | None = None


@dataclass(slots=True)
class FakeState:
    """Everything the store holds; one of these is committed, each open unit of work has a copy."""

    warehouses: dict[int, Warehouse] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    levels: dict[tuple[str, int], InventoryLevel] = field(default_factory=dict)
    movements: list[InventoryMovement] = field(default_factory=list)
    customers: dict[str, Customer] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    tokens: dict[int, StoredToken] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    price_details: dict[int, PriceDetails] = field(default_factory=dict)
    allocations: dict[int, StoredAllocationRow] = field(default_factory=dict)
    fulfillments: dict[int, StoredFulfillment] = field(default_factory=dict)
    payments: dict[int, PaymentTransaction] = field(default_factory=dict)
    provider_events: dict[tuple[str, str], str] = field(default_factory=dict)
    shipments: dict[int, Shipment] = field(default_factory=dict)
    returns: dict[int, Return] = field(default_factory=dict)
    refunds: dict[int, Refund] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    # keyed like the notifications table: a key is written once
    notifications: dict[str, NotificationRequest] = field(default_factory=dict)
    customer_tokens: dict[int, StoredCustomerToken] = field(default_factory=dict)
    addresses: dict[int, StoredAddress] = field(default_factory=dict)
    feedback: dict[int, OrderFeedback] = field(default_factory=dict)  # by order id
    webhooks: dict[int, StoredWebhook] = field(default_factory=dict)
    webhook_deliveries: dict[int, Delivery] = field(default_factory=dict)
    transfers: dict[int, InventoryTransfer] = field(default_factory=dict)
    inbound: dict[int, InboundShipment] = field(default_factory=dict)
    carrier_events: dict[int, StoredCarrierEvent] = field(default_factory=dict)
    automation_rules: dict[int, AutomationRule] = field(default_factory=dict)
    # the committed order events a backtest reads (tests put them here)
    past_events: list[PastEvent] = field(default_factory=list)
    finished_runs: dict[int, RunOutcome] = field(default_factory=dict)
    carrier_services: dict[int, CarrierService] = field(default_factory=dict)
    order_options: dict[int, OrderShippingOption] = field(default_factory=dict)
    carrier_choices: dict[int, CarrierChoice] = field(default_factory=dict)
    markets: dict[int, Market] = field(default_factory=dict)
    discounts: dict[int, Discount] = field(default_factory=dict)
    discount_usages: dict[tuple[int, int], StoredDiscountUsage] = field(default_factory=dict)
    price_lists: dict[int, PriceList] = field(default_factory=dict)
    list_prices: dict[tuple[int, str], int] = field(default_factory=dict)
    order_notes: list[OrderNote] = field(default_factory=list)
    draft_orders: dict[int, DraftOrder] = field(default_factory=dict)
    payment_links: dict[int, PaymentLink] = field(default_factory=dict)
    # the paying lease of each link (the table's paying_until): committed state, as in SQL
    payment_link_leases: dict[int, datetime] = field(default_factory=dict)
    tax_rates: dict[int, TaxRate] = field(default_factory=dict)
    order_changes: dict[int, OrderChangeRecord] = field(default_factory=dict)
    exchanges: dict[int, Exchange] = field(default_factory=dict)

    def copy(self) -> FakeState:
        return FakeState(
            warehouses=dict(self.warehouses),
            products=dict(self.products),
            levels=dict(self.levels),
            movements=list(self.movements),
            customers=dict(self.customers),
            idempotency=dict(self.idempotency),
            tokens=dict(self.tokens),
            orders=dict(self.orders),
            allocations=dict(self.allocations),
            fulfillments=dict(self.fulfillments),
            payments=dict(self.payments),
            provider_events=dict(self.provider_events),
            shipments=dict(self.shipments),
            returns=dict(self.returns),
            refunds=dict(self.refunds),
            outbox=list(self.outbox),
            notifications=dict(self.notifications),
            customer_tokens=dict(self.customer_tokens),
            addresses=dict(self.addresses),
            feedback=dict(self.feedback),
            webhooks=dict(self.webhooks),
            webhook_deliveries=dict(self.webhook_deliveries),
            transfers=dict(self.transfers),
            inbound=dict(self.inbound),
            carrier_events=dict(self.carrier_events),
            automation_rules=dict(self.automation_rules),
            past_events=list(self.past_events),
            finished_runs=dict(self.finished_runs),
            carrier_services=dict(self.carrier_services),
            order_options=dict(self.order_options),
            carrier_choices=dict(self.carrier_choices),
            markets=dict(self.markets),
            discounts=dict(self.discounts),
            discount_usages=dict(self.discount_usages),
            price_lists=dict(self.price_lists),
            list_prices=dict(self.list_prices),
            tax_rates=dict(self.tax_rates),
            price_details=dict(self.price_details),
            order_changes=dict(self.order_changes),
            exchanges=dict(self.exchanges),
            order_notes=list(self.order_notes),
            draft_orders={k: dataclasses.replace(v) for k, v in self.draft_orders.items()},
            payment_links={k: dataclasses.replace(v) for k, v in self.payment_links.items()},
            payment_link_leases=dict(self.payment_link_leases),
        )


@dataclass(frozen=True, slots=True)
class StoredDiscountUsage:
    """A ``discount_usages`` row, keyed by (discount id, order id)."""

    customer_key: str
    taken_at: datetime
    given_back_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredCarrierEvent:
    """A ``carrier_events`` row."""

    event: CarrierEvent
    outcome: CarrierEventOutcome
    shipment_id: int | None
    received_at: datetime


class FakeStore:
    """The in-memory database: committed state, id sequences and injectable commit failures."""

    def __init__(self) -> None:
        self.state = FakeState()
        self.version = 0
        self.commit_attempts = 0
        self.commits = 0
        self._conflicts_to_raise = 0
        # Like database sequences, these are not rewound by a rollback.
        self._sequences: dict[str, Iterator[int]] = {}

    def next_id(self, table: str) -> int:
        return next(self._sequences.setdefault(table, itertools.count(1)))

    def fail_next_commits(self, count: int) -> None:
        """Make the next ``count`` commits raise ``RetryableConflict`` and write nothing."""
        self._conflicts_to_raise = count

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    # Read-only views of the committed state, for assertions.
    @property
    def warehouses(self) -> list[Warehouse]:
        return list(self.state.warehouses.values())

    @property
    def products(self) -> list[Product]:
        return list(self.state.products.values())

    @property
    def levels(self) -> dict[tuple[str, int], InventoryLevel]:
        return dict(self.state.levels)

    @property
    def movements(self) -> list[InventoryMovement]:
        return list(self.state.movements)

    @property
    def customers(self) -> list[Customer]:
        return list(self.state.customers.values())

    @property
    def idempotency_records(self) -> list[IdempotencyRecord]:
        return list(self.state.idempotency.values())

    @property
    def tokens(self) -> list[StoredToken]:
        return list(self.state.tokens.values())

    @property
    def orders(self) -> list[Order]:
        return [copy_order(o) for o in self.state.orders.values()]

    @property
    def allocations(self) -> list[StoredAllocationRow]:
        return list(self.state.allocations.values())

    @property
    def fulfillments(self) -> list[StoredFulfillment]:
        return list(self.state.fulfillments.values())

    @property
    def payments(self) -> list[PaymentTransaction]:
        return list(self.state.payments.values())

    @property
    def carrier_events(self) -> list[StoredCarrierEvent]:
        return [v for _, v in sorted(self.state.carrier_events.items())]

    @property
    def shipments(self) -> list[Shipment]:
        """Committed shipments as the repository loads them (events by occurrence)."""
        return [load_shipment(s) for _, s in sorted(self.state.shipments.items())]

    @property
    def returns(self) -> list[Return]:
        """Committed returns (RMAs) by id, as the repository loads them."""
        return [copy_return(r) for _, r in sorted(self.state.returns.items())]

    @property
    def refunds(self) -> list[Refund]:
        """Committed refunds by id."""
        return [dataclasses.replace(r) for _, r in sorted(self.state.refunds.items())]

    @property
    def feedback(self) -> list[OrderFeedback]:
        """Committed delivery feedback, by order id."""
        return [f for _, f in sorted(self.state.feedback.items())]

    @property
    def webhooks(self) -> list[StoredWebhook]:
        """Committed webhook rows by id, deleted ones included."""
        return [w for _, w in sorted(self.state.webhooks.items())]

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        return [d for _, d in sorted(self.state.webhook_deliveries.items())]

    def add_webhook_delivery(self, webhook_id: int, status: DeliveryStatus, now: datetime) -> int:
        """A delivery row as fan-out and delivery leave it (those run on the real database)."""
        delivery_id = self.next_id("webhook_deliveries")
        self.state.webhook_deliveries[delivery_id] = Delivery(
            id=delivery_id,
            webhook_id=webhook_id,
            outbox_id=delivery_id,
            order_id=None,
            event_type="order.placed",
            status=status,
            attempts=0 if status is DeliveryStatus.PENDING else 8,
            next_attempt_at=now,
            last_status_code=None if status is DeliveryStatus.PENDING else 500,
            last_error=None,
            last_latency_ms=None,
            created_at=now,
            delivered_at=None,
        )
        self.version += 1
        return delivery_id

    @property
    def outbox(self) -> list[DomainEvent]:
        return list(self.state.outbox)

    def fulfillment(self, fulfillment_id: int) -> Fulfillment:
        """One committed fulfillment as the domain object."""
        return self.state.fulfillments[fulfillment_id].to_fulfillment()

    def order(self, order_id: int) -> Order:
        """One committed order."""
        return copy_order(self.state.orders[order_id])

    def return_(self, return_id: int) -> Return:
        """One committed return."""
        return copy_return(self.state.returns[return_id])

    def take_injected_conflict(self) -> bool:
        """Consume one of the failures asked for with ``fail_next_commits``, if any is left."""
        if self._conflicts_to_raise > 0:
            self._conflicts_to_raise -= 1
            return True
        return False


class FakeWarehouseRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, warehouse: Warehouse) -> Warehouse:
        if any(w.code == warehouse.code for w in self._state.warehouses.values()):
            raise Duplicate(f"a warehouse with code {warehouse.code} exists", field=["code"])
        warehouse.id = self._store.next_id("warehouses")
        self._state.warehouses[warehouse.id] = dataclasses.replace(warehouse)
        return warehouse

    async def get(self, warehouse_id: int) -> Warehouse | None:
        found = self._state.warehouses.get(warehouse_id)
        return dataclasses.replace(found) if found else None

    async def get_by_code(self, code: str) -> Warehouse | None:
        for warehouse in self._state.warehouses.values():
            if warehouse.code == code:
                return dataclasses.replace(warehouse)
        return None

    async def list_all(self) -> list[Warehouse]:
        return [dataclasses.replace(w) for _, w in sorted(self._state.warehouses.items())]

    async def update(self, warehouse: Warehouse, *, previous_version: int) -> bool:
        assert warehouse.id is not None
        stored = self._state.warehouses.get(warehouse.id)
        if stored is None or stored.version != previous_version:
            return False
        self._state.warehouses[warehouse.id] = dataclasses.replace(warehouse, code=stored.code)
        return True


class FakeProductRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, product: Product) -> Product:
        if product.sku in self._state.products:
            raise Duplicate(f"a product with SKU {product.sku} exists", field=["sku"])
        product.id = self._store.next_id("products")
        self._state.products[product.sku] = dataclasses.replace(product)
        return product

    async def get_by_sku(self, sku: str) -> Product | None:
        found = self._state.products.get(sku)
        return dataclasses.replace(found) if found else None

    async def get(self, product_id: int) -> Product | None:
        found = next((p for p in self._state.products.values() if p.id == product_id), None)
        return dataclasses.replace(found, attributes=dict(found.attributes)) if found else None

    async def update(self, product: Product, *, previous_version: int) -> bool:
        stored = self._state.products.get(product.sku)
        if stored is None or stored.id != product.id or stored.version != previous_version:
            return False
        self._state.products[product.sku] = dataclasses.replace(
            product,
            attributes=dict(product.attributes),
            allow_backorder=stored.allow_backorder,
            backorder_limit=stored.backorder_limit,
        )
        return True

    async def get_many(self, skus: list[str]) -> dict[str, Product]:
        products = self._state.products
        return {sku: dataclasses.replace(products[sku]) for sku in skus if sku in products}

    async def upsert_many(self, products: Sequence[Product]) -> dict[str, int]:
        for product in products:
            stored = self._state.products.get(product.sku)
            if stored is None:
                product.id = self._store.next_id("products")
            elif stored.version != product.version - 1:
                raise ChangedConcurrently("a product changed while the import read it")
            else:
                product.id = stored.id
                product.created_at = stored.created_at
            self._state.products[product.sku] = dataclasses.replace(product)
        return {p.sku: p.id for p in products if p.id is not None}


def delta_of(movement: InventoryMovement, field: LevelField) -> int:
    """What a ledger row moved of ``field`` (rows carry one field each)."""
    return movement.delta if movement.field is field else 0


class FakeInventoryRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def get(self, sku: str, warehouse_id: int) -> InventoryLevel | None:
        return self._state.levels.get((sku, warehouse_id))

    async def get_many(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], InventoryLevel]:
        return {k: self._state.levels[k] for k in keys if k in self._state.levels}

    async def apply_counts(
        self, counts: Sequence[tuple[str, int, int, int]], now: datetime
    ) -> dict[tuple[str, int], InventoryLevel]:
        applied: dict[tuple[str, int], InventoryLevel] = {}
        for sku, warehouse_id, on_hand, was in counts:
            level = self._state.levels.get((sku, warehouse_id))
            change = LevelChange(on_hand=on_hand - was, on_hand_was=was)
            if level is not None and change.allows(level):
                applied[(sku, warehouse_id)] = change.apply(level, now)
                self._state.levels[(sku, warehouse_id)] = applied[(sku, warehouse_id)]
        return applied

    async def ensure_levels(self, keys: Sequence[tuple[str, int]], now: datetime) -> None:
        for key in keys:
            if key not in self._state.levels:
                self._state.levels[key] = self._empty_level(*key, now)

    async def apply(
        self, sku: str, warehouse_id: int, change: LevelChange, now: datetime
    ) -> InventoryLevel | None:
        # the conditional UPDATE's guards, stated once in LevelChange.allows; like the SQL
        # one, a missing level row is created first (empty, with the product's backorder limit)
        key = (sku, warehouse_id)
        level = self._state.levels.get(key) or self._empty_level(sku, warehouse_id, now)
        if not change.allows(level):
            return None
        self._state.levels[key] = after = change.apply(level, now)
        return after

    async def configure(
        self,
        sku: str,
        warehouse_id: int,
        now: datetime,
        *,
        safety_stock: int | None = None,
        low_stock_threshold: int | None = None,
        clear_threshold: bool = False,
    ) -> InventoryLevel:
        key = (sku, warehouse_id)
        level = self._state.levels.get(key) or self._empty_level(sku, warehouse_id, now)
        level = dataclasses.replace(
            level,
            safety_stock=level.safety_stock if safety_stock is None else safety_stock,
            low_stock_threshold=(
                low_stock_threshold
                if low_stock_threshold is not None or clear_threshold
                else level.low_stock_threshold
            ),
            updated_at=now,
        )
        self._state.levels[key] = level
        return level

    async def set_backorder_limit(
        self, sku: str, limit: int, now: datetime
    ) -> list[InventoryLevel]:
        refused: list[InventoryLevel] = []
        for key, level in sorted(self._state.levels.items()):
            if key[0] != sku or level.backorder_limit == limit:
                continue
            if level.reserved > level.on_hand + limit:
                refused.append(level)
            else:
                self._state.levels[key] = dataclasses.replace(
                    level, backorder_limit=limit, updated_at=now
                )
        return refused

    async def record_movements(self, movements: Sequence[InventoryMovement]) -> None:
        for movement in movements:
            stored = dataclasses.replace(movement, id=self._store.next_id("inventory_movements"))
            self._state.movements.append(stored)

    def _empty_level(self, sku: str, warehouse_id: int, now: datetime) -> InventoryLevel:
        """A new level row carries its product's backorder limit."""
        product = self._state.products.get(sku)
        return InventoryLevel(
            sku=sku,
            warehouse_id=warehouse_id,
            on_hand=0,
            reserved=0,
            updated_at=now,
            backorder_limit=product.backorder_limit if product else 0,
        )

    async def availability(self, skus: list[str]) -> dict[tuple[str, int], int]:
        """Sellable units: on hand - reserved - safety stock + backorder limit; with
        backorders, every warehouse counts even without a level row."""
        found: dict[tuple[str, int], int] = {}
        for sku in dict.fromkeys(skus):
            product = self._state.products.get(sku)
            if product is None:
                continue
            for warehouse_id in self._state.warehouses:
                level = self._state.levels.get((sku, warehouse_id))
                if level is not None:
                    found[(sku, warehouse_id)] = level.available_to_sell + level.backorder_limit
                elif product.allow_backorder:
                    found[(sku, warehouse_id)] = product.backorder_limit
        return found


class FakeCustomerRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, customer: Customer) -> Customer:
        if customer.email in self._state.customers:
            raise Duplicate("a customer with this email exists", field=["email"])
        customer.id = self._store.next_id("customers")
        self._state.customers[customer.email] = dataclasses.replace(customer)
        return customer

    async def get_by_email(self, email: str) -> Customer | None:
        found = self._state.customers.get(email)
        return dataclasses.replace(found) if found else None

    async def get(self, customer_id: int) -> Customer | None:
        for customer in self._state.customers.values():
            if customer.id == customer_id:
                return dataclasses.replace(customer)
        return None

    async def update(self, customer: Customer, *, previous_version: int) -> bool:
        stored = next((c for c in self._state.customers.values() if c.id == customer.id), None)
        if stored is None or stored.version != previous_version:
            return False
        taken = self._state.customers.get(customer.email)
        if taken is not None and taken.id != customer.id:
            raise Duplicate("a customer with this email exists", field=["email"])
        del self._state.customers[stored.email]
        self._state.customers[customer.email] = dataclasses.replace(
            stored,
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            locale=customer.locale,
            timezone=customer.timezone,
            group=customer.group,
            email_verified_at=customer.email_verified_at,
            version=customer.version,
        )
        return True

    async def group_of(self, customer_id: int) -> str | None:
        found = await self.get(customer_id)
        return found.group if found is not None else None


class FakeIdempotencyRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        found = self._state.idempotency.get((scope, key))
        return dataclasses.replace(found, result=copy.deepcopy(found.result)) if found else None

    async def add(self, record: IdempotencyRecord) -> None:
        if (record.scope, record.key) in self._state.idempotency:
            raise RetryableConflict("idempotency key taken concurrently")
        stored = dataclasses.replace(record, result=copy.deepcopy(record.result))
        self._state.idempotency[(record.scope, record.key)] = stored


class FakeTokenRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(
        self,
        *,
        name: str,
        role: Role,
        scopes: frozenset[Scope],
        token_hash: str,
        prefix: str,
        customer_id: int | None,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        if any(t.token_hash == token_hash for t in self._state.tokens.values()):
            raise Duplicate("a token with this digest exists", field=["token"])
        token_id = self._store.next_id("api_tokens")
        self._state.tokens[token_id] = StoredToken(
            id=token_id,
            name=name,
            role=role,
            scopes=frozenset(scopes),
            token_hash=token_hash,
            prefix=prefix,
            customer_id=customer_id,
            created_at=created_at,
            expires_at=expires_at,
        )
        return token_id

    async def list_all(self, *, include_customer_tokens: bool = False) -> list[ApiToken]:
        return [
            t.public()
            for _, t in sorted(self._state.tokens.items())
            if include_customer_tokens or t.role is not Role.CUSTOMER
        ]

    async def find(self, id_or_prefix: str, token_hash: str | None = None) -> list[ApiToken]:
        return [
            t.public()
            for _, t in sorted(self._state.tokens.items())
            if str(t.id) == id_or_prefix
            or t.prefix.startswith(id_or_prefix)
            or t.token_hash == token_hash
        ]

    async def revoke(self, token_id: int, now: datetime) -> None:
        token = self._state.tokens[token_id]
        if token.revoked_at is None:
            self._state.tokens[token_id] = dataclasses.replace(token, revoked_at=now)


def copy_order(order: Order) -> Order:
    """A copy sharing nothing mutable with ``order``; pending events are not stored."""
    return dataclasses.replace(
        order,
        lines=[dataclasses.replace(line) for line in order.lines],
        holds=[dataclasses.replace(hold) for hold in order.holds],
        routing=copy.deepcopy(order.routing),
        at_risk_reasons=list(order.at_risk_reasons),
        tags=list(order.tags),
        metadata=dict(order.metadata),
        private_metadata=dict(order.private_metadata),
        pending_events=[],
    )


def copy_shipment(shipment: Shipment) -> Shipment:
    """A copy sharing nothing mutable with ``shipment`` (lines and events are immutable)."""
    return dataclasses.replace(shipment, lines=list(shipment.lines), events=list(shipment.events))


def load_shipment(stored: Shipment) -> Shipment:
    """A copy with its events in the SQL repository's order: by occurrence, then id."""
    loaded = copy_shipment(stored)
    loaded.events.sort(key=lambda e: (e.occurred_at, e.id or 0))
    return loaded


class FakeOrderRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def next_number(self) -> str:
        # a sequence: numbers taken by a rolled-back transaction are not handed out again
        return f"OG-{FIRST_ORDER_NUMBER - 1 + self._store.next_id('order_numbers')}"

    async def add(self, order: Order) -> Order:
        if any(o.number == order.number for o in self._state.orders.values()):
            raise Duplicate(f"an order numbered {order.number} exists", field=["number"])
        if order.external_id is not None and any(
            (o.source, o.external_id) == (order.source, order.external_id)
            for o in self._state.orders.values()
        ):
            raise Duplicate(
                f"an order from {order.source} with id {order.external_id} exists",
                field=["externalId"],
            )
        order.id = self._store.next_id("orders")
        for line in order.lines:
            line.id = self._store.next_id("order_lines")
        for hold in order.holds:
            hold.id = self._store.next_id("order_holds")
        self._state.orders[order.id] = copy_order(order)
        return order

    async def add_price_details(self, order_id: int, details: PriceDetails) -> None:
        self._state.price_details[order_id] = details

    async def price_details(self, order_id: int) -> PriceDetails:
        return self._state.price_details.get(order_id, PriceDetails((), ()))

    async def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        found = self._state.orders.get(order_id)
        return copy_order(found) if found else None

    async def get_by_external(self, source: str, external_id: str) -> Order | None:
        for order in self._state.orders.values():
            if (order.source, order.external_id) == (source, external_id):
                return copy_order(order)
        return None

    async def save(self, order: Order) -> None:
        """Like the SQL UPDATE: status, payment, timestamps, version, ship-by, delivery, risk
        and authorization expiry, tags and metadata; new and released holds."""
        assert order.id is not None
        stored = self._state.orders[order.id]
        holds = {h.id: dataclasses.replace(h) for h in stored.holds}
        for hold in order.holds:
            if hold.id is None:
                hold.id = self._store.next_id("order_holds")
                holds[hold.id] = dataclasses.replace(hold)
            elif hold.released_at is not None and hold.id in holds and holds[hold.id].active:
                holds[hold.id] = dataclasses.replace(
                    holds[hold.id], released_at=hold.released_at, released_by=hold.released_by
                )
        self._state.orders[order.id] = dataclasses.replace(
            copy_order(stored),
            status=order.status,
            payment_status=order.payment_status,
            expires_at=order.expires_at,
            promised_delivery_at=order.promised_delivery_at,
            confirmed_at=order.confirmed_at,
            cancelled_at=order.cancelled_at,
            cancel_reason=order.cancel_reason,
            updated_at=order.updated_at,
            version=order.version,
            ship_by_at=order.ship_by_at,
            delivered_at=order.delivered_at,
            at_risk_reasons=list(order.at_risk_reasons),
            authorization_expires_at=order.authorization_expires_at,
            holds=list(holds.values()),
            tags=list(order.tags),
            metadata=dict(order.metadata),
            private_metadata=dict(order.private_metadata),
        )

    async def add_allocations(self, order_id: int, allocations: list[StoredAllocation]) -> None:
        for a in allocations:
            row_id = self._store.next_id("order_allocations")
            self._state.allocations[row_id] = StoredAllocationRow(
                row_id, order_id, a.order_line_id, a.allocation
            )

    async def active_allocations(self, order_id: int) -> list[StoredAllocation]:
        rows = sorted(
            (r for r in self._state.allocations.values() if r.order_id == order_id),
            key=lambda r: (r.allocation.sku, r.allocation.warehouse_id, r.id),
        )
        return [
            StoredAllocation(r.order_line_id, r.allocation) for r in rows if r.released_at is None
        ]

    async def release_allocations(self, order_id: int, now: datetime) -> None:
        for row_id, row in list(self._state.allocations.items()):
            if row.order_id == order_id and row.released_at is None:
                self._state.allocations[row_id] = dataclasses.replace(row, released_at=now)

    async def add_fulfillment(
        self, order_id: int, warehouse_id: int, lines: list[StoredAllocation], now: datetime
    ) -> int:
        fulfillment_id = self._store.next_id("fulfillments")
        self._state.fulfillments[fulfillment_id] = StoredFulfillment(
            id=fulfillment_id,
            order_id=order_id,
            warehouse_id=warehouse_id,
            status=FulfillmentStatus.PENDING,
            lines=tuple(
                StoredFulfillmentLine(
                    self._store.next_id("fulfillment_lines"), a.order_line_id, a.allocation
                )
                for a in lines
            ),
            created_at=now,
            updated_at=now,
        )
        return fulfillment_id

    async def cancel_open_fulfillments(self, order_id: int, now: datetime) -> int:
        cancelled = 0
        for fulfillment_id, f in list(self._state.fulfillments.items()):
            if f.order_id == order_id and f.status in OPEN_FULFILLMENT:
                self._state.fulfillments[fulfillment_id] = dataclasses.replace(
                    f, status=FulfillmentStatus.CANCELLED, updated_at=now
                )
                cancelled += 1
        return cancelled

    async def expired_unpaid(self, now: datetime, limit: int) -> list[int]:
        due = [
            o
            for o in self._state.orders.values()
            if o.status is OrderStatus.PLACED and o.expires_at is not None and o.expires_at <= now
        ]
        due.sort(key=lambda o: (o.expires_at or now, o.id or 0))
        return [o.id for o in due[:limit] if o.id is not None]


class FakePaymentRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, transaction: PaymentTransaction) -> PaymentTransaction:
        stored = dataclasses.replace(transaction, id=self._store.next_id("payment_transactions"))
        assert stored.id is not None
        self._state.payments[stored.id] = stored
        return stored

    async def save(self, transaction: PaymentTransaction) -> None:
        assert transaction.id is not None
        self._state.payments[transaction.id] = transaction

    async def get(self, transaction_id: int) -> PaymentTransaction | None:
        return self._state.payments.get(transaction_id)

    async def move_to_order(self, transaction_id: int, order_id: int) -> None:
        moved = dataclasses.replace(self._state.payments[transaction_id], order_id=order_id)
        self._state.payments[transaction_id] = moved

    async def for_order(self, order_id: int) -> list[PaymentTransaction]:
        return [t for _, t in sorted(self._state.payments.items()) if t.order_id == order_id]

    async def by_reference(self, gateway: str, reference: str) -> list[PaymentTransaction]:
        return [
            t
            for _, t in sorted(self._state.payments.items())
            if t.gateway == gateway and t.reference == reference
        ]

    async def order_ids_with_payments(self, gateway: str, since: datetime, limit: int) -> list[int]:
        found = {
            t.order_id
            for t in self._state.payments.values()
            if t.gateway == gateway and t.created_at >= since
        }
        return sorted(found)[:limit]

    async def authorizations_expiring(self, before: datetime, limit: int) -> list[int]:
        held = {"AUTHORIZED", "PARTIALLY_CAPTURED", "PARTIALLY_REFUNDED"}
        found = [
            o
            for o in self._state.orders.values()
            if o.authorization_expires_at is not None
            and o.authorization_expires_at < before
            and o.payment_status.value in held
            and o.status.value != "CANCELLED"
            and "AUTHORIZATION_EXPIRING" not in o.at_risk_reasons
        ]
        found.sort(key=lambda o: (o.authorization_expires_at, o.id))
        return [o.id for o in found[:limit] if o.id is not None]

    async def unfinished_compensations(self, limit: int) -> list[int]:
        tries: dict[int, list[PaymentTransaction]] = {}
        for t in self._state.payments.values():
            if t.compensates_id is not None:
                tries.setdefault(t.compensates_id, []).append(t)
        waiting = [
            charge_id
            for charge_id, attempts in tries.items()
            if all(a.status.value == "ERROR" for a in attempts)
        ]
        return sorted(waiting)[:limit]

    async def event_seen(self, provider: str, event_id: str) -> bool:
        return (provider, event_id) in self._state.provider_events

    async def remember_event(
        self,
        provider: str,
        event_id: str,
        type_: str,
        reference: str | None,
        outcome: str,
        now: datetime,
    ) -> None:
        self._state.provider_events.setdefault((provider, event_id), outcome)


class FakeOrderChangeRepository:
    """In memory, like db/repositories/order_changes.py."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    def _order(self, order_id: int) -> Order:
        return self._state.orders[order_id]

    async def add(self, record: OrderChangeRecord) -> OrderChangeRecord:
        numbers = [
            c.number for c in self._state.order_changes.values() if c.order_id == record.order_id
        ]
        stored = dataclasses.replace(
            record, id=self._store.next_id("order_changes"), number=max(numbers, default=0) + 1
        )
        assert stored.id is not None
        self._state.order_changes[stored.id] = stored
        return stored

    async def for_order(self, order_id: int) -> list[OrderChangeRecord]:
        found = [c for c in self._state.order_changes.values() if c.order_id == order_id]
        return sorted(found, key=lambda c: c.number)

    async def add_line(self, order_id: int, line: OrderLine) -> int:
        line_id = self._store.next_id("order_lines")
        order = copy_order(self._order(order_id))
        order.lines.append(dataclasses.replace(line, id=line_id))
        self._state.orders[order_id] = order
        return line_id

    async def update_line(self, line: OrderLine) -> None:
        for order_id, order in self._state.orders.items():
            if any(existing.id == line.id for existing in order.lines):
                changed = copy_order(order)
                changed.lines = [
                    dataclasses.replace(line) if e.id == line.id else e for e in changed.lines
                ]
                self._state.orders[order_id] = changed

    async def line_referenced(self, line_id: int) -> bool:
        returned = any(
            line.order_line_id == line_id for r in self._state.returns.values() for line in r.lines
        )
        refunded = any(
            line.order_line_id == line_id
            for r in self._state.refunds.values()
            for line in r.breakdown.lines
        )
        return returned or refunded

    async def delete_line(self, line_id: int) -> None:
        for order_id, order in list(self._state.orders.items()):
            if any(line.id == line_id for line in order.lines):
                changed = copy_order(order)
                changed.lines = [line for line in changed.lines if line.id != line_id]
                self._state.orders[order_id] = changed
        for row_id, row in list(self._state.allocations.items()):
            if row.order_line_id == line_id:
                del self._state.allocations[row_id]
        for f_id, f in list(self._state.fulfillments.items()):
            kept = tuple(line for line in f.lines if line.order_line_id != line_id)
            self._state.fulfillments[f_id] = dataclasses.replace(f, lines=kept)

    async def clear_price_details(self, order_id: int) -> None:
        self._state.price_details.pop(order_id, None)

    async def set_allocation(
        self,
        order_id: int,
        line_id: int,
        sku: str,
        warehouse_id: int,
        quantity: int,
        now: datetime,
    ) -> None:
        for row_id, row in list(self._state.allocations.items()):
            if (row.order_id, row.order_line_id, row.allocation.warehouse_id) == (
                order_id,
                line_id,
                warehouse_id,
            ) and row.released_at is None:
                self._state.allocations[row_id] = dataclasses.replace(row, released_at=now)
        if quantity > 0:
            row_id = self._store.next_id("order_allocations")
            self._state.allocations[row_id] = StoredAllocationRow(
                row_id, order_id, line_id, Allocation(sku, warehouse_id, quantity)
            )

    async def set_pending_line(
        self,
        order_id: int,
        warehouse_id: int,
        line_id: int,
        sku: str,
        quantity: int,
        now: datetime,
    ) -> int | None:
        pending = sorted(
            (
                f
                for f in self._state.fulfillments.values()
                if (f.order_id, f.warehouse_id, f.status)
                == (order_id, warehouse_id, FulfillmentStatus.PENDING)
            ),
            key=lambda f: f.id,
        )
        created: int | None = None
        if not pending:
            if quantity == 0:
                return None
            created = self._store.next_id("fulfillments")
            target = StoredFulfillment(
                created, order_id, warehouse_id, FulfillmentStatus.PENDING, (), now, now
            )
        else:
            target = pending[0]
        others = tuple(line for line in target.lines if line.order_line_id != line_id)
        if quantity > 0:
            mine = StoredFulfillmentLine(
                self._store.next_id("fulfillment_lines"),
                line_id,
                Allocation(sku, warehouse_id, quantity),
            )
            others = (*others, mine)
        status = target.status if others else FulfillmentStatus.CANCELLED
        self._state.fulfillments[target.id] = dataclasses.replace(
            target, lines=others, status=status, updated_at=now
        )
        return created

    async def set_address(self, order_id: int, address: Address) -> None:
        order = copy_order(self._order(order_id))
        order.shipping_address = address
        self._state.orders[order_id] = order

    async def set_routing(self, order_id: int, routing: dict[str, Any]) -> None:
        order = copy_order(self._order(order_id))
        order.routing = copy.deepcopy(routing)
        self._state.orders[order_id] = order


class FakeFulfillmentRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def get(self, fulfillment_id: int, *, for_update: bool = False) -> Fulfillment | None:
        found = self._state.fulfillments.get(fulfillment_id)
        return found.to_fulfillment() if found else None

    async def for_order(self, order_id: int) -> list[Fulfillment]:
        return [
            f.to_fulfillment()
            for _, f in sorted(self._state.fulfillments.items())
            if f.order_id == order_id
        ]

    async def save(self, fulfillment: Fulfillment) -> None:
        """Like the SQL UPDATEs: status, updated_at and warehouse, and the shipped quantity of
        the lines in ``shipped_now``."""
        assert fulfillment.id is not None
        stored = self._state.fulfillments[fulfillment.id]
        shipped = {line.id: line.shipped_quantity for line in fulfillment.lines}
        self._state.fulfillments[fulfillment.id] = dataclasses.replace(
            stored,
            status=fulfillment.status,
            updated_at=fulfillment.updated_at,
            warehouse_id=fulfillment.warehouse_id,
            lines=tuple(
                dataclasses.replace(line, shipped_quantity=shipped[line.id])
                if line.id in fulfillment.shipped_now and line.id in shipped
                else line
                for line in stored.lines
            ),
        )


class FakeShipmentRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, shipment: Shipment) -> Shipment:
        if any(s.code == shipment.code for s in self._state.shipments.values()):
            raise Duplicate(f"a shipment with code {shipment.code} exists", field=["code"])
        shipment.id = self._store.next_id("shipments")
        stored = copy_shipment(shipment)
        stored.events = self._with_ids(shipment.events)
        self._state.shipments[shipment.id] = stored
        return shipment

    async def get(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        found = self._state.shipments.get(shipment_id)
        return load_shipment(found) if found else None

    async def for_order(self, order_id: int) -> list[Shipment]:
        return [
            load_shipment(s)
            for _, s in sorted(self._state.shipments.items())
            if s.order_id == order_id
        ]

    async def save(self, shipment: Shipment) -> None:
        """Like the SQL UPDATE: status, delivered_at and last_event_at; events without an id
        are appended."""
        assert shipment.id is not None
        stored = self._state.shipments[shipment.id]
        self._state.shipments[shipment.id] = dataclasses.replace(
            copy_shipment(stored),
            status=shipment.status,
            delivered_at=shipment.delivered_at,
            last_event_at=shipment.last_event_at,
            events=[*stored.events, *self._with_ids(shipment.events)],
        )

    def _with_ids(self, events: list[ShipmentEvent]) -> list[ShipmentEvent]:
        return [
            dataclasses.replace(e, id=self._store.next_id("shipment_events"))
            for e in events
            if e.id is None
        ]


def copy_return(rma: Return) -> Return:
    """A copy sharing nothing mutable with ``rma``."""
    return dataclasses.replace(
        rma,
        lines=[dataclasses.replace(line) for line in rma.lines],
        label=dataclasses.replace(rma.label),
    )


class FakeExchangeRepository:
    """Like ``SqlExchangeRepository``: a return and a replacement order belong to one
    exchange each (the table's unique constraints)."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, exchange: Exchange) -> Exchange:
        for other in self._state.exchanges.values():
            if other.return_id == exchange.return_id:
                raise Duplicate("the return belongs to an exchange", field=["returnId"])
            if other.replacement_order_id == exchange.replacement_order_id:
                raise Duplicate("the order replaces another exchange", field=["orderId"])
        stored = dataclasses.replace(exchange, id=self._store.next_id("exchanges"))
        assert stored.id is not None
        self._state.exchanges[stored.id] = stored
        return stored

    async def for_original(self, order_id: int) -> list[Exchange]:
        return [
            e for _, e in sorted(self._state.exchanges.items()) if e.original_order_id == order_id
        ]

    async def for_replacement(self, order_id: int) -> Exchange | None:
        return next(
            (e for e in self._state.exchanges.values() if e.replacement_order_id == order_id),
            None,
        )

    async def for_return(self, return_id: int) -> Exchange | None:
        return next((e for e in self._state.exchanges.values() if e.return_id == return_id), None)


class FakeReturnRepository:
    """Like ``SqlReturnRepository``: the number is unique, the CHECK constraints of
    ``return_lines`` hold, and ``save`` writes only what its UPDATEs write."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, rma: Return) -> Return:
        if any(r.number == rma.number for r in self._state.returns.values()):
            # uq_returns_number: an IntegrityError in SQL, which the SQL repository lets through
            raise Duplicate(f"a return numbered {rma.number} exists", field=["number"])
        for line in rma.lines:
            _check_return_line(line.quantity, 0, 0, 0)
        rma.id = self._store.next_id("returns")
        for line in rma.lines:
            line.id = self._store.next_id("return_lines")
        # the INSERT of a line writes no received/restocked/discarded counts: they start at 0
        stored = copy_return(rma)
        stored.lines = [
            dataclasses.replace(
                line, received_quantity=0, restocked_quantity=0, discarded_quantity=0
            )
            for line in stored.lines
        ]
        self._state.returns[rma.id] = stored
        return rma

    async def get(self, return_id: int, *, for_update: bool = False) -> Return | None:
        found = self._state.returns.get(return_id)
        return copy_return(found) if found else None

    async def for_order(self, order_id: int) -> list[Return]:
        return [
            copy_return(r) for _, r in sorted(self._state.returns.items()) if r.order_id == order_id
        ]

    async def save(self, rma: Return) -> None:
        """Like the SQL UPDATEs: status, label, rejection reason and timestamps of the return;
        received, restocked and discarded units of its lines (matched by id)."""
        assert rma.id is not None
        stored = self._state.returns.get(rma.id)
        if stored is None:
            return  # an UPDATE that matches no row
        counts = {
            line.id: (line.received_quantity, line.restocked_quantity, line.discarded_quantity)
            for line in rma.lines
        }
        lines = []
        for line in stored.lines:
            if line.id not in counts:
                lines.append(dataclasses.replace(line))
                continue
            received, restocked, discarded = counts[line.id]
            _check_return_line(line.quantity, received, restocked, discarded)
            lines.append(
                dataclasses.replace(
                    line,
                    received_quantity=received,
                    restocked_quantity=restocked,
                    discarded_quantity=discarded,
                )
            )
        self._state.returns[rma.id] = dataclasses.replace(
            stored,
            status=rma.status,
            label=dataclasses.replace(rma.label),
            rejection_reason=rma.rejection_reason,
            updated_at=rma.updated_at,
            decided_at=rma.decided_at,
            received_at=rma.received_at,
            refunded_at=rma.refunded_at,
            lines=lines,
        )


def _check_return_line(quantity: int, received: int, restocked: int, discarded: int) -> None:
    """The CHECK constraints of ``return_lines`` (an IntegrityError in SQL)."""
    if quantity <= 0:
        raise RuntimeError(f"return_lines.quantity_positive violated: {quantity}")
    if received != restocked + discarded or received > quantity:
        raise RuntimeError(
            "return_lines.received_within_quantity violated: "
            f"{received} received, {restocked} + {discarded}, of {quantity}"
        )


class FakeRefundRepository:
    """Like ``SqlRefundRepository``: the CHECK ``total_minor > 0`` holds, and ``save`` writes
    only the status, gateway reference, error and completion time."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, refund: Refund) -> Refund:
        if refund.breakdown.total.minor_units <= 0:
            raise RuntimeError(
                f"refunds.total_positive violated: {refund.breakdown.total.minor_units}"
            )
        refund.id = self._store.next_id("refunds")
        for _ in refund.breakdown.lines:
            self._store.next_id("refund_lines")
        # the INSERT writes no reference, error or completion time
        self._state.refunds[refund.id] = dataclasses.replace(
            refund, gateway_reference=None, error=None, completed_at=None
        )
        return refund

    async def for_order(self, order_id: int) -> list[Refund]:
        return [
            dataclasses.replace(r)
            for _, r in sorted(self._state.refunds.items())
            if r.order_id == order_id
        ]

    async def save(self, refund: Refund) -> None:
        assert refund.id is not None
        stored = self._state.refunds.get(refund.id)
        if stored is None:
            return  # an UPDATE that matches no row
        self._state.refunds[refund.id] = dataclasses.replace(
            stored,
            status=refund.status,
            gateway_reference=refund.gateway_reference,
            error=refund.error,
            completed_at=refund.completed_at,
        )


class FakeRiskRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def at_risk_candidates(self, now: datetime, limit: int) -> dict[int, list[str]]:
        """The two scans of ``SqlRiskRepository``, each bounded by ``limit``."""
        found: dict[int, set[str]] = {}
        late = [
            o
            for _, o in sorted(self._state.orders.items())
            if o.status in UNSHIPPED_ORDER and o.ship_by_at is not None and o.ship_by_at < now
        ]
        for order in late[:limit]:
            assert order.id is not None
            if "NOT_SHIPPED_IN_TIME" not in order.at_risk_reasons:
                found.setdefault(order.id, set()).add("NOT_SHIPPED_IN_TIME")
        watched = [
            s
            for _, s in sorted(self._state.shipments.items())
            if s.status in OPEN_SHIPMENT
            and s.order_id in self._state.orders
            and (
                (s.promised_delivery_at is not None and s.promised_delivery_at < now)
                or s.status is ShipmentStatus.EXCEPTION
            )
        ]
        for shipment in watched[:limit]:
            reasons = self._state.orders[shipment.order_id].at_risk_reasons
            reason = (
                "SHIPMENT_EXCEPTION"
                if shipment.status is ShipmentStatus.EXCEPTION
                else "DELIVERY_OVERDUE"
            )
            if reason not in reasons:
                found.setdefault(shipment.order_id, set()).add(reason)
            promised = shipment.promised_delivery_at
            if promised is not None and promised < now and "DELIVERY_OVERDUE" not in reasons:
                found.setdefault(shipment.order_id, set()).add("DELIVERY_OVERDUE")
        return {k: sorted(v) for k, v in found.items()}


class FakePrivacyRepository:
    """The person's customer record and orders (theirs, and guest orders under their email)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _person(self, customer_id: int) -> Customer | None:
        return next((c for c in self._state.customers.values() if c.id == customer_id), None)

    def _orders(self, person: Customer) -> list[Order]:
        return [
            o
            for _, o in sorted(self._state.orders.items())
            if o.customer_id == person.id
            or (o.customer_id is None and o.email.lower() == person.email.lower())
        ]

    async def personal_data(self, customer_id: int) -> dict[str, Any] | None:
        person = self._person(customer_id)
        if person is None:
            return None
        return {
            "customer": {"id": person.id, "email": person.email, "name": person.name},
            "orders": [
                {"id": o.id, "number": o.number, "email": o.email} for o in self._orders(person)
            ],
        }

    async def erase(self, customer_id: int, now: datetime) -> list[int] | None:
        person = self._person(customer_id)
        if person is None:
            return None
        erased = [o for o in self._orders(person) if o.id is not None]
        for order in erased:
            order.email = f"erased-{customer_id}@erased.invalid"
            order.contact_name = None
            order.phone = None
        del self._state.customers[person.email]
        person.email = f"erased-{customer_id}@erased.invalid"
        person.name = "Erased customer"
        person.phone = None
        person.password_hash = None
        person.erased_at = now
        self._state.customers[person.email] = person
        return [o.id for o in erased if o.id is not None]


class FakeNotificationOutbox:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def enqueue(self, request: NotificationRequest, now: datetime) -> None:
        self._state.notifications.setdefault(request.key, request)

    async def resend(self, notification_id: int, now: datetime) -> int | None:
        # the fake's ids are 1-based positions in write order
        written = list(self._state.notifications.values())
        if not 1 <= notification_id <= len(written):
            return None
        original = written[notification_id - 1]
        copy = dataclasses.replace(original, key=f"resend:{notification_id}:{len(written)}")
        self._state.notifications[copy.key] = copy
        return len(self._state.notifications)


class FakeFeedbackRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def for_order(self, order_id: int) -> OrderFeedback | None:
        return self._state.feedback.get(order_id)

    async def add(self, feedback: OrderFeedback) -> OrderFeedback:
        if feedback.order_id in self._state.feedback:
            raise Duplicate("this order has feedback already", field=["token"])
        stored = dataclasses.replace(feedback, id=self._store.next_id("order_feedback"))
        self._state.feedback[feedback.order_id] = stored
        return stored

    async def save(self, feedback: OrderFeedback) -> None:
        old = self._state.feedback[feedback.order_id]
        self._state.feedback[feedback.order_id] = dataclasses.replace(
            old,
            rating=feedback.rating,
            comment=feedback.comment,
            submitted_at=feedback.submitted_at,
        )


class FakeAutomationRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, rule: AutomationRule) -> AutomationRule:
        rule.id = self._store.next_id("automation_rules")
        self._state.automation_rules[rule.id] = copy.deepcopy(rule)
        return rule

    async def get(self, rule_id: int) -> AutomationRule | None:
        found = self._state.automation_rules.get(rule_id)
        return copy.deepcopy(found) if found is not None else None

    async def names(self) -> set[str]:
        return {r.name for r in self._state.automation_rules.values()}

    async def update(self, rule: AutomationRule, *, previous_version: int) -> bool:
        assert rule.id is not None
        current = self._state.automation_rules.get(rule.id)
        if current is None or current.version != previous_version:
            return False
        self._state.automation_rules[rule.id] = copy.deepcopy(rule)
        return True

    async def customer_order_count(self, customer_id: int) -> int:
        return sum(1 for o in self._state.orders.values() if o.customer_id == customer_id)

    async def past_events(self, trigger: str, since: datetime, limit: int) -> list[PastEvent]:
        found = [e for e in self._state.past_events if e.type == trigger and e.occurred_at >= since]
        return sorted(found, key=lambda e: e.outbox_id)[:limit]

    async def finish_run(
        self, run_id: int, outcome: RunOutcome, now: datetime, *, leased_until: datetime
    ) -> bool:
        if run_id in self._state.finished_runs:
            return False
        self._state.finished_runs[run_id] = outcome
        return True


class FakeWebhookRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(
        self,
        *,
        url: str,
        events: frozenset[str],
        secret: str,
        created_by: str,
        owner: Principal,
        now: datetime,
    ) -> Webhook:
        webhook_id = self._store.next_id("webhooks")
        # the owner goes through its stored JSON form, as the SQL repository's does
        webhook = Webhook(
            webhook_id, url, events, True, now, now, owner_from_json(owner_json(owner))
        )
        self._state.webhooks[webhook_id] = StoredWebhook(webhook, secret, created_by)
        return webhook

    async def get(self, webhook_id: int) -> Webhook | None:
        stored = self._state.webhooks.get(webhook_id)
        return stored.webhook if stored is not None and stored.deleted_at is None else None

    async def update(
        self,
        webhook_id: int,
        *,
        now: datetime,
        url: str | None = None,
        events: frozenset[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        stored = self._state.webhooks[webhook_id]
        old = stored.webhook
        webhook = dataclasses.replace(
            old,
            url=old.url if url is None else url,
            events=old.events if events is None else events,
            active=old.active if active is None else active,
            updated_at=now,
        )
        self._state.webhooks[webhook_id] = dataclasses.replace(stored, webhook=webhook)
        return webhook

    async def delete(self, webhook_id: int, now: datetime) -> None:
        stored = self._state.webhooks[webhook_id]
        webhook = dataclasses.replace(stored.webhook, active=False, updated_at=now)
        self._state.webhooks[webhook_id] = dataclasses.replace(
            stored, webhook=webhook, deleted_at=now
        )
        outstanding = {DeliveryStatus.PENDING, DeliveryStatus.FAILED}
        for key, d in list(self._state.webhook_deliveries.items()):
            if d.webhook_id == webhook_id and d.status in outstanding:
                self._state.webhook_deliveries[key] = dataclasses.replace(
                    d, status=DeliveryStatus.DEAD, last_error="webhook deleted"
                )

    async def redeliver(self, delivery_id: int, now: datetime) -> Delivery | None:
        found = self._state.webhook_deliveries.get(delivery_id)
        if found is None or await self.get(found.webhook_id) is None:
            return None
        queued = dataclasses.replace(
            found, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
        self._state.webhook_deliveries[delivery_id] = queued
        return queued


class FakeTransferRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def next_number(self) -> str:
        return f"TR-{self._store.next_id('transfer_number'):06d}"

    async def add(self, transfer: InventoryTransfer) -> InventoryTransfer:
        transfer.id = self._store.next_id("inventory_transfers")
        self._state.transfers[transfer.id] = dataclasses.replace(transfer)
        return transfer

    async def get(self, transfer_id: int, *, for_update: bool = False) -> InventoryTransfer | None:
        found = self._state.transfers.get(transfer_id)
        return dataclasses.replace(found) if found is not None else None

    async def save(self, transfer: InventoryTransfer) -> None:
        assert transfer.id is not None
        self._state.transfers[transfer.id] = dataclasses.replace(transfer)


class FakeInboundShipmentRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def next_number(self) -> str:
        return f"IN-{self._store.next_id('inbound_number'):06d}"

    async def add(self, shipment: InboundShipment) -> InboundShipment:
        shipment.id = self._store.next_id("inbound_shipments")
        for line in shipment.lines:
            line.id = self._store.next_id("inbound_shipment_lines")
        self._state.inbound[shipment.id] = copy.deepcopy(shipment)
        return shipment

    async def get(self, shipment_id: int, *, for_update: bool = False) -> InboundShipment | None:
        found = self._state.inbound.get(shipment_id)
        return copy.deepcopy(found) if found is not None else None

    async def save(self, shipment: InboundShipment) -> None:
        assert shipment.id is not None
        self._state.inbound[shipment.id] = copy.deepcopy(shipment)


class FakeMarketRepository:
    """Markets in memory, with the database's rules: unique handles, and a country in at most
    one active market."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    def _check(self, market: Market) -> None:
        others = [m for m in self._state.markets.values() if m.id != market.id]
        if any(m.handle == market.handle for m in others):
            raise Duplicate(f"a market with handle {market.handle} exists", field=["handle"])
        check_countries_free(market, others)

    async def add(self, market: Market) -> Market:
        self._check(market)
        market.id = self._store.next_id("markets")
        self._state.markets[market.id] = copy.deepcopy(market)
        return market

    async def get(self, market_id: int) -> Market | None:
        found = self._state.markets.get(market_id)
        return copy.deepcopy(found) if found is not None else None

    async def get_by_handle(self, handle: str) -> Market | None:
        for found in self._state.markets.values():
            if found.handle == handle:
                return copy.deepcopy(found)
        return None

    async def update(self, market: Market, *, previous_version: int) -> bool:
        assert market.id is not None
        current = self._state.markets.get(market.id)
        if current is None or current.version != previous_version:
            return False
        self._check(market)
        self._state.markets[market.id] = copy.deepcopy(market)
        return True

    async def list_active(self) -> list[Market]:
        return [copy.deepcopy(m) for _, m in sorted(self._state.markets.items()) if m.active]


class FakeDiscountRepository:
    """Discounts in memory with the database's rules: unique codes, and a use taken only
    within the usage and per-customer limits (one writer at a time, as the row lock makes it)."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, discount: Discount) -> Discount:
        if discount.code is not None and await self.get_by_code(discount.code) is not None:
            raise Duplicate(f"the code {discount.code} is taken", field=["code"])
        discount.id = self._store.next_id("discounts")
        self._state.discounts[discount.id] = copy.deepcopy(discount)
        return discount

    async def get(self, discount_id: int) -> Discount | None:
        found = self._state.discounts.get(discount_id)
        return copy.deepcopy(found) if found is not None else None

    async def get_by_code(self, code: str) -> Discount | None:
        for found in self._state.discounts.values():
            if found.code == code:
                return copy.deepcopy(found)
        return None

    async def update(self, discount: Discount, *, previous_version: int) -> bool:
        assert discount.id is not None
        current = self._state.discounts.get(discount.id)
        if current is None or current.version != previous_version:
            return False
        # as the UPDATE: neither the code nor the use count is written
        self._state.discounts[discount.id] = dataclasses.replace(
            copy.deepcopy(discount), code=current.code, times_used=current.times_used
        )
        return True

    async def for_checkout(
        self, codes: Sequence[str], currency: str, now: datetime
    ) -> list[Discount]:
        wanted = set(codes)
        return [
            copy.deepcopy(d)
            for _, d in sorted(self._state.discounts.items())
            if (d.code is not None and d.code in wanted)
            or (d.code is None and unusable_reason(d, now, currency) is None)
        ]

    async def take_use(
        self, discount_id: int, *, order_id: int, customer_key: str, now: datetime
    ) -> UseOutcome:
        usages = self._state.discount_usages
        if (discount_id, order_id) in usages:
            return UseOutcome.ALREADY_TAKEN
        current = self._state.discounts[discount_id]
        if current.usage_limit is not None and current.times_used >= current.usage_limit:
            return UseOutcome.USED_UP
        held = sum(
            1
            for (d_id, _), u in usages.items()
            if d_id == discount_id and u.customer_key == customer_key and u.given_back_at is None
        )
        if current.per_customer_limit is not None and held >= current.per_customer_limit:
            return UseOutcome.CUSTOMER_LIMIT_REACHED
        usages[(discount_id, order_id)] = StoredDiscountUsage(customer_key, now)
        self._state.discounts[discount_id] = dataclasses.replace(
            current, times_used=current.times_used + 1
        )
        return UseOutcome.TAKEN

    async def give_back(self, order_id: int, now: datetime) -> list[int]:
        usages = self._state.discount_usages
        ids = sorted(
            d_id for (d_id, o_id), u in usages.items() if o_id == order_id and not u.given_back_at
        )
        for d_id in ids:
            usages[(d_id, order_id)] = dataclasses.replace(
                usages[(d_id, order_id)], given_back_at=now
            )
            current = self._state.discounts[d_id]
            self._state.discounts[d_id] = dataclasses.replace(
                current, times_used=current.times_used - 1
            )
        return ids


class FakePriceListRepository:
    """Price lists and their prices in memory; ``candidates`` filters as the SQL does."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, price_list: PriceList) -> PriceList:
        price_list.id = self._store.next_id("price_lists")
        self._state.price_lists[price_list.id] = copy.deepcopy(price_list)
        return price_list

    async def get(self, price_list_id: int) -> PriceList | None:
        found = self._state.price_lists.get(price_list_id)
        return copy.deepcopy(found) if found is not None else None

    async def update(self, price_list: PriceList, *, previous_version: int) -> bool:
        assert price_list.id is not None
        current = self._state.price_lists.get(price_list.id)
        if current is None or current.version != previous_version:
            return False
        self._state.price_lists[price_list.id] = copy.deepcopy(price_list)
        return True

    async def set_prices(
        self, price_list_id: int, prices: Mapping[str, int], removed: Sequence[str]
    ) -> None:
        for sku in removed:
            self._state.list_prices.pop((price_list_id, sku), None)
        for sku, amount in prices.items():
            self._state.list_prices[(price_list_id, sku)] = amount

    async def candidates(
        self,
        *,
        market_id: int,
        channel: Channel,
        customer_group: str | None,
        skus: Sequence[str],
        now: datetime,
    ) -> tuple[list[PriceList], list[ListedPrice]]:
        lists = [
            copy.deepcopy(pl)
            for pl in self._state.price_lists.values()
            if pl.market_id == market_id
            and pl.in_force(now)
            and pl.matches(channel, customer_group)
        ]
        ids = {pl.id for pl in lists}
        listed = [
            ListedPrice(list_id, sku, amount)
            for (list_id, sku), amount in sorted(self._state.list_prices.items())
            if list_id in ids and sku in skus
        ]
        return lists, listed


class FakeOrderNoteRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, note: OrderNote) -> OrderNote:
        stored = dataclasses.replace(note, id=len(self._state.order_notes) + 1)
        self._state.order_notes.append(stored)
        return dataclasses.replace(stored)


class FakeDraftOrderRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def add(self, draft: DraftOrder) -> DraftOrder:
        draft.id = len(self._state.draft_orders) + 1
        self._state.draft_orders[draft.id] = dataclasses.replace(draft)
        return draft

    async def get(self, draft_id: int, *, for_update: bool = False) -> DraftOrder | None:
        found = self._state.draft_orders.get(draft_id)
        return dataclasses.replace(found) if found is not None else None

    async def save(self, draft: DraftOrder) -> None:
        assert draft.id is not None
        self._state.draft_orders[draft.id] = dataclasses.replace(draft)

    async def list(self, *, first: int, after: int | None = None) -> list[DraftOrder]:
        kept = [
            dataclasses.replace(d)
            for i, d in sorted(self._state.draft_orders.items(), reverse=True)
            if d.status is not DraftStatus.DELETED and (after is None or i < after)
        ]
        return kept[:first]

    async def expired_reservations(self, now: datetime, limit: int) -> Sequence[int]:
        found = sorted(
            (d.reservation_expires_at, i)
            for i, d in self._state.draft_orders.items()
            if d.status is DraftStatus.OPEN
            and d.reservation_expires_at is not None
            and d.reservation_expires_at <= now
        )
        return [i for _, i in found[:limit]]


class FakePaymentLinkRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def add(self, link: PaymentLink) -> PaymentLink:
        link.id = len(self._state.payment_links) + 1
        self._state.payment_links[link.id] = dataclasses.replace(link)
        return link

    async def by_token_hash(self, token_hash: str) -> PaymentLink | None:
        for link in self._state.payment_links.values():
            if link.token_hash == token_hash:
                return dataclasses.replace(link)
        return None

    async def open_for(
        self, *, order_id: int | None = None, draft_order_id: int | None = None
    ) -> list[PaymentLink]:
        return [
            dataclasses.replace(link)
            for _, link in sorted(self._state.payment_links.items())
            if link.status is PaymentLinkStatus.OPEN
            and (order_id is None or link.order_id == order_id)
            and (draft_order_id is None or link.draft_order_id == draft_order_id)
        ]

    async def save(self, link: PaymentLink) -> None:
        assert link.id is not None
        self._state.payment_links[link.id] = dataclasses.replace(link)

    async def claim(self, link_id: int, now: datetime, until: datetime) -> bool:
        link = self._state.payment_links.get(link_id)
        held = self._state.payment_link_leases.get(link_id)
        if link is None or link.status_at(now) is not PaymentLinkStatus.OPEN:
            return False
        if held is not None and held > now:
            return False
        self._state.payment_link_leases[link_id] = until
        return True

    async def release(self, link_id: int) -> None:
        self._state.payment_link_leases.pop(link_id, None)


class FakeTaxRateRepository:
    """Tax rates in memory, with the database's rule: one name per country, region and class."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    def _check(self, rate: TaxRate) -> None:
        key = (rate.country_code, rate.region, rate.tax_class, rate.name)
        for other in self._state.tax_rates.values():
            if (
                other.id != rate.id
                and (other.country_code, other.region, other.tax_class, other.name) == key
            ):
                raise Duplicate(f"a rate named {rate.name!r} exists", field=["name"])

    async def add(self, rate: TaxRate) -> TaxRate:
        self._check(rate)
        rate.id = self._store.next_id("tax_rates")
        self._state.tax_rates[rate.id] = copy.deepcopy(rate)
        return rate

    async def get(self, rate_id: int) -> TaxRate | None:
        found = self._state.tax_rates.get(rate_id)
        return copy.deepcopy(found) if found is not None else None

    async def update(self, rate: TaxRate, *, previous_version: int) -> bool:
        assert rate.id is not None
        current = self._state.tax_rates.get(rate.id)
        if current is None or current.version != previous_version:
            return False
        self._check(rate)
        self._state.tax_rates[rate.id] = copy.deepcopy(rate)
        return True

    async def list_for_country(self, country_code: str) -> list[TaxRate]:
        return [
            copy.deepcopy(r)
            for _, r in sorted(self._state.tax_rates.items())
            if r.country_code == country_code
        ]


class FakeCarrierServiceRepository:
    """Carrier services in memory; no transit history (the static windows apply)."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def add(self, service: CarrierService) -> CarrierService:
        service.id = self._store.next_id("carrier_services")
        self._state.carrier_services[service.id] = copy.deepcopy(service)
        return service

    async def get(self, service_id: int) -> CarrierService | None:
        found = self._state.carrier_services.get(service_id)
        return copy.deepcopy(found) if found is not None else None

    async def find(self, carrier: str, service: str) -> CarrierService | None:
        for found in self._state.carrier_services.values():
            if (found.carrier, found.service) == (carrier, service):
                return copy.deepcopy(found)
        return None

    async def update(self, service: CarrierService, *, previous_version: int) -> bool:
        assert service.id is not None
        current = self._state.carrier_services.get(service.id)
        if current is None or current.version != previous_version:
            return False
        self._state.carrier_services[service.id] = copy.deepcopy(service)
        return True

    async def list_active(self) -> list[CarrierService]:
        return [
            copy.deepcopy(s) for _, s in sorted(self._state.carrier_services.items()) if s.active
        ]

    async def transit_history(
        self,
        origin_regions: Sequence[str],
        country_code: str,
        region: str | None,
        now: datetime,
    ) -> dict[tuple[str, str, str], TransitStats]:
        return {}

    async def record_order_option(self, order_id: int, option: OrderShippingOption) -> None:
        self._state.order_options[order_id] = option

    async def order_option(self, order_id: int) -> OrderShippingOption | None:
        return self._state.order_options.get(order_id)

    async def record_carrier_choice(self, shipment_id: int, choice: CarrierChoice) -> None:
        self._state.carrier_choices[shipment_id] = choice


class FakeCarrierEventRepository:
    """Like the SQL one: (source, event id) is unique; the newest open shipment matches."""

    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def claim(self, event: CarrierEvent, received_at: datetime) -> int | None:
        key = (event.source, event.event_id)
        if any(
            (r.event.source, r.event.event_id) == key for r in self._state.carrier_events.values()
        ):
            return None
        row_id = self._store.next_id("carrier_events")
        self._state.carrier_events[row_id] = StoredCarrierEvent(
            event, CarrierEventOutcome.UNMATCHED, None, received_at
        )
        return row_id

    async def settle(
        self, row_id: int, outcome: CarrierEventOutcome, shipment_id: int | None
    ) -> None:
        stored = self._state.carrier_events[row_id]
        self._state.carrier_events[row_id] = dataclasses.replace(
            stored, outcome=outcome, shipment_id=shipment_id
        )

    async def unmatched_for_tracking(
        self, tracking_number: str
    ) -> list[tuple[int, CarrierEvent, datetime]]:
        rows = [
            (r.event.occurred_at or r.received_at, row_id, r)
            for row_id, r in self._state.carrier_events.items()
            if r.event.tracking_number == tracking_number
            and r.outcome is CarrierEventOutcome.UNMATCHED
        ]
        return [
            (row_id, r.event, r.received_at) for _, row_id, r in sorted(rows, key=lambda x: x[:2])
        ]

    async def shipment_for_tracking(self, tracking_number: str) -> int | None:
        found = sorted(
            (s.status in TERMINAL, -sid)
            for sid, s in self._state.shipments.items()
            if s.tracking_number == tracking_number
        )
        return -found[0][1] if found else None


class FakeUnitOfWork:
    """One transaction over a ``FakeStore``.

    A commit fails with ``RetryableConflict`` if another unit of work committed since this one
    began (as a serializable transaction would), or if the store was told to fail it.
    """

    # Typed as the ports, so mypy checks that each fake implements its protocol.
    warehouses: WarehouseRepository
    products: ProductRepository
    inventory: InventoryRepository
    customers: CustomerRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository
    tokens: TokenRepository
    orders: OrderRepository
    order_changes: OrderChangeRepository
    payments: PaymentRepository
    fulfillments: FulfillmentRepository
    shipments: ShipmentRepository
    risks: RiskRepository
    returns: ReturnRepository
    exchanges: ExchangeRepository
    refunds: RefundRepository
    privacy: PrivacyRepository
    notifications: NotificationOutbox
    feedback: FeedbackRepository
    webhooks: WebhookRepository
    transfers: TransferRepository
    inbound: InboundShipmentRepository
    carrier_events: CarrierEventRepository
    automation: AutomationRepository
    carrier_services: CarrierServiceRepository
    markets: MarketRepository
    discounts: DiscountRepository
    price_lists: PriceListRepository
    tax_rates: TaxRateRepository
    order_notes: OrderNoteRepository
    draft_orders: DraftOrderRepository
    payment_links: PaymentLinkRepository
    notify_customer: bool

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._state: FakeState | None = None
        self._base_version = -1
        self._events: list[DomainEvent] = []
        self.notify_customer = True

    async def __aenter__(self) -> Self:
        assert self._state is None, "this unit of work is already open"
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped with the working copy.
        self._state = None
        self._events = []

    def record(self, event: DomainEvent) -> None:
        assert self._state is not None, "record() outside the unit of work"
        self._events.append(event)

    async def commit(self) -> None:
        state = self._state
        assert state is not None, "commit() outside the unit of work"
        self._store.commit_attempts += 1
        if self._store.take_injected_conflict() or self._store.version != self._base_version:
            raise RetryableConflict("the fake store refused this commit")
        state.outbox.extend(self._events)
        if self.notify_customer:
            self._plan_notifications(state)
        self._store.state = state
        self._store.version += 1
        self._store.commits += 1
        self._begin()

    def _plan_notifications(self, state: FakeState) -> None:
        for event in self._events:
            planned = plan_notification(event.type, event.order_id, event.payload)
            order = state.orders.get(planned.order_id) if planned else None
            if planned is None or order is None or not order.email:
                continue
            key = planned.key(order.email)
            state.notifications.setdefault(
                key,
                NotificationRequest(
                    planned.type, order.email, key, order_id=order.id, data=planned.data
                ),
            )

    async def rollback(self) -> None:
        assert self._state is not None, "rollback() outside the unit of work"
        self._begin()

    def _begin(self) -> None:
        self._state = self._store.state.copy()
        self._base_version = self._store.version
        self._events = []
        self.warehouses = FakeWarehouseRepository(self._state, self._store)
        self.products = FakeProductRepository(self._state, self._store)
        self.inventory = FakeInventoryRepository(self._state, self._store)
        self.customers = FakeCustomerRepository(self._state, self._store)
        self.accounts = FakeAccountRepository(self._state, self._store)
        self.idempotency = FakeIdempotencyRepository(self._state)
        self.tokens = FakeTokenRepository(self._state, self._store)
        self.orders = FakeOrderRepository(self._state, self._store)
        self.order_changes = FakeOrderChangeRepository(self._state, self._store)
        self.payments = FakePaymentRepository(self._state, self._store)
        self.fulfillments = FakeFulfillmentRepository(self._state)
        self.shipments = FakeShipmentRepository(self._state, self._store)
        self.risks = FakeRiskRepository(self._state)
        self.returns = FakeReturnRepository(self._state, self._store)
        self.exchanges = FakeExchangeRepository(self._state, self._store)
        self.refunds = FakeRefundRepository(self._state, self._store)
        self.privacy = FakePrivacyRepository(self._state)
        self.notifications = FakeNotificationOutbox(self._state)
        self.feedback = FakeFeedbackRepository(self._state, self._store)
        self.webhooks = FakeWebhookRepository(self._state, self._store)
        self.transfers = FakeTransferRepository(self._state, self._store)
        self.inbound = FakeInboundShipmentRepository(self._state, self._store)
        self.carrier_events = FakeCarrierEventRepository(self._state, self._store)
        self.automation = FakeAutomationRepository(self._state, self._store)
        self.carrier_services = FakeCarrierServiceRepository(self._state, self._store)
        self.markets = FakeMarketRepository(self._state, self._store)
        self.discounts = FakeDiscountRepository(self._state, self._store)
        self.price_lists = FakePriceListRepository(self._state, self._store)
        self.tax_rates = FakeTaxRateRepository(self._state, self._store)
        self.order_notes = FakeOrderNoteRepository(self._state, self._store)
        self.draft_orders = FakeDraftOrderRepository(self._state)
        self.payment_links = FakePaymentLinkRepository(self._state)


class SequentialCodes:
    """Deterministic tracking codes for tests: TRK-0001, TRK-0002, …"""

    def __init__(self, prefix: str = "TRK-") -> None:
        self._prefix = prefix
        self._numbers = itertools.count(1)
        self.issued: list[str] = []

    def __call__(self) -> str:
        code = f"{self._prefix}{next(self._numbers):04d}"
        self.issued.append(code)
        return code


def fake_deps(
    store: FakeStore,
    clock: FixedClock | None = None,
    *,
    gateway: PaymentGateway | None = None,
    policy: OrderPolicy | None = None,
    tracking_codes: Callable[[], str] | None = None,
) -> Deps:
    """``Deps`` whose units of work all share ``store`` (tracking codes: ``SequentialCodes``
    unless given)."""
    # Typed as the port, so mypy checks that a FakeUnitOfWork is a UnitOfWork.
    open_uow: Callable[[], UnitOfWork] = store.unit_of_work
    return Deps(
        uow=open_uow,
        clock=clock or FixedClock(DEFAULT_NOW),
        gateway=gateway or TestGateway(),
        policy=policy or OrderPolicy(),
        tracking_codes=tracking_codes or SequentialCodes(),
    )


# Builders for the order use-case tests: a small shop, set up through the real use cases.

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=901)
STOREFRONT = Principal(
    role=Role.STOREFRONT, scopes=scopes_for(Role.STOREFRONT, None), name="web", token_id=902
)


def address(
    *, country_code: str = "NL", region: str | None = "EU-WEST", name: str = "Ann Smith"
) -> AddressFields:
    return {
        "name": name,
        "line1": "Damrak 1",
        "line2": None,
        "city": "Amsterdam",
        "region": region,
        "postal_code": "1012 LG",
        "country_code": country_code,
        "phone": None,
    }


@dataclass(slots=True)
class Shop:
    """A fake store, its clock, tracking codes and ``Deps``, and the warehouses created so far
    (code → id)."""

    store: FakeStore = field(default_factory=FakeStore)
    clock: FixedClock = field(default_factory=lambda: FixedClock(DEFAULT_NOW))
    warehouses: dict[str, int] = field(default_factory=dict)
    tracking_codes: SequentialCodes = field(default_factory=SequentialCodes)
    policy: OrderPolicy = field(default_factory=OrderPolicy)

    @property
    def deps(self) -> Deps:
        return fake_deps(
            self.store, self.clock, policy=self.policy, tracking_codes=self.tracking_codes
        )

    async def add_warehouse(
        self, code: str, region: str, country_code: str, *, priority: int = 100
    ) -> int:
        created = await create_warehouse(
            self.deps,
            ADMIN,
            code=code,
            name=code,
            region=region,
            country_code=country_code,
            priority=priority,
        )
        assert created.id is not None
        self.warehouses[created.code] = created.id
        return created.id

    async def add_product(
        self,
        sku: str,
        price: str,
        *,
        currency: str = "EUR",
        weight_grams: int = 300,
        backorder_limit: int | None = None,
        returnable: bool = True,
    ) -> None:
        await create_product(
            self.deps,
            ADMIN,
            sku=sku,
            name=f"Product {sku}",
            price_amount=price,
            price_currency=currency,
            weight_grams=weight_grams,
            allow_backorder=backorder_limit is not None,
            backorder_limit=backorder_limit,
            returnable=returnable,
        )

    async def receive(self, sku: str, warehouse_code: str, quantity: int) -> None:
        await adjust_inventory(
            self.deps,
            ADMIN,
            sku=sku,
            warehouse_id=self.warehouses[warehouse_code],
            delta=quantity,
            reason=AdjustmentReason.RECEIVED,
        )

    async def confirmed_order(
        self, lines: list[tuple[str, int]], *, region: str | None = "EU-WEST", country: str = "NL"
    ) -> int:
        """Place an order on the storefront and authorize it with ``tok_ok``: CONFIRMED, with
        one PENDING fulfillment per warehouse. Returns its id."""
        order = await place_order(
            self.deps,
            STOREFRONT,
            channel=Channel.WEB,
            lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
            shipping_address=address(region=region, country_code=country),
            email="ann@example.com",
        )
        assert order.id is not None
        await authorize_payment(self.deps, STOREFRONT, order_id=order.id, token="tok_ok")
        return order.id

    async def add_customer(self, email: str, name: str = "Ann Smith") -> int:
        customer = await create_customer(self.deps, ADMIN, email=email, name=name)
        assert customer.id is not None
        return customer.id

    async def paid_order(
        self,
        lines: list[tuple[str, int]],
        *,
        actor: Principal = STOREFRONT,
        region: str | None = "EU-WEST",
        country: str = "NL",
    ) -> int:
        """Place an order as ``actor`` and pay it in one step (a SALE with ``tok_ok``):
        CONFIRMED and PAID, with one PENDING fulfillment per warehouse. Returns its id."""
        order = await place_order(
            self.deps,
            actor,
            channel=Channel.WEB,
            lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
            shipping_address=address(region=region, country_code=country),
            email=None if actor.customer_id is not None else "ann@example.com",
        )
        assert order.id is not None
        await capture_payment(self.deps, actor, order_id=order.id, token="tok_ok")
        return order.id

    async def ship_everything(self, order_id: int) -> list[int]:
        """Pick, pack and ship every open fulfillment of the order in full (as ADMIN, carrier
        DHL); the ids of the new shipments."""
        shipped: list[int] = []
        for f in self.store.fulfillments:
            if f.order_id != order_id or f.status not in OPEN_FULFILLMENT:
                continue
            await start_picking(self.deps, ADMIN, fulfillment_id=f.id)
            await mark_packed(self.deps, ADMIN, fulfillment_id=f.id)
            step = await ship_fulfillment(
                self.deps, ADMIN, fulfillment_id=f.id, carrier="DHL", tracking_number=f"JD{f.id}"
            )
            assert step.shipment is not None
            assert step.shipment.id is not None
            shipped.append(step.shipment.id)
        return shipped

    async def deliver(self, shipment_id: int, at: datetime | None = None) -> None:
        """The carrier reports the parcel DELIVERED at ``at`` (default: now)."""
        await record_shipment_event(
            self.deps,
            ADMIN,
            shipment_id=shipment_id,
            status=ShipmentStatus.DELIVERED,
            occurred_at=at or self.clock.now(),
        )

    async def delivered_order(
        self, lines: list[tuple[str, int]], *, actor: Principal = STOREFRONT
    ) -> int:
        """A paid order, shipped in full and delivered now (order DELIVERED). Returns its id."""
        order_id = await self.paid_order(lines, actor=actor)
        for shipment_id in await self.ship_everything(order_id):
            await self.deliver(shipment_id)
        return order_id

    def fulfillments_of(self, order_id: int) -> dict[str, Fulfillment]:
        """The order's committed fulfillments, by warehouse code."""
        codes = {wid: code for code, wid in self.warehouses.items()}
        return {
            codes[f.warehouse_id]: f.to_fulfillment()
            for f in self.store.fulfillments
            if f.order_id == order_id
        }

    def level(self, sku: str, warehouse_code: str) -> InventoryLevel:
        return self.store.levels[(sku, self.warehouses[warehouse_code])]

    def stock(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(on hand, reserved) of every level, for before/after comparisons."""
        return {key: (lvl.on_hand, lvl.reserved) for key, lvl in self.store.levels.items()}
