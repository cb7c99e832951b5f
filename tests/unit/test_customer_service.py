"""Use case: creating customers, with passwords kept only as Argon2 hashes."""

from __future__ import annotations

import pytest

from ordergraph.auth.passwords import verify_password
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.errors import Duplicate, Forbidden, InvalidInput
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.customers import create_customer
from ordergraph.services.deps import Deps
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW))


def amsterdam() -> AddressFields:
    return AddressFields(
        name="Ada Lovelace",
        line1="1 Dam Square",
        line2=None,
        city="Amsterdam",
        region="eu-west",
        postal_code="1012 JS",
        country_code="nl",
        phone=None,
    )


async def test_a_customer_password_is_stored_only_as_an_argon2_hash(
    deps: Deps, store: FakeStore
) -> None:
    created = await create_customer(
        deps, ADMIN, email="ada@example.com", name="Ada", password=PASSWORD
    )
    [stored] = store.customers
    assert stored.id == created.id
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert verify_password(stored.password_hash, PASSWORD)
    assert not verify_password(stored.password_hash, PASSWORD + "!")
    # the clear password appears nowhere in what was written
    assert PASSWORD not in repr(store.state)


async def test_a_customer_without_a_password_has_no_hash(deps: Deps, store: FakeStore) -> None:
    await create_customer(deps, ADMIN, email="ada@example.com", name="Ada")
    assert [c.password_hash for c in store.customers] == [None]


async def test_a_customer_is_stored_with_a_default_address_and_an_event(
    deps: Deps, store: FakeStore
) -> None:
    created = await create_customer(
        deps,
        ADMIN,
        email=" Ada@Example.com ",
        name="Ada Lovelace",
        phone="020 123 4567",
        address=amsterdam(),
    )
    [stored] = store.customers
    assert stored.email == "ada@example.com"
    assert stored.phone == "+31201234567"
    assert stored.default_address is not None
    assert (stored.default_address.region, stored.default_address.country_code) == (
        "EU-WEST",
        "NL",
    )
    assert stored.created_at == DEFAULT_NOW
    [event] = store.outbox
    assert (event.type, event.aggregate_id, event.actor) == (
        "customer.created",
        created.id,
        "admin:ops",
    )


async def test_an_email_taken_in_another_case_is_a_duplicate(deps: Deps, store: FakeStore) -> None:
    await create_customer(deps, ADMIN, email="ada@example.com", name="Ada")
    with pytest.raises(Duplicate) as caught:
        await create_customer(deps, ADMIN, email="ADA@example.COM", name="Other Ada")
    assert caught.value.field == ("email",)
    assert [c.name for c in store.customers] == ["Ada"]
    assert len(store.outbox) == 1


@pytest.mark.parametrize("password", ["short", "x" * 201, "has\x00nul-inside"])
async def test_an_unacceptable_password_is_refused_and_nothing_is_written(
    deps: Deps, store: FakeStore, password: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await create_customer(deps, ADMIN, email="ada@example.com", name="Ada", password=password)
    assert caught.value.field == ("password",)
    assert store.customers == []


async def test_an_invalid_address_is_reported_under_the_address_field(
    deps: Deps, store: FakeStore
) -> None:
    address = amsterdam()
    address["country_code"] = "XX"
    with pytest.raises(InvalidInput) as caught:
        await create_customer(deps, ADMIN, email="ada@example.com", name="Ada", address=address)
    assert caught.value.field == ("address", "countryCode")
    assert store.customers == []


async def test_creating_customers_needs_the_customers_write_scope(
    deps: Deps, store: FakeStore
) -> None:
    storefront = Principal(role=Role.STOREFRONT, scopes=scopes_for(Role.STOREFRONT, None))
    with pytest.raises(Forbidden):
        await create_customer(deps, storefront, email="ada@example.com", name="Ada")
    assert store.customers == []
