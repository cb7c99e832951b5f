"""Mailed account links on real PostgreSQL: a token works once even when used concurrently."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import customers, notifications
from ordergraph.domain.accounts import InvalidToken
from ordergraph.domain.errors import DomainError
from ordergraph.services import accounts
from ordergraph.services.deps import Deps

BASE = "https://shop.example"


async def mailed(engine: AsyncEngine, kind: str) -> str:
    async with engine.connect() as conn:
        data = await conn.scalar(
            sa.select(notifications.c.data)
            .where(notifications.c.type == kind)
            .order_by(notifications.c.id.desc())
            .limit(1)
        )
    assert isinstance(data, dict)
    return str(data["action_url"]).rsplit("/", 1)[1]


async def test_two_concurrent_resets_with_one_link_set_exactly_one_password(
    pg_engine: AsyncEngine, pg_deps: Deps
) -> None:
    await accounts.customer_signup(
        pg_deps, email="race@example.com", password="first password", name="R", base_url=BASE
    )
    await accounts.request_password_reset(pg_deps, email="race@example.com", base_url=BASE)
    token = await mailed(pg_engine, "PASSWORD_RESET")

    results = await asyncio.gather(
        *(
            accounts.reset_password(pg_deps, token=token, password=f"new password {n}")
            for n in range(4)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1
    assert len(lost) == 3
    assert all(isinstance(e, InvalidToken) for e in lost), lost


async def test_verification_is_recorded_once_and_the_mail_row_commits_with_the_account(
    pg_engine: AsyncEngine, pg_deps: Deps
) -> None:
    created = await accounts.customer_signup(
        pg_deps, email="once@example.com", password="first password", name="O", base_url=BASE
    )
    token = await mailed(pg_engine, "EMAIL_VERIFICATION")
    results = await asyncio.gather(
        accounts.verify_customer_email(pg_deps, token=token),
        accounts.verify_customer_email(pg_deps, token=token),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["InvalidToken", "Verified"]
    async with pg_engine.connect() as conn:
        verified_at = await conn.scalar(
            sa.select(customers.c.email_verified_at).where(customers.c.id == created.id)
        )
        mails = await conn.scalar(
            sa.select(sa.func.count()).where(notifications.c.customer_id == created.id)
        )
    assert verified_at is not None
    assert mails == 1
