"""SQLAlchemy implementations of the domain's repository ports."""

from ordergraph.db.repositories.customers import SqlCustomerRepository
from ordergraph.db.repositories.idempotency import SqlIdempotencyRepository
from ordergraph.db.repositories.inventory import SqlInventoryRepository
from ordergraph.db.repositories.orders import SqlOrderRepository
from ordergraph.db.repositories.outbox import SqlOutboxWriter
from ordergraph.db.repositories.payments import SqlPaymentRepository
from ordergraph.db.repositories.products import SqlProductRepository
from ordergraph.db.repositories.warehouses import SqlWarehouseRepository

__all__ = [
    "SqlCustomerRepository",
    "SqlIdempotencyRepository",
    "SqlInventoryRepository",
    "SqlOrderRepository",
    "SqlOutboxWriter",
    "SqlPaymentRepository",
    "SqlProductRepository",
    "SqlWarehouseRepository",
]
