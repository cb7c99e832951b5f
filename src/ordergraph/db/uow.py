"""The SQL unit of work: one connection, one transaction, events to the outbox on commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.errors import is_retryable
from ordergraph.db.repositories import (
    SqlCustomerRepository,
    SqlIdempotencyRepository,
    SqlInventoryRepository,
    SqlOrderRepository,
    SqlOutboxWriter,
    SqlPaymentRepository,
    SqlProductRepository,
    SqlWarehouseRepository,
)
from ordergraph.db.repositories.accounts import SqlAccountRepository
from ordergraph.db.repositories.automation import SqlAutomationRepository
from ordergraph.db.repositories.carrier_events import SqlCarrierEventRepository
from ordergraph.db.repositories.carrier_services import SqlCarrierServiceRepository
from ordergraph.db.repositories.discounts import SqlDiscountRepository
from ordergraph.db.repositories.draft_orders import SqlDraftOrderRepository
from ordergraph.db.repositories.exchanges import SqlExchangeRepository
from ordergraph.db.repositories.feedback import SqlFeedbackRepository
from ordergraph.db.repositories.fulfillments import SqlFulfillmentRepository
from ordergraph.db.repositories.inbound import SqlInboundShipmentRepository
from ordergraph.db.repositories.markets import SqlMarketRepository
from ordergraph.db.repositories.notifications import SqlNotificationOutbox
from ordergraph.db.repositories.order_changes import SqlOrderChangeRepository
from ordergraph.db.repositories.order_notes import SqlOrderNoteRepository
from ordergraph.db.repositories.payment_links import SqlPaymentLinkRepository
from ordergraph.db.repositories.price_lists import SqlPriceListRepository
from ordergraph.db.repositories.privacy import SqlPrivacyRepository
from ordergraph.db.repositories.returns import SqlRefundRepository, SqlReturnRepository
from ordergraph.db.repositories.shipments import SqlRiskRepository, SqlShipmentRepository
from ordergraph.db.repositories.tax_rates import SqlTaxRateRepository
from ordergraph.db.repositories.tokens import SqlTokenRepository
from ordergraph.db.repositories.transfers import SqlTransferRepository
from ordergraph.db.repositories.webhooks import SqlWebhookRepository
from ordergraph.domain.clock import Clock
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.notifications import (
    NotificationOutbox,
    NotificationPolicy,
    PlannedNotification,
    plan_notification,
)
from ordergraph.domain.ports import (
    AccountRepository,
    AutomationRepository,
    CarrierEventRepository,
    CarrierServiceRepository,
    CustomerRepository,
    DiscountRepository,
    DraftOrderRepository,
    ExchangeRepository,
    FeedbackRepository,
    FulfillmentRepository,
    IdempotencyRepository,
    InboundShipmentRepository,
    InventoryRepository,
    MarketRepository,
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
    TaxRateRepository,
    TokenRepository,
    TransferRepository,
    WarehouseRepository,
    WebhookRepository,
)

OUTBOX_CHANNEL = "ordergraph_outbox"  # NOTIFY payload: the newest outbox id only


class SqlUnitOfWork:
    # Typed as the ports, so mypy checks that each Sql* class implements its protocol.
    warehouses: WarehouseRepository
    products: ProductRepository
    inventory: InventoryRepository
    customers: CustomerRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository
    tokens: TokenRepository
    orders: OrderRepository
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
    carrier_services: CarrierServiceRepository
    markets: MarketRepository
    price_lists: PriceListRepository
    tax_rates: TaxRateRepository
    discounts: DiscountRepository
    order_changes: OrderChangeRepository
    inbound: InboundShipmentRepository
    automation: AutomationRepository
    carrier_events: CarrierEventRepository
    order_notes: OrderNoteRepository
    draft_orders: DraftOrderRepository
    payment_links: PaymentLinkRepository

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
        notification_policy: NotificationPolicy | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._on_commit = on_commit
        self._policy = notification_policy or NotificationPolicy()
        # a command whose input says notifyCustomer: false turns this off for its events
        self.notify_customer = True
        self._conn: AsyncConnection | None = None
        self._events: list[DomainEvent] = []
        self._committed = False

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if conn.dialect.name == "sqlite":
            conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            await conn.begin()
        except DBAPIError as exc:
            await conn.close()
            raise _translate(exc) from exc
        self._conn = conn
        self.warehouses = SqlWarehouseRepository(conn)
        self.products = SqlProductRepository(conn)
        self.inventory = SqlInventoryRepository(conn)
        self.customers = SqlCustomerRepository(conn)
        self.accounts = SqlAccountRepository(conn)
        self.idempotency = SqlIdempotencyRepository(conn)
        self.tokens = SqlTokenRepository(conn)
        self.orders = SqlOrderRepository(conn)
        self.payments = SqlPaymentRepository(conn)
        self.fulfillments = SqlFulfillmentRepository(conn)
        self.shipments = SqlShipmentRepository(conn)
        self.risks = SqlRiskRepository(conn)
        self.returns = SqlReturnRepository(conn)
        self.exchanges = SqlExchangeRepository(conn)
        self.refunds = SqlRefundRepository(conn)
        self.privacy = SqlPrivacyRepository(conn)
        self._notifications = SqlNotificationOutbox(conn, self._policy)
        self.notifications = self._notifications
        self.feedback = SqlFeedbackRepository(conn)
        self.webhooks = SqlWebhookRepository(conn)
        self.transfers = SqlTransferRepository(conn)
        self.inbound = SqlInboundShipmentRepository(conn)
        self.automation = SqlAutomationRepository(conn)
        self.carrier_services = SqlCarrierServiceRepository(conn)
        self.carrier_events = SqlCarrierEventRepository(conn)
        self.markets = SqlMarketRepository(conn)
        self.price_lists = SqlPriceListRepository(conn)
        self.tax_rates = SqlTaxRateRepository(conn)
        self.discounts = SqlDiscountRepository(conn)
        self.order_changes = SqlOrderChangeRepository(conn)
        self.order_notes = SqlOrderNoteRepository(conn)
        self.draft_orders = SqlDraftOrderRepository(conn)
        self.payment_links = SqlPaymentLinkRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if not self._committed:
                await self._conn.rollback()
        finally:
            await self._conn.close()
            self._conn = None
        if isinstance(exc, DBAPIError):
            translated = _translate(exc)
            if translated is not exc:
                raise translated from exc

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        assert self._conn is not None
        try:
            now = self._clock.now()
            if self.notify_customer:
                # the customer's mail commits (or not) with the change that calls for it
                await self._notifications.add_planned(_planned(self._events), now)
            newest = await SqlOutboxWriter(self._conn).write(self._events, now)
            if newest is not None and self._conn.dialect.name == "postgresql":
                # delivered to listeners only if and when this transaction commits
                await self._conn.execute(
                    sa.text("SELECT pg_notify(:channel, :id)"),
                    {"channel": OUTBOX_CHANNEL, "id": str(newest)},
                )
            await self._conn.commit()
        except DBAPIError as exc:
            raise _translate(exc) from exc
        self._events.clear()
        self._committed = True
        if newest is not None and self._on_commit is not None:
            self._on_commit()

    async def rollback(self) -> None:
        assert self._conn is not None
        await self._conn.rollback()
        self._events.clear()


def _planned(events: list[DomainEvent]) -> list[PlannedNotification]:
    plans = (plan_notification(e.type, e.order_id, e.payload) for e in events)
    return [p for p in plans if p is not None]


def _translate(exc: DBAPIError) -> Exception:
    return RetryableConflict(str(exc.orig)) if is_retryable(exc) else exc
