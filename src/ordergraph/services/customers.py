"""Use cases for customers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from functools import cache
from typing import Any

from ordergraph.auth.passwords import hash_password, verify_password
from ordergraph.domain.customers import Address, AddressFields, Customer
from ordergraph.domain.errors import Duplicate, InvalidInput, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.validation import clean_email
from ordergraph.services.command import in_transaction, run_command
from ordergraph.services.deps import Deps
from ordergraph.services.tokens import IssuedToken, create_api_token

MIN_PASSWORD = 8
MAX_PASSWORD = 200


async def create_customer(
    deps: Deps,
    actor: Principal,
    *,
    email: str,
    name: str,
    phone: str | None = None,
    password: str | None = None,
    address: AddressFields | None = None,
    idempotency_key: str | None = None,
) -> Customer:
    """Validate and store a customer with an optional default address."""
    actor.require(Scope.CUSTOMERS_WRITE)
    default_address = Address.create(**address) if address is not None else None
    customer = Customer.create(
        email=email,
        name=name,
        phone=phone,
        address=default_address,
        now=deps.clock.now(),
    )
    if password is not None:
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInput(
                f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                field=["password"],
                code="INVALID_PASSWORD",
            )
        if "\x00" in password:
            raise InvalidInput(
                "must not contain NUL", field=["password"], code="INVALID_CHARACTERS"
            )
        customer.password_hash = hash_password(password)

    async def run(uow: UnitOfWork) -> Customer:
        if await uow.customers.get_by_email(customer.email) is not None:
            raise Duplicate("a customer with this email exists", field=["email"])
        stored = await uow.customers.add(customer)
        assert stored.id is not None
        uow.record(DomainEvent("customer.created", "Customer", stored.id, actor=actor.actor))
        return stored

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> Customer:
        # by id: the record must not keep the person's email (it outlives a GDPR erasure);
        # records written before kept the email
        if "id" in result:
            found = await uow.customers.get(int(result["id"]))
        else:
            found = await uow.customers.get_by_email(result["email"])
        if found is None:
            raise NotFound("the customer this key created no longer exists")
        return found

    return await run_command(
        deps,
        actor,
        operation="createCustomer",
        request={
            "email": email,
            "name": name,
            "phone": phone,
            # never the password itself: only whether one was given
            "password": password is not None,
            "address": asdict(default_address) if default_address else None,
        },
        run=run,
        remember=lambda c: {"id": c.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


CUSTOMER_TOKEN_LIFETIME = timedelta(days=30)


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both answers take the same time."""
    return hash_password("not-a-real-password-only-for-timing")


async def customer_login(
    deps: Deps, *, email: str, password: str, client: str = "unknown"
) -> IssuedToken:
    """A CUSTOMER token (30 days) for the right email and password; one error for both wrongs.

    Before any password is checked, the attempt is taken from two throttles: one for the
    account (keyed by the email as typed, known or not, so unknown accounts behave the same)
    and one for the client address. An unknown email is checked against a dummy Argon2 hash,
    so it takes as long as a wrong password.
    """
    wrong = InvalidInput("email or password is wrong", field=["email"], code="INVALID_CREDENTIALS")
    rules = deps.throttle.rules
    await deps.throttle.check(deps.clock, rules.login_address, client, field=["email"])
    await deps.throttle.check(
        deps.clock, rules.login_account, email.strip().lower()[:320], field=["email"]
    )
    try:
        address = clean_email(email, ["email"])
    except InvalidInput:
        address = None
    if len(password) > MAX_PASSWORD:
        address = None
    customer = None
    if address is not None:
        async with deps.uow() as uow:
            customer = await uow.customers.get_by_email(address)
    if customer is not None and customer.erased_at is not None:
        customer = None
    stored = customer.password_hash if customer and customer.password_hash else _dummy_hash()
    matched = verify_password(stored, password[:MAX_PASSWORD])
    if not matched or customer is None or customer.id is None or not customer.password_hash:
        raise wrong
    return await create_api_token(
        deps,
        role=Role.CUSTOMER,
        name=f"customer-{customer.id}",
        customer_id=customer.id,
        expires_at=deps.clock.now() + CUSTOMER_TOKEN_LIFETIME,
    )


async def update_customer(
    deps: Deps,
    actor: Principal,
    *,
    customer_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    group: str | None = None,
    clear: frozenset[str] = frozenset(),
) -> Customer:
    """Staff change a customer's profile and group (needs customers:write). A taken email is
    ``DUPLICATE``; a new email is unverified until the customer verifies it again."""
    actor.require(Scope.CUSTOMERS_WRITE)

    async def run(uow: UnitOfWork) -> Customer:
        customer = await uow.customers.get(customer_id)
        if customer is None or customer.erased_at is not None:
            raise NotFound("no such customer", field=["customerId"])
        check_version(expected_version, customer.version, "customer")
        previous = customer.version
        changed = customer.update(
            name=name,
            email=email,
            phone=phone,
            locale=locale,
            timezone=timezone,
            group=group,
            clear=clear,
        )
        if "email" in changed:
            taken = await uow.customers.get_by_email(customer.email)
            if taken is not None and taken.id != customer.id:
                raise Duplicate("a customer with this email exists", field=["email"])
        if changed:
            if not await uow.customers.update(customer, previous_version=previous):
                raise ChangedConcurrently("customer changed concurrently")
            uow.record(
                DomainEvent(
                    "customer.updated",
                    "Customer",
                    customer_id,
                    # field names only: the values are personal data
                    {"version": customer.version, "changed": changed},
                    actor=actor.actor,
                )
            )
        return customer

    return await in_transaction(deps, run)
