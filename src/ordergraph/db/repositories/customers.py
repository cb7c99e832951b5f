from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import addresses, customers
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.errors import Duplicate

ADDRESS_FIELDS = (
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country_code",
    "phone",
)


def address_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> Address:
    m = row._mapping if isinstance(row, sa.Row) else row
    return Address(**{f: m[f] for f in ADDRESS_FIELDS})


def customer_from_row(
    row: sa.Row[tuple[object, ...]] | sa.RowMapping, default_address: Address | None
) -> Customer:
    m = row._mapping if isinstance(row, sa.Row) else row
    return Customer(
        id=m["id"],
        email=m["email"],
        name=m["name"],
        phone=m["phone"],
        password_hash=m["password_hash"],
        default_address=default_address,
        created_at=m["created_at"],
        erased_at=m.get("erased_at"),
        email_verified_at=m.get("email_verified_at"),
        locale=m.get("locale"),
        timezone=m.get("timezone"),
        group=m.get("customer_group"),
        version=m.get("version", 1),
        tags=list(m.get("tags") or []),
        metadata=dict(m.get("metadata") or {}),
        private_metadata=dict(m.get("private_metadata") or {}),
    )


class SqlCustomerRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, customer: Customer) -> Customer:
        try:
            new_id = await self._conn.scalar(
                sa.insert(customers)
                .values(
                    email=customer.email,
                    name=customer.name,
                    phone=customer.phone,
                    password_hash=customer.password_hash,
                    created_at=customer.created_at,
                    locale=customer.locale,
                    timezone=customer.timezone,
                )
                .returning(customers.c.id)
            )
        except IntegrityError as exc:
            raise Duplicate("a customer with this email exists", field=["email"]) from exc
        customer.id = new_id
        if customer.default_address is not None:
            address = customer.default_address
            await self._conn.execute(
                sa.insert(addresses).values(
                    customer_id=new_id,
                    is_default=True,
                    created_at=customer.created_at,
                    **{f: getattr(address, f) for f in ADDRESS_FIELDS},
                )
            )
        return customer

    async def update(self, customer: Customer, *, previous_version: int) -> bool:
        """Store the profile (name, email, phone, locale, time zone, group) if the customer is still
        at ``previous_version``; ``Duplicate`` if the new email is taken."""
        try:
            result = await self._conn.execute(
                sa.update(customers)
                .where(customers.c.id == customer.id, customers.c.version == previous_version)
                .values(
                    name=customer.name,
                    email=customer.email,
                    phone=customer.phone,
                    locale=customer.locale,
                    timezone=customer.timezone,
                    customer_group=customer.group,
                    email_verified_at=customer.email_verified_at,
                    version=customer.version,
                    tags=list(customer.tags) or None,
                    metadata=dict(customer.metadata) or None,
                    private_metadata=dict(customer.private_metadata) or None,
                )
            )
        except IntegrityError as exc:
            raise Duplicate("a customer with this email exists", field=["email"]) from exc
        return result.rowcount == 1

    async def group_of(self, customer_id: int) -> str | None:
        """The customer's group (None for none, or for no such customer): one statement."""
        group: str | None = await self._conn.scalar(
            sa.select(customers.c.customer_group).where(customers.c.id == customer_id)
        )
        return group

    async def get_by_email(self, email: str) -> Customer | None:
        return await self._get_where(customers.c.email == email)

    async def get(self, customer_id: int) -> Customer | None:
        return await self._get_where(customers.c.id == customer_id)

    async def _get_where(self, condition: sa.ColumnElement[bool]) -> Customer | None:
        row = (await self._conn.execute(sa.select(customers).where(condition))).first()
        if row is None:
            return None
        address_row = (
            await self._conn.execute(
                sa.select(addresses).where(
                    addresses.c.customer_id == row.id, addresses.c.is_default.is_(True)
                )
            )
        ).first()
        return customer_from_row(row, address_from_row(address_row) if address_row else None)
