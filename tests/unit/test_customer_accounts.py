"""Use cases: sign-up, email verification, password reset and change, profile, address book."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.auth.passwords import verify_password
from ordergraph.auth.tokens import hash_token
from ordergraph.domain.accounts import InvalidToken, PasswordTooWeak, TokenExpired
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.errors import Duplicate, Forbidden, InvalidInput, NotFound
from ordergraph.domain.notifications import NotificationType
from ordergraph.domain.principals import Principal, Role
from ordergraph.domain.throttle import TooManyAttempts
from ordergraph.services import accounts, address_book
from ordergraph.services.customers import customer_login
from ordergraph.services.deps import Deps
from tests.unit.fakes import Shop

BASE = "https://shop.example"
PASSWORD = "correct horse battery"


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture
def deps(shop: Shop) -> Deps:
    return shop.deps  # one Deps: its in-memory throttle is shared by the calls of a test


def link_token(shop: Shop, kind: NotificationType) -> str:
    urls = [n.data["action_url"] for n in shop.store.state.notifications.values() if n.type is kind]
    assert urls, f"no {kind} mail"
    return str(urls[-1]).rsplit("/", 1)[1]


async def signup(deps: Deps, email: str = "ann@example.com") -> int:
    customer = await accounts.customer_signup(
        deps, email=email, password=PASSWORD, name="Ann", locale="nl-NL", base_url=BASE
    )
    assert customer.id is not None
    return customer.id


def customer_of(customer_id: int) -> Principal:
    return Principal(role=Role.CUSTOMER, name=f"c{customer_id}", customer_id=customer_id)


def home(city: str = "Amsterdam") -> AddressFields:
    return AddressFields(
        name="Ann",
        line1="Damrak 1",
        line2=None,
        city=city,
        region="EU-WEST",
        postal_code="1012 LG",
        country_code="NL",
        phone=None,
    )


async def test_signup_stores_an_unverified_customer_and_mails_a_link_whose_token_is_kept_hashed(
    shop: Shop, deps: Deps
) -> None:
    customer_id = await signup(deps)
    [stored] = shop.store.customers
    assert stored.email_verified_at is None
    assert stored.locale == "nl-NL"
    [mail] = shop.store.state.notifications.values()
    assert mail.type is NotificationType.EMAIL_VERIFICATION
    assert mail.recipient == "ann@example.com"
    assert mail.customer_id == customer_id
    assert str(mail.data["action_url"]).startswith(f"{BASE}/account/verify/")
    raw = link_token(shop, NotificationType.EMAIL_VERIFICATION)
    [row] = shop.store.state.customer_tokens.values()
    assert row.token_hash == hash_token(raw)
    assert raw not in repr(row)
    assert row.token.expires_at - row.token.created_at == timedelta(hours=48)


async def test_signup_with_a_taken_email_is_a_duplicate_and_a_short_password_too_weak(
    deps: Deps,
) -> None:
    await signup(deps)
    with pytest.raises(Duplicate):
        await signup(deps, "ANN@example.com")
    with pytest.raises(PasswordTooWeak):
        await accounts.customer_signup(
            deps, email="bob@example.com", password="short", name="Bob", base_url=BASE
        )
    with pytest.raises(InvalidInput):
        await accounts.customer_signup(
            deps,
            email="bob@example.com",
            password=PASSWORD,
            name="Bob",
            timezone="Mars/Base",
            base_url=BASE,
        )


async def test_guest_orders_join_the_account_at_verification_not_at_signup(shop: Shop) -> None:
    await shop.add_warehouse("AMS", "EU-WEST", "NL")
    await shop.add_product("SKU-1", "10.00")
    await shop.receive("SKU-1", "AMS", 5)
    order_id = await shop.confirmed_order([("SKU-1", 1)])  # a guest order by ann@example.com
    deps = shop.deps
    customer_id = await signup(deps)
    assert shop.store.order(order_id).customer_id is None
    verified = await accounts.verify_customer_email(
        deps, token=link_token(shop, NotificationType.EMAIL_VERIFICATION)
    )
    assert verified.linked_order_ids == [order_id]
    assert shop.store.order(order_id).customer_id == customer_id
    [stored] = shop.store.customers
    assert stored.email_verified_at is not None


async def test_a_verification_link_works_once_and_not_after_48_hours(
    shop: Shop, deps: Deps
) -> None:
    await signup(deps)
    raw = link_token(shop, NotificationType.EMAIL_VERIFICATION)
    await accounts.verify_customer_email(deps, token=raw)
    with pytest.raises(InvalidToken):
        await accounts.verify_customer_email(deps, token=raw)
    with pytest.raises(InvalidToken):
        await accounts.verify_customer_email(deps, token="not-a-token")
    await signup(deps, "bob@example.com")
    late = link_token(shop, NotificationType.EMAIL_VERIFICATION)
    shop.clock.advance(timedelta(hours=48, seconds=1))
    with pytest.raises(TokenExpired):
        await accounts.verify_customer_email(deps, token=late)


async def test_a_reset_request_for_an_unknown_email_answers_the_same_and_mails_nothing(
    shop: Shop, deps: Deps
) -> None:
    await accounts.request_password_reset(deps, email="nobody@example.com", base_url=BASE)
    assert shop.store.state.notifications == {}


async def test_a_reset_sets_the_password_once_and_signs_every_session_out(
    shop: Shop, deps: Deps
) -> None:
    await signup(deps)
    session = await customer_login(deps, email="ann@example.com", password=PASSWORD)
    await accounts.request_password_reset(deps, email="ann@example.com", base_url=BASE)
    raw = link_token(shop, NotificationType.PASSWORD_RESET)
    with pytest.raises(PasswordTooWeak):
        await accounts.reset_password(deps, token=raw, password="short")
    await accounts.reset_password(deps, token=raw, password="a brand new secret")
    with pytest.raises(InvalidToken):
        await accounts.reset_password(deps, token=raw, password="another new secret")
    [stored] = shop.store.customers
    assert stored.password_hash
    assert verify_password(stored.password_hash, "a brand new secret")
    assert stored.email_verified_at is not None  # the mailed link proved the address
    assert shop.store.state.tokens[session.id].revoked_at is not None


async def test_a_reset_link_expires_after_an_hour(shop: Shop, deps: Deps) -> None:
    await signup(deps)
    await accounts.request_password_reset(deps, email="ann@example.com", base_url=BASE)
    raw = link_token(shop, NotificationType.PASSWORD_RESET)
    shop.clock.advance(timedelta(minutes=61))
    with pytest.raises(TokenExpired):
        await accounts.reset_password(deps, token=raw, password="a brand new secret")


async def test_reset_requests_are_throttled_per_account(deps: Deps) -> None:
    for _ in range(5):
        await accounts.request_password_reset(deps, email="ann@example.com", base_url=BASE)
    with pytest.raises(TooManyAttempts):
        await accounts.request_password_reset(deps, email="ann@example.com", base_url=BASE)


async def test_change_password_needs_the_current_one_and_keeps_only_this_session(
    shop: Shop, deps: Deps
) -> None:
    customer_id = await signup(deps)
    this = await customer_login(deps, email="ann@example.com", password=PASSWORD)
    other = await customer_login(deps, email="ann@example.com", password=PASSWORD)
    me = Principal(role=Role.CUSTOMER, name="ann", token_id=this.id, customer_id=customer_id)
    with pytest.raises(InvalidInput) as wrong:
        await accounts.change_password(
            deps, me, current_password="wrong password", new_password="a brand new secret"
        )
    assert wrong.value.code == "INVALID_CREDENTIALS"
    await accounts.change_password(
        deps, me, current_password=PASSWORD, new_password="a brand new secret"
    )
    tokens = shop.store.state.tokens
    assert tokens[this.id].revoked_at is None
    assert tokens[other.id].revoked_at is not None
    with pytest.raises(Forbidden):
        await accounts.change_password(
            deps, Principal(role=Role.STAFF), current_password="x", new_password="y" * 8
        )


async def test_update_me_changes_only_the_fields_given(shop: Shop, deps: Deps) -> None:
    customer_id = await signup(deps)
    updated = await address_book.update_me(
        deps, customer_of(customer_id), name="Ann Smith", timezone="Europe/Amsterdam"
    )
    assert (updated.name, updated.locale, updated.timezone) == (
        "Ann Smith",
        "nl-NL",
        "Europe/Amsterdam",
    )
    cleared = await address_book.update_me(deps, customer_of(customer_id), locale=None)
    assert cleared.locale is None
    assert cleared.name == "Ann Smith"


async def test_the_address_book_keeps_one_default_and_hides_other_customers_addresses(
    shop: Shop, deps: Deps
) -> None:
    ann = customer_of(await signup(deps))
    bob = customer_of(await signup(deps, "bob@example.com"))
    first = await address_book.add_customer_address(deps, ann, address=home())
    second = await address_book.add_customer_address(
        deps, ann, address=home("Utrecht"), is_default_shipping=True
    )
    book = sorted(shop.store.state.addresses.values(), key=lambda a: a.id)
    assert [(a.id, a.is_default) for a in book] == [(first, False), (second, True)]
    with pytest.raises(NotFound):
        await address_book.update_customer_address(deps, bob, address_id=first, address=home())
    with pytest.raises(NotFound):
        await address_book.delete_customer_address(deps, bob, address_id=first)
    await address_book.update_customer_address(deps, ann, address_id=first, address=home("Leiden"))
    await address_book.delete_customer_address(deps, ann, address_id=second)
    [left] = [a for a in shop.store.state.addresses.values() if a.customer_id == ann.customer_id]
    assert left.id == first
    assert left.is_default
    assert left.address.city == "Leiden"
