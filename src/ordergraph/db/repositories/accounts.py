"""Customer accounts in SQL: one-time tokens, passwords, profile, the address book."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories.customers import ADDRESS_FIELDS, address_from_row
from ordergraph.db.tables import addresses, api_tokens, customer_tokens, customers, orders
from ordergraph.domain.accounts import CustomerToken, StoredAddress, TokenPurpose
from ordergraph.domain.customers import Address
from ordergraph.domain.principals import Role


class SqlAccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_token(
        self,
        *,
        customer_id: int,
        purpose: TokenPurpose,
        token_hash: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> int:
        token_id = await self._conn.scalar(
            sa.insert(customer_tokens)
            .values(
                customer_id=customer_id,
                purpose=purpose.value,
                token_hash=token_hash,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(customer_tokens.c.id)
        )
        assert token_id is not None
        return int(token_id)

    async def token_by_hash(self, token_hash: str) -> CustomerToken | None:
        row = (
            await self._conn.execute(
                sa.select(customer_tokens).where(customer_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return CustomerToken(
            id=row.id,
            customer_id=row.customer_id,
            purpose=TokenPurpose(row.purpose),
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def use_token(self, token_id: int, now: datetime) -> bool:
        result = await self._conn.execute(
            sa.update(customer_tokens)
            .where(customer_tokens.c.id == token_id, customer_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount)

    async def retire_tokens(self, customer_id: int, purpose: TokenPurpose, now: datetime) -> None:
        t = customer_tokens.c
        await self._conn.execute(
            sa.update(customer_tokens)
            .where(t.customer_id == customer_id, t.purpose == purpose.value, t.used_at.is_(None))
            .values(used_at=now)
        )

    async def mark_email_verified(self, customer_id: int, now: datetime) -> bool:
        result = await self._conn.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id, customers.c.email_verified_at.is_(None))
            .values(email_verified_at=now)
        )
        return bool(result.rowcount)

    async def link_guest_orders(self, customer_id: int, email: str, now: datetime) -> list[int]:
        t = orders.c
        guest = sa.and_(t.customer_id.is_(None), sa.func.lower(t.email) == email.lower())
        ids = list(await self._conn.scalars(sa.select(t.id).where(guest).order_by(t.id)))
        if ids:
            await self._conn.execute(
                sa.update(orders)
                .where(t.id.in_(ids), t.customer_id.is_(None))
                .values(customer_id=customer_id, updated_at=now)
            )
        return ids

    async def set_password(self, customer_id: int, password_hash: str) -> None:
        await self._conn.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id)
            .values(password_hash=password_hash)
        )

    async def revoke_sessions(
        self, customer_id: int, now: datetime, *, keep_token_id: int | None = None
    ) -> int:
        t = api_tokens.c
        condition = sa.and_(
            t.customer_id == customer_id, t.role == Role.CUSTOMER.value, t.revoked_at.is_(None)
        )
        if keep_token_id is not None:
            condition = sa.and_(condition, t.id != keep_token_id)
        result = await self._conn.execute(
            sa.update(api_tokens).where(condition).values(revoked_at=now)
        )
        return int(result.rowcount or 0)

    async def update_profile(
        self,
        customer_id: int,
        *,
        name: str,
        phone: str | None,
        locale: str | None,
        timezone: str | None,
    ) -> None:
        await self._conn.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id)
            .values(
                name=name,
                phone=phone,
                locale=locale,
                timezone=timezone,
                version=customers.c.version + 1,
            )
        )

    async def addresses(self, customer_id: int) -> list[StoredAddress]:
        t = addresses.c
        rows = await self._conn.execute(
            sa.select(addresses)
            .where(t.customer_id == customer_id)
            .order_by(t.is_default.desc(), t.id)
        )
        return [address_row(row) for row in rows]

    async def add_address(
        self, customer_id: int, address: Address, *, is_default: bool, now: datetime
    ) -> int:
        new_id = await self._conn.scalar(
            sa.insert(addresses)
            .values(
                customer_id=customer_id, is_default=is_default, created_at=now, **_fields(address)
            )
            .returning(addresses.c.id)
        )
        assert new_id is not None
        return int(new_id)

    async def update_address(self, address_id: int, address: Address) -> None:
        await self._conn.execute(
            sa.update(addresses).where(addresses.c.id == address_id).values(**_fields(address))
        )

    async def delete_address(self, address_id: int) -> None:
        await self._conn.execute(sa.delete(addresses).where(addresses.c.id == address_id))

    async def set_default_address(self, customer_id: int, address_id: int | None) -> None:
        t = addresses.c
        await self._conn.execute(
            sa.update(addresses)
            .where(t.customer_id == customer_id)
            .values(is_default=sa.false() if address_id is None else t.id == address_id)
        )


def _fields(address: Address) -> dict[str, Any]:
    return {f: getattr(address, f) for f in ADDRESS_FIELDS}


def address_row(row: sa.Row[Any]) -> StoredAddress:
    return StoredAddress(
        id=row.id,
        customer_id=row.customer_id,
        address=address_from_row(row),
        is_default=bool(row.is_default),
    )
