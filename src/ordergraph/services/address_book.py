"""A signed-in customer's own profile and address book."""

from __future__ import annotations

from ordergraph.domain.accounts import MAX_ADDRESSES, StoredAddress, clean_locale, clean_timezone
from ordergraph.domain.customers import MAX_NAME, Address, AddressFields, Customer
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.validation import clean_phone, clean_text
from ordergraph.services.accounts import signed_in_customer
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps

UNSET = object()


async def _own_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    customer = await uow.customers.get(customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("no such customer")
    return customer


async def update_me(
    deps: Deps,
    actor: Principal,
    *,
    name: str | None = None,
    phone: str | object | None = UNSET,
    locale: str | object | None = UNSET,
    timezone: str | object | None = UNSET,
) -> Customer:
    """Change the caller's own name, phone, locale or time zone (absent: unchanged;
    null or empty for phone, locale and time zone: cleared)."""
    customer_id = signed_in_customer(actor)

    async def run(uow: UnitOfWork) -> Customer:
        customer = await _own_customer(uow, customer_id)
        if name is not None:
            customer.name = clean_text(name, ["name"], max_length=MAX_NAME)
        if phone is not UNSET:
            country = customer.default_address.country_code if customer.default_address else None
            customer.phone = clean_phone(_text(phone), ["phone"], country=country)
        if locale is not UNSET:
            customer.locale = clean_locale(_text(locale), ["locale"])
        if timezone is not UNSET:
            customer.timezone = clean_timezone(_text(timezone), ["timezone"])
        await uow.accounts.update_profile(
            customer_id,
            name=customer.name,
            phone=customer.phone,
            locale=customer.locale,
            timezone=customer.timezone,
        )
        uow.record(DomainEvent("customer.updated", "Customer", customer_id, actor=actor.actor))
        return customer

    return await in_transaction(deps, run)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


async def _own_address(uow: UnitOfWork, customer_id: int, address_id: int) -> list[StoredAddress]:
    """The address book, after checking ``address_id`` is in it (NOT_FOUND otherwise)."""
    book = await uow.accounts.addresses(customer_id)
    if not any(a.id == address_id for a in book):
        raise NotFound("no such address in your address book", field=["addressId"])
    return book


async def add_customer_address(
    deps: Deps, actor: Principal, *, address: AddressFields, is_default_shipping: bool = False
) -> int:
    """Add an address; the first one becomes the default shipping address."""
    customer_id = signed_in_customer(actor)
    cleaned = Address.create(**address)

    async def run(uow: UnitOfWork) -> int:
        await _own_customer(uow, customer_id)
        book = await uow.accounts.addresses(customer_id)
        if len(book) >= MAX_ADDRESSES:
            raise InvalidInput(f"an address book holds at most {MAX_ADDRESSES} addresses")
        make_default = is_default_shipping or not any(a.is_default for a in book)
        address_id = await uow.accounts.add_address(
            customer_id, cleaned, is_default=False, now=deps.clock.now()
        )
        if make_default:
            await uow.accounts.set_default_address(customer_id, address_id)
        uow.record(_changed(customer_id, actor, "added", address_id))
        return address_id

    return await in_transaction(deps, run)


async def update_customer_address(
    deps: Deps,
    actor: Principal,
    *,
    address_id: int,
    address: AddressFields,
    is_default_shipping: bool | None = None,
) -> int:
    """Replace one of the caller's addresses; ``isDefaultShipping: true`` makes it the default
    (false on the default one leaves the customer without a default)."""
    customer_id = signed_in_customer(actor)
    cleaned = Address.create(**address)

    async def run(uow: UnitOfWork) -> int:
        book = await _own_address(uow, customer_id, address_id)
        await uow.accounts.update_address(address_id, cleaned)
        if is_default_shipping is True:
            await uow.accounts.set_default_address(customer_id, address_id)
        elif is_default_shipping is False and any(
            a.id == address_id and a.is_default for a in book
        ):
            await uow.accounts.set_default_address(customer_id, None)
        uow.record(_changed(customer_id, actor, "updated", address_id))
        return address_id

    return await in_transaction(deps, run)


async def delete_customer_address(deps: Deps, actor: Principal, *, address_id: int) -> int:
    """Remove one of the caller's addresses; if it was the default, the oldest left is."""
    customer_id = signed_in_customer(actor)

    async def run(uow: UnitOfWork) -> int:
        book = await _own_address(uow, customer_id, address_id)
        await uow.accounts.delete_address(address_id)
        was_default = any(a.id == address_id and a.is_default for a in book)
        rest = sorted(a.id for a in book if a.id != address_id)
        if was_default and rest:
            await uow.accounts.set_default_address(customer_id, rest[0])
        uow.record(_changed(customer_id, actor, "deleted", address_id))
        return address_id

    return await in_transaction(deps, run)


def _changed(customer_id: int, actor: Principal, change: str, address_id: int) -> DomainEvent:
    return DomainEvent(
        "customer.address_changed",
        "Customer",
        customer_id,
        {"change": change, "addressId": address_id},
        actor=actor.actor,
    )
