"""The in-memory ``AccountRepository`` used by ``FakeUnitOfWork``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ordergraph.domain.accounts import CustomerToken, StoredAddress, TokenPurpose
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.principals import Role

if TYPE_CHECKING:
    from tests.unit.fakes import FakeState, FakeStore


@dataclass(frozen=True, slots=True)
class StoredCustomerToken:
    """A row of ``customer_tokens``: the digest, never the token."""

    token: CustomerToken
    token_hash: str


class FakeAccountRepository:
    def __init__(self, state: FakeState, store: FakeStore) -> None:
        self._state = state
        self._store = store

    def _customer(self, customer_id: int) -> Customer:
        return next(c for c in self._state.customers.values() if c.id == customer_id)

    def _save(self, customer: Customer, **changes: object) -> None:
        self._state.customers[customer.email] = dataclasses.replace(customer, **changes)  # type: ignore[arg-type]

    async def add_token(
        self,
        *,
        customer_id: int,
        purpose: TokenPurpose,
        token_hash: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> int:
        assert all(t.token_hash != token_hash for t in self._state.customer_tokens.values())
        token_id = self._store.next_id("customer_tokens")
        token = CustomerToken(token_id, customer_id, purpose, created_at, expires_at, None)
        self._state.customer_tokens[token_id] = StoredCustomerToken(token, token_hash)
        return token_id

    async def token_by_hash(self, token_hash: str) -> CustomerToken | None:
        for row in self._state.customer_tokens.values():
            if row.token_hash == token_hash:
                return row.token
        return None

    async def use_token(self, token_id: int, now: datetime) -> bool:
        row = self._state.customer_tokens[token_id]
        if row.token.used_at is not None:
            return False
        used = dataclasses.replace(row.token, used_at=now)
        self._state.customer_tokens[token_id] = dataclasses.replace(row, token=used)
        return True

    async def retire_tokens(self, customer_id: int, purpose: TokenPurpose, now: datetime) -> None:
        for token_id, row in list(self._state.customer_tokens.items()):
            t = row.token
            if t.customer_id == customer_id and t.purpose is purpose and t.used_at is None:
                await self.use_token(token_id, now)

    async def mark_email_verified(self, customer_id: int, now: datetime) -> bool:
        customer = self._customer(customer_id)
        if customer.email_verified_at is not None:
            return False
        self._save(customer, email_verified_at=now)
        return True

    async def link_guest_orders(self, customer_id: int, email: str, now: datetime) -> list[int]:
        linked = []
        for order_id, order in sorted(self._state.orders.items()):
            if order.customer_id is None and order.email and order.email.lower() == email.lower():
                self._state.orders[order_id] = dataclasses.replace(order, customer_id=customer_id)
                linked.append(order_id)
        return linked

    async def set_password(self, customer_id: int, password_hash: str) -> None:
        self._save(self._customer(customer_id), password_hash=password_hash)

    async def revoke_sessions(
        self, customer_id: int, now: datetime, *, keep_token_id: int | None = None
    ) -> int:
        revoked = 0
        for token_id, token in list(self._state.tokens.items()):
            if (
                token.customer_id == customer_id
                and token.role is Role.CUSTOMER
                and token.revoked_at is None
                and token_id != keep_token_id
            ):
                self._state.tokens[token_id] = dataclasses.replace(token, revoked_at=now)
                revoked += 1
        return revoked

    async def update_profile(
        self,
        customer_id: int,
        *,
        name: str,
        phone: str | None,
        locale: str | None,
        timezone: str | None,
    ) -> None:
        customer = self._customer(customer_id)
        self._save(
            customer,
            name=name,
            phone=phone,
            locale=locale,
            timezone=timezone,
            version=customer.version + 1,
        )

    async def addresses(self, customer_id: int) -> list[StoredAddress]:
        book = [a for a in self._state.addresses.values() if a.customer_id == customer_id]
        return sorted(book, key=lambda a: (not a.is_default, a.id))

    async def add_address(
        self, customer_id: int, address: Address, *, is_default: bool, now: datetime
    ) -> int:
        address_id = self._store.next_id("addresses")
        self._state.addresses[address_id] = StoredAddress(
            address_id, customer_id, address, is_default
        )
        return address_id

    async def update_address(self, address_id: int, address: Address) -> None:
        stored = self._state.addresses[address_id]
        self._state.addresses[address_id] = dataclasses.replace(stored, address=address)

    async def delete_address(self, address_id: int) -> None:
        del self._state.addresses[address_id]

    async def set_default_address(self, customer_id: int, address_id: int | None) -> None:
        for key, stored in list(self._state.addresses.items()):
            if stored.customer_id == customer_id:
                self._state.addresses[key] = dataclasses.replace(
                    stored, is_default=key == address_id
                )
