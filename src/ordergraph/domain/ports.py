"""Ports: what the use cases need from the outside world, as Protocols.

``db/`` implements them on SQLAlchemy; ``tests/unit/fakes.py`` implements them in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from ordergraph.domain.accounts import CustomerToken, StoredAddress, TokenPurpose
from ordergraph.domain.annotations import OrderNote
from ordergraph.domain.automation import AutomationRule, PastEvent, RunOutcome
from ordergraph.domain.availability import Restock, StockSnapshot
from ordergraph.domain.carrier_events import CarrierEvent, CarrierEventOutcome
from ordergraph.domain.carrier_services import (
    CarrierChoice,
    CarrierService,
    OrderShippingOption,
    TransitStats,
)
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.discounts import Discount, UseOutcome
from ordergraph.domain.drafts import DraftOrder
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.exchanges import Exchange
from ordergraph.domain.feedback import OrderFeedback
from ordergraph.domain.fulfillments import Fulfillment
from ordergraph.domain.inbound import InboundShipment
from ordergraph.domain.inventory import InventoryLevel, InventoryMovement, LevelChange
from ordergraph.domain.markets import Market
from ordergraph.domain.money import Money
from ordergraph.domain.notifications import NotificationOutbox
from ordergraph.domain.order_changes import ChangeKind
from ordergraph.domain.order_pricing import PriceDetails
from ordergraph.domain.orders import Channel, Order, OrderLine
from ordergraph.domain.payment_links import PaymentLink
from ordergraph.domain.payments import PaymentTransaction
from ordergraph.domain.price_lists import ListedPrice, PriceList
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.refunds import Refund
from ordergraph.domain.returns import Return
from ordergraph.domain.routing import Allocation
from ordergraph.domain.shipments import Shipment
from ordergraph.domain.taxes import TaxAnswer, TaxClass, TaxRate
from ordergraph.domain.tokens import ApiToken
from ordergraph.domain.transfers import InventoryTransfer
from ordergraph.domain.webhooks import Delivery, Webhook


class RetryableConflict(Exception):
    """The store aborted the transaction (serialization failure, deadlock): run it again."""


class ChangedConcurrently(RetryableConflict):
    """A versioned write (compare and set) found the version moved on since the read: run the
    command again from a fresh read."""


class WarehouseRepository(Protocol):
    async def add(self, warehouse: Warehouse) -> Warehouse: ...
    async def get(self, warehouse_id: int) -> Warehouse | None: ...
    async def get_by_code(self, code: str) -> Warehouse | None: ...
    async def list_all(self) -> list[Warehouse]: ...

    async def update(self, warehouse: Warehouse, *, previous_version: int) -> bool:
        """Store it if still at ``previous_version`` (compare and set); False if not."""
        ...


class DiscountRepository(Protocol):
    async def add(self, discount: Discount) -> Discount:
        """Insert; fills in the id. ``Duplicate`` for a taken code."""
        ...

    async def get(self, discount_id: int) -> Discount | None: ...

    async def get_by_code(self, code: str) -> Discount | None:
        """By its upper-case code."""
        ...

    async def update(self, discount: Discount, *, previous_version: int) -> bool:
        """Store its terms (not the code, not ``times_used``) if still at ``previous_version``;
        False if not."""
        ...

    async def for_checkout(
        self, codes: Sequence[str], currency: str, now: datetime
    ) -> list[Discount]:
        """In one statement: the discounts with these upper-case codes, whatever their state,
        and the automatic ones that may be usable now in ``currency``; by id."""
        ...

    async def take_use(
        self, discount_id: int, *, order_id: int, customer_key: str, now: datetime
    ) -> UseOutcome:
        """Record one use of the discount by the order, atomically within its usage limit and
        per-customer limit (nothing is counted unless TAKEN; the caller rolls back a refusal
        to drop the use row)."""
        ...

    async def give_back(self, order_id: int, now: datetime) -> list[int]:
        """Give back every use the order still holds, once; the discount ids, sorted."""
        ...


class ProductRepository(Protocol):
    async def add(self, product: Product) -> Product: ...
    async def get(self, product_id: int) -> Product | None: ...
    async def get_by_sku(self, sku: str) -> Product | None: ...

    async def update(self, product: Product, *, previous_version: int) -> bool:
        """Store it if still at ``previous_version`` (compare and set); False if not."""
        ...

    async def get_many(self, skus: list[str]) -> dict[str, Product]: ...
    async def upsert_many(self, products: Sequence[Product]) -> dict[str, int]:
        """Insert new SKUs and update the importable fields of existing ones, in a few
        multi-row statements; the id of every given SKU."""
        ...


class InventoryRepository(Protocol):
    """Levels and their ledger. Only ``services/stock_ledger`` calls the writes."""

    async def get(self, sku: str, warehouse_id: int) -> InventoryLevel | None: ...
    async def get_many(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], InventoryLevel]:
        """The stored levels among ``keys`` (sku, warehouse id), in one read."""
        ...

    async def apply_counts(
        self, counts: Sequence[tuple[str, int, int, int]], now: datetime
    ) -> dict[tuple[str, int], InventoryLevel]:
        """Counts ``(sku, warehouse id, on hand, was)`` applied where the level's on hand is
        still ``was`` and the count covers what is reserved, in one statement; the levels that
        took their count (only ``stock_ledger`` calls this)."""
        ...

    async def ensure_levels(self, keys: Sequence[tuple[str, int]], now: datetime) -> None:
        """Create the missing level rows among ``keys``, empty, in one statement."""
        ...

    async def apply(
        self, sku: str, warehouse_id: int, change: LevelChange, now: datetime
    ) -> InventoryLevel | None:
        """Apply the change atomically (creating an empty level first if there is none);
        None, and no change, if one of its guards refuses."""
        ...

    async def configure(
        self,
        sku: str,
        warehouse_id: int,
        now: datetime,
        *,
        safety_stock: int | None = None,
        low_stock_threshold: int | None = None,
        clear_threshold: bool = False,
    ) -> InventoryLevel: ...

    async def record_movements(self, movements: Sequence[InventoryMovement]) -> None: ...

    async def set_backorder_limit(
        self, sku: str, limit: int, now: datetime
    ) -> list[InventoryLevel]:
        """Copy the limit onto the SKU's levels where what is reserved fits under it; the
        levels it did not fit."""
        ...

    async def availability(self, skus: list[str]) -> dict[tuple[str, int], int]:
        """Units available to sell, per (sku, warehouse id)."""
        ...


class TransferRepository(Protocol):
    async def next_number(self) -> str: ...

    async def add(self, transfer: InventoryTransfer) -> InventoryTransfer:
        """Insert; fills in the id."""
        ...

    async def get(
        self, transfer_id: int, *, for_update: bool = False
    ) -> InventoryTransfer | None: ...

    async def save(self, transfer: InventoryTransfer) -> None:
        """Write back status, timestamps and version."""
        ...


class InboundShipmentRepository(Protocol):
    async def next_number(self) -> str: ...

    async def add(self, shipment: InboundShipment) -> InboundShipment:
        """Insert with its lines; fills in their ids."""
        ...

    async def get(
        self, shipment_id: int, *, for_update: bool = False
    ) -> InboundShipment | None: ...

    async def save(self, shipment: InboundShipment) -> None:
        """Write back status, timestamps, version and each line's received quantity."""
        ...


class MarketRepository(Protocol):
    async def add(self, market: Market) -> Market:
        """Insert with its countries; fills in the id. ``Duplicate`` for a taken handle and
        ``MarketCountryTaken`` when a concurrent market claimed one of its countries first."""
        ...

    async def get(self, market_id: int) -> Market | None: ...

    async def get_by_handle(self, handle: str) -> Market | None: ...

    async def update(self, market: Market, *, previous_version: int) -> bool:
        """Store it (countries replaced) if still at ``previous_version``; False if not.
        ``MarketCountryTaken`` as in ``add``."""
        ...

    async def list_active(self) -> list[Market]:
        """Every active market with its countries, by id (a bounded, staff-managed list)."""
        ...


class PriceListRepository(Protocol):
    async def add(self, price_list: PriceList) -> PriceList:
        """Insert; fills in the id."""
        ...

    async def get(self, price_list_id: int) -> PriceList | None: ...

    async def update(self, price_list: PriceList, *, previous_version: int) -> bool:
        """Store it if still at ``previous_version``; False if not."""
        ...

    async def set_prices(
        self, price_list_id: int, prices: Mapping[str, int], removed: Sequence[str]
    ) -> None:
        """Upsert ``prices`` (SKU → minor units) and delete the ``removed`` SKUs' prices."""
        ...

    async def candidates(
        self,
        *,
        market_id: int,
        channel: Channel,
        customer_group: str | None,
        skus: Sequence[str],
        now: datetime,
    ) -> tuple[list[PriceList], list[ListedPrice]]:
        """The market's lists that may apply at ``now`` with their prices for ``skus``
        (``choose_prices`` decides); one statement whatever the number of SKUs."""
        ...


class TaxRateRepository(Protocol):
    async def add(self, rate: TaxRate) -> TaxRate:
        """Insert; fills in the id. ``Duplicate`` when the country, region, class and name
        are taken."""
        ...

    async def get(self, rate_id: int) -> TaxRate | None: ...

    async def update(self, rate: TaxRate, *, previous_version: int) -> bool:
        """Store it if still at ``previous_version``; False if not. ``Duplicate`` as in add."""
        ...

    async def list_for_country(self, country_code: str) -> list[TaxRate]:
        """Every rate of the country, active or not, every region and class: one statement."""
        ...


class TaxProvider(Protocol):
    """Who knows the tax rates of a destination: the built-in rate table, or an external
    service. Raises ``TaxProviderUnavailable`` when it cannot answer now; the market's failure
    policy decides what happens then."""

    name: str  # recorded with the order: "table", "avalara", ...

    async def rates(
        self,
        uow: UnitOfWork,
        *,
        country_code: str,
        region: str | None,
        classes: Collection[TaxClass],
    ) -> TaxAnswer:
        """The rates of every class in ``classes`` and of shipping at the destination;
        ``configured`` False where no tax is configured for it at all."""
        ...


class CarrierServiceRepository(Protocol):
    async def add(self, service: CarrierService) -> CarrierService:
        """Insert with its lanes and rates; fills in the id."""
        ...

    async def get(self, service_id: int) -> CarrierService | None: ...

    async def find(self, carrier: str, service: str) -> CarrierService | None: ...

    async def update(self, service: CarrierService, *, previous_version: int) -> bool:
        """Store it (lanes and rates replaced) if still at ``previous_version``; False if not."""
        ...

    async def list_active(self) -> list[CarrierService]:
        """Every active service with its lanes and rates (a bounded, staff-managed list)."""
        ...

    async def transit_history(
        self,
        origin_regions: Sequence[str],
        country_code: str,
        region: str | None,
        now: datetime,
    ) -> dict[tuple[str, str, str], TransitStats]:
        """(carrier, service, origin region) → transit times of delivered shipments from
        those regions to this destination."""
        ...

    async def record_order_option(self, order_id: int, option: OrderShippingOption) -> None:
        """The order's option, replacing any earlier one (a rule may choose again)."""
        ...

    async def order_option(self, order_id: int) -> OrderShippingOption | None: ...

    async def record_carrier_choice(self, shipment_id: int, choice: CarrierChoice) -> None: ...


class AvailabilityReader(Protocol):
    """The storefront's read side of stock: a constant number of statements for any SKU list."""

    async def stock(self, skus: Sequence[str]) -> StockSnapshot:
        """The SKUs that exist, the active warehouses, available-to-sell per level."""
        ...

    async def restocks(self, skus: Sequence[str]) -> list[Restock]:
        """Per (sku, warehouse): the earliest open inbound line and in-transit transfer."""
        ...


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> Customer: ...
    async def get(self, customer_id: int) -> Customer | None: ...
    async def get_by_email(self, email: str) -> Customer | None: ...

    async def group_of(self, customer_id: int) -> str | None:
        """The customer's group handle (None for none or no such customer)."""
        ...

    async def update(self, customer: Customer, *, previous_version: int) -> bool:
        """Store the profile if still at ``previous_version``; ``Duplicate`` for a taken
        email; False if the version moved on."""
        ...


class AccountRepository(Protocol):
    """Customer accounts: one-time tokens, passwords, profile and the address book."""

    async def add_token(
        self,
        *,
        customer_id: int,
        purpose: TokenPurpose,
        token_hash: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> int: ...

    async def token_by_hash(self, token_hash: str) -> CustomerToken | None: ...

    async def use_token(self, token_id: int, now: datetime) -> bool:
        """Mark it used, atomically; False if it was used already (a concurrent use won)."""
        ...

    async def retire_tokens(self, customer_id: int, purpose: TokenPurpose, now: datetime) -> None:
        """Mark every unused token of that purpose used (a reset voids the other links)."""
        ...

    async def mark_email_verified(self, customer_id: int, now: datetime) -> bool:
        """Set ``email_verified_at`` if unset; True if this call set it."""
        ...

    async def link_guest_orders(self, customer_id: int, email: str, now: datetime) -> list[int]:
        """Give guest orders (no customer) placed with ``email`` to the customer; their ids."""
        ...

    async def set_password(self, customer_id: int, password_hash: str) -> None: ...

    async def revoke_sessions(
        self, customer_id: int, now: datetime, *, keep_token_id: int | None = None
    ) -> int:
        """Revoke the customer's sign-in tokens (but ``keep_token_id``); how many."""
        ...

    async def update_profile(
        self,
        customer_id: int,
        *,
        name: str,
        phone: str | None,
        locale: str | None,
        timezone: str | None,
    ) -> None: ...

    async def addresses(self, customer_id: int) -> list[StoredAddress]:
        """The address book, the default shipping address first."""
        ...

    async def add_address(
        self, customer_id: int, address: Address, *, is_default: bool, now: datetime
    ) -> int: ...

    async def update_address(self, address_id: int, address: Address) -> None: ...
    async def delete_address(self, address_id: int) -> None: ...

    async def set_default_address(self, customer_id: int, address_id: int | None) -> None:
        """Make that address the only default one (None: no default)."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The remembered outcome of one keyed request."""

    scope: str
    key: str
    operation: str
    request_hash: str
    result: dict[str, Any]
    created_at: datetime


class IdempotencyRepository(Protocol):
    async def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...
    async def add(self, record: IdempotencyRecord) -> None: ...


class TokenRepository(Protocol):
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
        """Store a token's digest (never the token); return its id."""
        ...

    async def list_all(self, *, include_customer_tokens: bool = False) -> list[ApiToken]:
        """Every API token, oldest first (customer sign-in tokens only if asked)."""
        ...

    async def find(self, id_or_prefix: str, token_hash: str | None = None) -> list[ApiToken]:
        """Tokens whose id is ``id_or_prefix``, whose display prefix starts with it, or (when
        given) whose digest is ``token_hash``."""
        ...

    async def revoke(self, token_id: int, now: datetime) -> None:
        """Mark the token revoked (it authenticates no more); a revoked one stays as it was."""
        ...


@dataclass(frozen=True, slots=True)
class StoredAllocation:
    order_line_id: int
    allocation: Allocation


class OrderRepository(Protocol):
    async def next_number(self) -> str: ...

    async def add(self, order: Order) -> Order:
        """Insert the order and its lines; fills in their ids."""
        ...

    async def get(self, order_id: int, *, for_update: bool = False) -> Order | None: ...

    async def get_by_external(self, source: str, external_id: str) -> Order | None:
        """The order imported from ``source`` under ``external_id``, if any."""
        ...

    async def save(self, order: Order) -> None:
        """Write back status, payment, timestamps and holds."""
        ...

    async def add_allocations(self, order_id: int, allocations: list[StoredAllocation]) -> None: ...

    async def add_price_details(self, order_id: int, details: PriceDetails) -> None:
        """Store the order's tax lines and discount shares (once, when it is placed)."""
        ...

    async def price_details(self, order_id: int) -> PriceDetails: ...
    async def active_allocations(self, order_id: int) -> list[StoredAllocation]: ...
    async def release_allocations(self, order_id: int, now: datetime) -> None: ...

    async def add_fulfillment(
        self, order_id: int, warehouse_id: int, lines: list[StoredAllocation], now: datetime
    ) -> int: ...

    async def cancel_open_fulfillments(self, order_id: int, now: datetime) -> int: ...

    async def expired_unpaid(self, now: datetime, limit: int) -> list[int]:
        """Ids of PLACED orders past ``expires_at``, claimed so other workers skip them."""
        ...


@dataclass(frozen=True, slots=True)
class OrderChangeRecord:
    """One committed change set of an order (``number`` counts them per order)."""

    order_id: int
    number: int
    kind: ChangeKind
    order_version: int
    diff: list[dict[str, Any]]
    summary: dict[str, Any]
    difference: Money
    reason: str | None
    actor: str
    created_at: datetime
    id: int | None = None


class OrderChangeRepository(Protocol):
    """The writes of the change-set engine, beside the order's own repository."""

    async def add(self, record: OrderChangeRecord) -> OrderChangeRecord:
        """Store it under the order's next number (the caller holds the order's lock)."""
        ...

    async def for_order(self, order_id: int) -> list[OrderChangeRecord]: ...
    async def add_line(self, order_id: int, line: OrderLine) -> int: ...
    async def update_line(self, line: OrderLine) -> None: ...
    async def line_referenced(self, line_id: int) -> bool: ...
    async def delete_line(self, line_id: int) -> None: ...
    async def clear_price_details(self, order_id: int) -> None: ...

    async def set_allocation(
        self,
        order_id: int,
        line_id: int,
        sku: str,
        warehouse_id: int,
        quantity: int,
        now: datetime,
    ) -> None: ...

    async def set_pending_line(
        self,
        order_id: int,
        warehouse_id: int,
        line_id: int,
        sku: str,
        quantity: int,
        now: datetime,
    ) -> int | None:
        """Set the line's units in the PENDING fulfillment at the warehouse; the id of a
        fulfillment it had to create."""
        ...

    async def set_address(self, order_id: int, address: Address) -> None: ...
    async def set_routing(self, order_id: int, routing: dict[str, Any]) -> None: ...


class DraftOrderRepository(Protocol):
    """Draft orders (domain/drafts.py)."""

    async def add(self, draft: DraftOrder) -> DraftOrder:
        """Insert the draft; fills in its id."""
        ...

    async def get(self, draft_id: int, *, for_update: bool = False) -> DraftOrder | None: ...
    async def save(self, draft: DraftOrder) -> None: ...
    async def list(self, *, first: int, after: int | None = None) -> list[DraftOrder]: ...

    async def expired_reservations(self, now: datetime, limit: int) -> Sequence[int]:
        """Open drafts holding stock past ``reservation_expires_at``, oldest expiry first
        (claimed with SKIP LOCKED where the store has it)."""
        ...


class PaymentLinkRepository(Protocol):
    """Payment links (domain/payment_links.py), found by the digest of their token."""

    async def add(self, link: PaymentLink) -> PaymentLink:
        """Insert the link; fills in its id."""
        ...

    async def by_token_hash(self, token_hash: str) -> PaymentLink | None: ...
    async def open_for(
        self, *, order_id: int | None = None, draft_order_id: int | None = None
    ) -> list[PaymentLink]: ...
    async def save(self, link: PaymentLink) -> None: ...
    async def claim(self, link_id: int, now: datetime, until: datetime) -> bool:
        """Take the paying lease of an open, unexpired link nobody holds; False if taken."""
        ...

    async def release(self, link_id: int) -> None: ...


class OrderNoteRepository(Protocol):
    """Staff notes on orders (domain/annotations.py)."""

    async def add(self, note: OrderNote) -> OrderNote:
        """Insert the note; fills in its id."""
        ...


class FulfillmentRepository(Protocol):
    async def get(self, fulfillment_id: int, *, for_update: bool = False) -> Fulfillment | None: ...
    async def for_order(self, order_id: int) -> list[Fulfillment]: ...
    async def save(self, fulfillment: Fulfillment) -> None: ...


class ShipmentRepository(Protocol):
    async def add(self, shipment: Shipment) -> Shipment: ...
    async def get(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None: ...
    async def for_order(self, order_id: int) -> list[Shipment]: ...

    async def save(self, shipment: Shipment) -> None:
        """Write back status and dates, and append events not stored yet."""
        ...


class CarrierEventRepository(Protocol):
    """Carrier webhooks as received, one row per (source, event id)."""

    async def claim(self, event: CarrierEvent, received_at: datetime) -> int | None:
        """Store a newly received event (outcome UNMATCHED until settled); its row id, or None
        if this (source, event id) is stored already (a redelivery: change nothing)."""
        ...

    async def settle(
        self, row_id: int, outcome: CarrierEventOutcome, shipment_id: int | None
    ) -> None: ...

    async def shipment_for_tracking(self, tracking_number: str) -> int | None:
        """The shipment with this tracking number: the newest open one, else the newest."""
        ...

    async def unmatched_for_tracking(
        self, tracking_number: str
    ) -> list[tuple[int, CarrierEvent, datetime]]:
        """UNMATCHED events with this tracking number, oldest first: (row id, event, received)."""
        ...


class RiskRepository(Protocol):
    async def at_risk_candidates(self, now: datetime, limit: int) -> dict[int, list[str]]:
        """Orders that are late or may be: order id → reasons (NOT_SHIPPED_IN_TIME,
        DELIVERY_OVERDUE, SHIPMENT_EXCEPTION), not yet flagged for those reasons."""
        ...


class ReturnRepository(Protocol):
    async def add(self, rma: Return) -> Return:
        """Insert with its lines; fills in ids."""
        ...

    async def get(self, return_id: int, *, for_update: bool = False) -> Return | None: ...
    async def for_order(self, order_id: int) -> list[Return]: ...
    async def save(self, rma: Return) -> None: ...


class ExchangeRepository(Protocol):
    """Exchanges linking an order, its return and the replacement (domain/exchanges.py)."""

    async def add(self, exchange: Exchange) -> Exchange:
        """Insert; fills in the id."""
        ...

    async def for_original(self, order_id: int) -> list[Exchange]:
        """The exchanges made from the order, oldest first."""
        ...

    async def for_replacement(self, order_id: int) -> Exchange | None: ...
    async def for_return(self, return_id: int) -> Exchange | None: ...


class RefundRepository(Protocol):
    async def add(self, refund: Refund) -> Refund: ...
    async def for_order(self, order_id: int) -> list[Refund]: ...
    async def save(self, refund: Refund) -> None:
        """Write back status, gateway reference, error, completion time."""
        ...


class PaymentRepository(Protocol):
    async def add(self, transaction: PaymentTransaction) -> PaymentTransaction:
        """Store it; returns it with its id."""
        ...

    async def save(self, transaction: PaymentTransaction) -> None:
        """Write back the provider's answer and the settlement time."""
        ...

    async def get(self, transaction_id: int) -> PaymentTransaction | None: ...
    async def for_order(self, order_id: int) -> list[PaymentTransaction]: ...
    async def by_reference(self, gateway: str, reference: str) -> list[PaymentTransaction]: ...

    async def move_to_order(self, transaction_id: int, order_id: int) -> None:
        """Book the transaction on another order: a charge taken under the original order
        before the exchange's replacement existed becomes the replacement's payment."""
        ...

    async def order_ids_with_payments(self, gateway: str, since: datetime, limit: int) -> list[int]:
        """Orders with a transaction on ``gateway`` since ``since`` (for reconciliation)."""
        ...

    async def authorizations_expiring(self, before: datetime, limit: int) -> list[int]:
        """Orders holding an authorization that lapses before ``before``, not yet flagged
        AUTHORIZATION_EXPIRING, claimed in no particular way (flagging is idempotent)."""
        ...

    async def unfinished_compensations(self, limit: int) -> list[int]:
        """Ids of charges and holds whose compensation got only ERROR answers so far."""
        ...

    async def event_seen(self, provider: str, event_id: str) -> bool: ...

    async def remember_event(
        self,
        provider: str,
        event_id: str,
        type_: str,
        reference: str | None,
        outcome: str,
        now: datetime,
    ) -> None:
        """Record a provider webhook event as handled (a second record is ignored)."""
        ...


class PrivacyRepository(Protocol):
    """A person's data for GDPR requests (see ``db/repositories/privacy.py``)."""

    async def personal_data(self, customer_id: int) -> dict[str, Any] | None:
        """Everything held about the customer, JSON-ready; None if there is no such one."""
        ...

    async def erase(self, customer_id: int, now: datetime) -> list[int] | None:
        """Anonymize the person, keep the orders; the ids of the orders anonymized."""
        ...


class FeedbackRepository(Protocol):
    async def for_order(self, order_id: int) -> OrderFeedback | None: ...

    async def add(self, feedback: OrderFeedback) -> OrderFeedback:
        """Insert; raises ``Duplicate`` if the order has feedback already."""
        ...

    async def save(self, feedback: OrderFeedback) -> None:
        """Write back rating, comment and submission time."""
        ...


class WebhookRepository(Protocol):
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
        """Register an active webhook that receives what ``owner`` may read."""
        ...

    async def get(self, webhook_id: int) -> Webhook | None:
        """A webhook not deleted, or None."""
        ...

    async def update(
        self,
        webhook_id: int,
        *,
        now: datetime,
        url: str | None = None,
        events: frozenset[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change what is given (None: unchanged); the webhook must exist."""
        ...

    async def delete(self, webhook_id: int, now: datetime) -> None:
        """Delete for good (the row and its log stay); outstanding deliveries are dead-lettered."""
        ...

    async def redeliver(self, delivery_id: int, now: datetime) -> Delivery | None:
        """Queue a delivery of a live webhook again now, attempts reset; None if there is none."""
        ...


class AutomationRepository(Protocol):
    """Rules, the facts their conditions read, and the outcome of each run."""

    async def add(self, rule: AutomationRule) -> AutomationRule:
        """Insert; fills in the id."""
        ...

    async def get(self, rule_id: int) -> AutomationRule | None: ...
    async def names(self) -> set[str]: ...

    async def update(self, rule: AutomationRule, *, previous_version: int) -> bool:
        """Store it if still at ``previous_version`` (compare and set); False if not."""
        ...

    async def customer_order_count(self, customer_id: int) -> int:
        """How many orders the customer has placed (this one included)."""
        ...

    async def past_events(self, trigger: str, since: datetime, limit: int) -> list[PastEvent]:
        """Committed order events of this type since ``since``, oldest first."""
        ...

    async def finish_run(
        self, run_id: int, outcome: RunOutcome, now: datetime, *, leased_until: datetime
    ) -> bool:
        """Record a run's outcome if it is still ours (RUNNING with this lease); False if not."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Events collected here are written to the outbox on commit."""

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
    automation: AutomationRepository
    carrier_services: CarrierServiceRepository
    carrier_events: CarrierEventRepository
    markets: MarketRepository
    discounts: DiscountRepository
    price_lists: PriceListRepository
    tax_rates: TaxRateRepository
    order_notes: OrderNoteRepository
    draft_orders: DraftOrderRepository
    payment_links: PaymentLinkRepository
    # False for a command whose input says notifyCustomer: false (its events mail nobody)
    notify_customer: bool

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, event: DomainEvent) -> None:
        """Queue an event for the outbox of this transaction."""
        ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
