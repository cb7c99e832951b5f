"""Customer accounts: sign-up, email verification, password reset and change.

A mailed link carries a random token; only its SHA-256 digest is stored (``customer_tokens``),
it works once, and it expires (48 h to verify, 1 h to reset). The mail is a notification row
written in the same transaction as the token, so a link is never mailed for a token that was
not stored, nor stored without its mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from ordergraph.auth.passwords import hash_password, verify_password
from ordergraph.auth.tokens import hash_token
from ordergraph.domain.accounts import (
    InvalidToken,
    TokenPurpose,
    check_new_password,
    check_token,
    clean_locale,
    clean_timezone,
)
from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import Duplicate, Forbidden, InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.notifications import NotificationRequest, NotificationType
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.validation import clean_email
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.throttle import ThrottleRule

MAX_TOKEN = 200
LINK_PATHS = {TokenPurpose.VERIFY_EMAIL: "verify", TokenPurpose.RESET_PASSWORD: "reset"}
MAILS = {
    TokenPurpose.VERIFY_EMAIL: NotificationType.EMAIL_VERIFICATION,
    TokenPurpose.RESET_PASSWORD: NotificationType.PASSWORD_RESET,
}


@dataclass(frozen=True, slots=True)
class Verified:
    customer_id: int
    linked_order_ids: list[int]


def _rule(deps: Deps, name: str, *, per_account: bool) -> ThrottleRule:
    """Sign-up and reset take from buckets of their own, shaped like the sign-in ones."""
    rules = deps.throttle.rules
    base = rules.login_account if per_account else rules.login_address
    return ThrottleRule(name, base.tiers)


async def _issue_link(
    deps: Deps, uow: UnitOfWork, customer: Customer, purpose: TokenPurpose, base_url: str
) -> None:
    """Store a one-time token's digest and write the mail carrying it, in ``uow``."""
    assert customer.id is not None
    raw = secrets.token_urlsafe(32)
    now = deps.clock.now()
    expires_at = now + deps.accounts.lifetime(purpose)
    token_id = await uow.accounts.add_token(
        customer_id=customer.id,
        purpose=purpose,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=expires_at,
    )
    kind = MAILS[purpose]
    await uow.notifications.enqueue(
        NotificationRequest(
            type=kind,
            recipient=customer.email,
            key=f"{kind.value}:{customer.id}:{token_id}",
            locale=customer.locale,
            customer_id=customer.id,
            data={
                "action_url": f"{base_url.rstrip('/')}/account/{LINK_PATHS[purpose]}/{raw}",
                "expires_at": expires_at.isoformat(),
                "name": customer.name,
            },
        ),
        now,
    )


async def customer_signup(
    deps: Deps,
    *,
    email: str,
    password: str,
    name: str,
    locale: str | None = None,
    timezone: str | None = None,
    base_url: str,
    client: str = "unknown",
) -> Customer:
    """A new CUSTOMER account, unverified, and the mail with its verification link.

    A taken email is a ``DUPLICATE`` error (as Shopify answers); the per-address throttle keeps
    that from becoming a fast way to list who has an account."""
    await deps.throttle.check(
        deps.clock, _rule(deps, "signup-address", per_account=False), client, field=["email"]
    )
    check_new_password(password, ["password"])
    customer = Customer.create(
        email=email, name=name, phone=None, address=None, now=deps.clock.now()
    )
    customer.locale = clean_locale(locale, ["locale"])
    customer.timezone = clean_timezone(timezone, ["timezone"])
    customer.password_hash = hash_password(password)

    async def run(uow: UnitOfWork) -> Customer:
        if await uow.customers.get_by_email(customer.email) is not None:
            raise Duplicate("an account with this email exists; sign in", field=["email"])
        stored = await uow.customers.add(replace(customer))
        assert stored.id is not None
        uow.record(DomainEvent("customer.created", "Customer", stored.id, actor="customer:signup"))
        await _issue_link(deps, uow, stored, TokenPurpose.VERIFY_EMAIL, base_url)
        return stored

    return await in_transaction(deps, run)


async def _verify(deps: Deps, uow: UnitOfWork, customer: Customer) -> list[int]:
    """Mark the email verified and, the first time only, give it its guest orders."""
    assert customer.id is not None
    now = deps.clock.now()
    if not await uow.accounts.mark_email_verified(customer.id, now):
        return []
    linked = await uow.accounts.link_guest_orders(customer.id, customer.email, now)
    uow.record(
        DomainEvent(
            "customer.email_verified",
            "Customer",
            customer.id,
            {"linkedOrders": len(linked)},
            actor=f"customer:{customer.id}",
        )
    )
    return linked


async def _redeem(deps: Deps, uow: UnitOfWork, token: str, purpose: TokenPurpose) -> Customer:
    """The customer a valid, unused token of ``purpose`` belongs to; the token is used up."""
    field = ["token"]
    if not token or len(token) > MAX_TOKEN:
        raise InvalidToken("this link is not valid", field=field)
    found = await uow.accounts.token_by_hash(hash_token(token.strip()))
    now = deps.clock.now()
    checked = check_token(found, purpose, now, field)
    customer = await uow.customers.get(checked.customer_id)
    if customer is None or customer.erased_at is not None:
        raise InvalidToken("this link is not valid", field=field)
    if not await uow.accounts.use_token(checked.id, now):
        raise InvalidToken("this link was used already", field=field)
    return customer


async def verify_customer_email(deps: Deps, *, token: str) -> Verified:
    """Follow a verification link: the email is verified, guest orders with it are linked."""

    async def run(uow: UnitOfWork) -> Verified:
        customer = await _redeem(deps, uow, token, TokenPurpose.VERIFY_EMAIL)
        assert customer.id is not None
        return Verified(customer.id, await _verify(deps, uow, customer))

    return await in_transaction(deps, run)


async def request_password_reset(
    deps: Deps, *, email: str, base_url: str, client: str = "unknown"
) -> None:
    """Mail a reset link if an account has this email; the answer is the same either way."""
    await deps.throttle.check(
        deps.clock, _rule(deps, "reset-address", per_account=False), client, field=["email"]
    )
    await deps.throttle.check(
        deps.clock,
        _rule(deps, "reset-account", per_account=True),
        email.strip().lower()[:320],
        field=["email"],
    )
    address = clean_email(email, ["email"])

    async def run(uow: UnitOfWork) -> None:
        customer = await uow.customers.get_by_email(address)
        if customer is not None and customer.erased_at is None:
            await _issue_link(deps, uow, customer, TokenPurpose.RESET_PASSWORD, base_url)

    await in_transaction(deps, run)


async def reset_password(deps: Deps, *, token: str, password: str) -> int:
    """Set a new password from a reset link; every session of the customer is revoked.

    The link came by mail, so it also proves the email: an unverified one becomes verified."""
    check_new_password(password, ["password"])
    password_hash = hash_password(password)

    async def run(uow: UnitOfWork) -> int:
        customer = await _redeem(deps, uow, token, TokenPurpose.RESET_PASSWORD)
        assert customer.id is not None
        now = deps.clock.now()
        await uow.accounts.set_password(customer.id, password_hash)
        await uow.accounts.retire_tokens(customer.id, TokenPurpose.RESET_PASSWORD, now)
        revoked = await uow.accounts.revoke_sessions(customer.id, now)
        await _verify(deps, uow, customer)
        uow.record(
            DomainEvent(
                "customer.password_reset",
                "Customer",
                customer.id,
                {"sessionsRevoked": revoked},
                actor=f"customer:{customer.id}",
            )
        )
        return customer.id

    return await in_transaction(deps, run)


def signed_in_customer(actor: Principal) -> int:
    """The customer behind a CUSTOMER token; anyone else may not use account mutations."""
    if actor.customer_id is None:
        raise Forbidden("this needs a customer's sign-in token (customerLogin)")
    return actor.customer_id


async def change_password(
    deps: Deps, actor: Principal, *, current_password: str, new_password: str
) -> Customer:
    """Replace the password after checking the current one; other sessions are revoked."""
    customer_id = signed_in_customer(actor)
    await deps.throttle.check(
        deps.clock,
        _rule(deps, "change-password", per_account=True),
        str(customer_id),
        field=["currentPassword"],
    )
    check_new_password(new_password, ["newPassword"])
    new_hash = hash_password(new_password)

    async def run(uow: UnitOfWork) -> Customer:
        customer = await uow.customers.get(customer_id)
        if customer is None or customer.erased_at is not None:
            raise NotFound("no such customer")
        current_ok = customer.password_hash is not None and verify_password(
            customer.password_hash, current_password[:200]
        )
        if not current_ok:
            raise InvalidInput(
                "the current password is wrong",
                field=["currentPassword"],
                code="INVALID_CREDENTIALS",
            )
        now = deps.clock.now()
        await uow.accounts.set_password(customer_id, new_hash)
        revoked = await uow.accounts.revoke_sessions(customer_id, now, keep_token_id=actor.token_id)
        await uow.accounts.retire_tokens(customer_id, TokenPurpose.RESET_PASSWORD, now)
        uow.record(
            DomainEvent(
                "customer.password_changed",
                "Customer",
                customer_id,
                {"sessionsRevoked": revoked},
                actor=actor.actor,
            )
        )
        return customer

    return await in_transaction(deps, run)
