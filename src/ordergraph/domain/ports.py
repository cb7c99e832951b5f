"""Ports: what the use cases need from the outside world, as Protocols.

``db/`` implements them on SQLAlchemy; ``tests/unit/fakes.py`` implements them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Customer
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import (
    InventoryLevel,
    InventoryMovement,
    StockAdjustment,
)
from ordergraph.domain.principals import Role, Scope


class RetryableConflict(Exception):
    """The store aborted the transaction (serialization failure, deadlock): run it again."""


class WarehouseRepository(Protocol):
    async def add(self, warehouse: Warehouse) -> Warehouse: ...
    async def get(self, warehouse_id: int) -> Warehouse | None: ...
    async def get_by_code(self, code: str) -> Warehouse | None: ...


class ProductRepository(Protocol):
    async def add(self, product: Product) -> Product: ...
    async def get_by_sku(self, sku: str) -> Product | None: ...


class InventoryRepository(Protocol):
    async def adjust(self, adjustment: StockAdjustment, now: datetime) -> InventoryLevel:
        """Apply the adjustment atomically; raise ``InsufficientStock`` if it cannot be."""
        ...

    async def record_movement(self, movement: InventoryMovement) -> None: ...


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> Customer: ...
    async def get_by_email(self, email: str) -> Customer | None: ...


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


class UnitOfWork(Protocol):
    """One transaction. Events collected here are written to the outbox on commit."""

    warehouses: WarehouseRepository
    products: ProductRepository
    inventory: InventoryRepository
    customers: CustomerRepository
    idempotency: IdempotencyRepository
    tokens: TokenRepository

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
