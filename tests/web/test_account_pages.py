"""The pages mailed account links open, over real HTTP: GET shows a form and changes nothing,
POST verifies or resets; the token never leaks through a referrer or a cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import customers, notifications
from tests.support.databases import Databases
from tests.support.live import LiveApi, live_api

SIGNUP = """
mutation($input: CustomerSignupInput!) { customerSignup(input: $input) { userErrors { code } } }"""
RESET = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { userErrors { code } } }"""
LOGIN = """
mutation($input: CustomerLoginInput!) { customerLogin(input: $input) { token } }"""
EMAIL = "page@example.com"


@pytest.fixture(scope="module")
def live(databases: Databases) -> Iterator[LiveApi]:
    with live_api("postgresql", databases.new("postgresql")) as api:
        yield api


@pytest.fixture
async def http(live: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


async def graphql(http: httpx.AsyncClient, query: str, values: dict[str, str]) -> object:
    answer = await http.post("/graphql", json={"query": query, "variables": {"input": values}})
    assert answer.status_code == 200
    return answer.json()["data"]


async def scalar(live: LiveApi, statement: sa.Select[tuple[object]]) -> object:
    engine = create_engine(live.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(statement)
    finally:
        await engine.dispose()


async def link(live: LiveApi, kind: str) -> str:
    data = await scalar(
        live,
        sa.select(notifications.c.data)
        .where(notifications.c.type == kind)
        .order_by(notifications.c.id.desc())
        .limit(1),
    )
    assert isinstance(data, dict)
    url = str(data["action_url"])
    assert url.startswith(live.base_url)
    return url.removeprefix(live.base_url)


def assert_private_page(page: httpx.Response) -> None:
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert 'name="viewport"' in page.text


async def test_the_verify_page_asks_first_and_verifies_only_on_post(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    await graphql(
        http, SIGNUP, {"email": EMAIL, "password": "correct horse battery", "name": "Page"}
    )
    path = await link(live, "EMAIL_VERIFICATION")
    verified = sa.select(customers.c.email_verified_at).where(customers.c.email == EMAIL)

    shown = await http.get(path)
    assert shown.status_code == 200
    assert_private_page(shown)
    assert '<form method="post">' in shown.text
    assert await scalar(live, verified) is None  # a prefetching mail scanner verifies nothing

    done = await http.post(path)
    assert done.status_code == 200
    assert "your email is verified" in done.text
    assert await scalar(live, verified) is not None
    again = await http.post(path)
    assert again.status_code == 400
    assert "not valid" in again.text


async def test_the_reset_page_sets_a_new_password_from_its_form(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    email = "reset-page@example.com"
    await graphql(http, SIGNUP, {"email": email, "password": "correct horse battery", "name": "R"})
    await graphql(http, RESET, {"email": email})
    path = await link(live, "PASSWORD_RESET")

    shown = await http.get(path)
    assert shown.status_code == 200
    assert_private_page(shown)
    assert 'type="password"' in shown.text
    assert 'autocomplete="new-password"' in shown.text

    differ = await http.post(path, data={"password": "brand new one", "confirm": "other one!"})
    assert differ.status_code == 400
    assert "differ" in differ.text
    short = await http.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "at least 8" in short.text

    done = await http.post(path, data={"password": "brand new one", "confirm": "brand new one"})
    assert done.status_code == 200
    assert "Password changed" in done.text
    signed_in = await graphql(http, LOGIN, {"email": email, "password": "brand new one"})
    assert isinstance(signed_in, dict)
    assert signed_in["customerLogin"]["token"]
    replay = await http.post(path, data={"password": "third one!!", "confirm": "third one!!"})
    assert replay.status_code == 400
