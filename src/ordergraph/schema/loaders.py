"""Per-request DataLoaders, built in ``get_context`` and never shared between requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from ordergraph.db.queries import batches
from ordergraph.db.queries import carrier_services as carrier_reads
from ordergraph.db.queries import drafts as draft_reads
from ordergraph.db.queries import exchanges as exchange_reads
from ordergraph.db.queries import feedback as feedback_reads
from ordergraph.db.queries import invoice as invoice_reads
from ordergraph.db.queries import notifications as notification_reads
from ordergraph.db.queries import orders as order_reads
from ordergraph.db.queries import payment_links as link_reads
from ordergraph.db.queries.notifications import NotificationRow
from ordergraph.db.queries.orders import EventRow
from ordergraph.db.repositories.order_notes import notes_by_order_id
from ordergraph.domain.accounts import StoredAddress
from ordergraph.domain.annotations import OrderNote
from ordergraph.domain.carrier_services import OrderShippingOption
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Customer
from ordergraph.domain.exchanges import Exchange
from ordergraph.domain.feedback import OrderFeedback
from ordergraph.domain.fulfillments import Fulfillment
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.invoices import IssuedInvoice
from ordergraph.domain.order_pricing import PriceDetails
from ordergraph.domain.orders import Hold, Order, OrderLine
from ordergraph.domain.payments import PaymentTransaction
from ordergraph.domain.ports import OrderChangeRecord
from ordergraph.domain.refunds import Refund
from ordergraph.domain.returns import Return
from ordergraph.domain.shipments import Shipment

K = TypeVar("K")
V = TypeVar("V")


def _loader(
    engine: AsyncEngine, batch: Callable[[AsyncEngine, Sequence[K]], Awaitable[list[V]]]
) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        return await batch(engine, keys)

    return DataLoader(load_fn=load, max_batch_size=500)


@dataclass(frozen=True, slots=True)
class Loaders:
    warehouse_by_id: DataLoader[int, Warehouse | None]
    product_by_sku: DataLoader[str, Product | None]
    product_by_id: DataLoader[int, Product | None]
    levels_by_sku: DataLoader[str, list[InventoryLevel]]
    level_by_key: DataLoader[tuple[str, int], InventoryLevel | None]
    customer_by_id: DataLoader[int, Customer | None]
    addresses_by_customer_id: DataLoader[int, list[StoredAddress]]
    order_by_id: DataLoader[int, Order | None]
    lines_by_order_id: DataLoader[int, list[OrderLine]]
    holds_by_order_id: DataLoader[int, list[Hold]]
    price_details_by_order_id: DataLoader[int, PriceDetails]
    changes_by_order_id: DataLoader[int, list[OrderChangeRecord]]
    fulfillments_by_order_id: DataLoader[int, list[Fulfillment]]
    shipments_by_order_id: DataLoader[int, list[Shipment]]
    fulfillment_by_id: DataLoader[int, Fulfillment | None]
    shipment_by_id: DataLoader[int, Shipment | None]
    returns_by_order_id: DataLoader[int, list[Return]]
    return_by_id: DataLoader[int, Return | None]
    refunds_by_order_id: DataLoader[int, list[Refund]]
    events_by_order_id: DataLoader[int, list[EventRow]]
    notes_by_order_id: DataLoader[int, list[OrderNote]]
    payments_by_order_id: DataLoader[int, list[PaymentTransaction]]
    notifications_by_order_id: DataLoader[int, list[NotificationRow]]
    feedback_by_order_id: DataLoader[int, OrderFeedback | None]
    invoice_by_order_id: DataLoader[int, IssuedInvoice | None]
    shipping_option_by_order_id: DataLoader[int, OrderShippingOption | None]
    carrier_choice_by_shipment_id: DataLoader[int, dict[str, Any] | None]
    draft_id_by_order_id: DataLoader[int, int | None]
    exchanges_by_order_id: DataLoader[int, list[Exchange]]
    exchange_by_replacement_id: DataLoader[int, Exchange | None]
    exchange_by_return_id: DataLoader[int, Exchange | None]
    balance_due_by_order_id: DataLoader[int, int]

    @classmethod
    def build(cls, engine: AsyncEngine) -> Loaders:
        return cls(
            warehouse_by_id=_loader(engine, batches.warehouses_by_id),
            product_by_sku=_loader(engine, batches.products_by_sku),
            product_by_id=_loader(engine, batches.products_by_id),
            levels_by_sku=_loader(engine, batches.levels_by_sku),
            level_by_key=_loader(engine, batches.levels_by_key),
            customer_by_id=_loader(engine, batches.customers_by_id),
            addresses_by_customer_id=_loader(engine, batches.addresses_by_customer_id),
            order_by_id=_loader(engine, order_reads.orders_by_id),
            lines_by_order_id=_loader(engine, order_reads.lines_by_order_id),
            holds_by_order_id=_loader(engine, order_reads.holds_by_order_id),
            price_details_by_order_id=_loader(engine, order_reads.price_details_by_order_id),
            changes_by_order_id=_loader(engine, order_reads.changes_by_order_id),
            fulfillments_by_order_id=_loader(engine, order_reads.fulfillments_by_order_id),
            shipments_by_order_id=_loader(engine, order_reads.shipments_by_order_id),
            fulfillment_by_id=_loader(engine, order_reads.fulfillments_by_id),
            shipment_by_id=_loader(engine, order_reads.shipments_by_id),
            returns_by_order_id=_loader(engine, order_reads.returns_by_order_id),
            return_by_id=_loader(engine, order_reads.returns_by_id),
            refunds_by_order_id=_loader(engine, order_reads.refunds_by_order_id),
            events_by_order_id=_loader(engine, order_reads.events_by_order_id),
            notes_by_order_id=_loader(engine, notes_by_order_id),
            payments_by_order_id=_loader(engine, order_reads.payments_by_order_id),
            notifications_by_order_id=_loader(engine, notification_reads.notifications_by_order_id),
            feedback_by_order_id=_loader(engine, feedback_reads.feedback_by_order_id),
            invoice_by_order_id=_loader(engine, invoice_reads.invoices_by_order_id),
            shipping_option_by_order_id=_loader(engine, carrier_reads.shipping_options_by_order_id),
            carrier_choice_by_shipment_id=_loader(
                engine, carrier_reads.carrier_choices_by_shipment_id
            ),
            draft_id_by_order_id=_loader(engine, draft_reads.draft_ids_by_order_id),
            exchanges_by_order_id=_loader(engine, exchange_reads.exchanges_by_original_id),
            exchange_by_replacement_id=_loader(engine, exchange_reads.exchanges_by_replacement_id),
            exchange_by_return_id=_loader(engine, exchange_reads.exchanges_by_return_id),
            balance_due_by_order_id=_loader(engine, link_reads.balance_due_by_order_id),
        )
