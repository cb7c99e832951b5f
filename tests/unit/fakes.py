"""In-memory implementations of the ports in ``ordergraph.domain.ports``, for use-case tests.

They follow the SQL repositories: taken unique keys raise ``Duplicate`` (a taken idempotency key
raises ``RetryableConflict``), stock changes go through ``StockAdjustment.apply``, ids come from
sequences that a rollback does not rewind, and events reach ``FakeStore.outbox`` only on commit.

A unit of work copies the committed state on entry and swaps its copy in on commit, so leaving
the ``async with`` block without committing discards everything. Stored objects are never handed
out: repositories store and return copies, so a shallow copy of the containers is a snapshot.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import InventoryLevel, InventoryMovement, StockAdjustment
from ordergraph.domain.ports import (
    CustomerRepository,
    IdempotencyRecord,
    IdempotencyRepository,
    InventoryRepository,
    ProductRepository,
    RetryableConflict,
    TokenRepository,
    UnitOfWork,
    WarehouseRepository,
)
from ordergraph.domain.principals import Role, Scope
from ordergraph.services.deps import Deps

DEFAULT_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


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
    outbox: list[DomainEvent] = field(default_factory=list)

    def copy(self) -> FakeState:
        return FakeState(
            warehouses=dict(self.warehouses),
            products=dict(self.products),
            levels=dict(self.levels),
            movements=list(self.movements),
            customers=dict(self.customers),
            idempotency=dict(self.idempotency),
            tokens=dict(self.tokens),
            outbox=list(self.outbox),
        )


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
    def outbox(self) -> list[DomainEvent]:
        return list(self.state.outbox)

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


class FakeInventoryRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    async def adjust(self, adjustment: StockAdjustment, now: datetime) -> InventoryLevel:
        key = (adjustment.sku, adjustment.warehouse_id)
        current = self._state.levels.get(key) or InventoryLevel(
            sku=adjustment.sku,
            warehouse_id=adjustment.warehouse_id,
            on_hand=0,
            reserved=0,
            updated_at=now,
        )
        level = adjustment.apply(current, now)  # raises InsufficientStock, changing nothing
        self._state.levels[key] = level
        return level

    async def record_movement(self, movement: InventoryMovement) -> None:
        stored = dataclasses.replace(movement, id=self._store.next_id("inventory_movements"))
        self._state.movements.append(stored)


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
    idempotency: IdempotencyRepository
    tokens: TokenRepository

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._state: FakeState | None = None
        self._base_version = -1
        self._events: list[DomainEvent] = []

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
        self._store.state = state
        self._store.version += 1
        self._store.commits += 1
        self._begin()

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
        self.idempotency = FakeIdempotencyRepository(self._state)
        self.tokens = FakeTokenRepository(self._state, self._store)


def fake_deps(store: FakeStore, clock: FixedClock | None = None) -> Deps:
    """``Deps`` whose units of work all share ``store``."""
    # Typed as the port, so mypy checks that a FakeUnitOfWork is a UnitOfWork.
    open_uow: Callable[[], UnitOfWork] = store.unit_of_work
    return Deps(uow=open_uow, clock=clock or FixedClock(DEFAULT_NOW))
