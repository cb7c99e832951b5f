"""Hardening over real HTTP: the DateTime scalar, masked errors with a request id, production
mode (no introspection, no suggestions), security headers and CSP, no personal data in logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
import sqlalchemy as sa

from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api

PRODUCTION = {
    "ORDERGRAPH_ENV": "production",
    "ORDERGRAPH_SECRET_KEY": "s" * 40,
    # production refuses the test gateway; these tests take no payment, so the keys are unused
    "ORDERGRAPH_PAYMENT_GATEWAY": "stripe",
    "ORDERGRAPH_STRIPE_API_KEY": "sk_live_unused_by_these_tests",
    "ORDERGRAPH_STRIPE_WEBHOOK_SECRET": "whsec_unused_by_these_tests",
    # production refuses the dev mailbox; these tests send no customer mail
    "ORDERGRAPH_NOTIFICATIONS_ENABLED": "false",
}
LEAKS = ("Traceback", "SELECT", "sqlalchemy", "asyncpg", "relation", ".py", 'File "')


@pytest.fixture(scope="module")
def broken_url(databases: Databases) -> str:
    """A database whose warehouses table is gone: reading warehouses is an unexpected error."""
    url = databases.new_postgres()

    async def move() -> None:
        dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("ALTER TABLE warehouses RENAME TO warehouses_moved")
        finally:
            await conn.close()

    from tests.support.aio import run_sync

    run_sync(move)
    return url


@pytest.fixture(scope="module")
def development(broken_url: str) -> Iterator[LiveApi]:
    with live_api("postgresql", broken_url) as api:
        yield api


@pytest.fixture(scope="module")
def production(broken_url: str) -> Iterator[LiveApi]:
    with live_api("postgresql", broken_url, **PRODUCTION) as api:
        yield api


@pytest.fixture
async def dev_http(development: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=development.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def prod_http(production: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=production.base_url, timeout=30) as client:
        yield client


BROKEN = "{ warehouses(first: 1) { nodes { code } } }"


async def _post(http: httpx.AsyncClient, token: str | None, query: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query}, headers=headers)


async def test_an_unexpected_error_is_masked_for_staff_in_development_with_the_request_id(
    dev_http: httpx.AsyncClient, development: LiveApi, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ordergraph.errors"):
        response = await _post(dev_http, development.staff_token, BROKEN)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert not any(leak in response.text for leak in LEAKS)
    logged = [r.getMessage() for r in caplog.records if r.name == "ordergraph.errors"]
    assert any(request_id in line and "ProgrammingError" in line for line in logged)


async def test_an_admin_in_development_sees_the_message_but_production_masks_it_for_everyone(
    dev_http: httpx.AsyncClient,
    prod_http: httpx.AsyncClient,
    development: LiveApi,
    production: LiveApi,
) -> None:
    dev = (await _post(dev_http, development.admin_token, BROKEN)).json()["errors"][0]
    assert dev["message"] != "Unexpected error."
    assert dev["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    response = await _post(prod_http, production.admin_token, BROKEN)
    (prod,) = response.json()["errors"]
    assert prod["message"] == "Unexpected error."
    assert prod["extensions"]["requestId"] == response.headers["x-request-id"]
    assert not any(leak in response.text for leak in LEAKS)


async def test_a_client_request_id_is_kept_and_a_bad_one_replaced(
    dev_http: httpx.AsyncClient,
) -> None:
    kept = await dev_http.get("/healthz", headers={"X-Request-Id": "lb-0123456789abcdef"})
    assert kept.headers["x-request-id"] == "lb-0123456789abcdef"
    replaced = await dev_http.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_production_hides_the_schema_introspection_and_suggestions(
    dev_http: httpx.AsyncClient,
    prod_http: httpx.AsyncClient,
    development: LiveApi,
    production: LiveApi,
) -> None:
    typo = "{ prodcts(first: 1) { nodes { sku } } }"
    dev = (await _post(dev_http, development.admin_token, typo)).json()["errors"][0]
    assert "Did you mean" in dev["message"]
    prod = (await _post(prod_http, production.admin_token, typo)).json()["errors"][0]
    assert "Did you mean" not in prod["message"]
    assert "products" not in prod["message"]
    introspect = await _post(prod_http, production.admin_token, "{ __schema { types { name } } }")
    assert "errors" in introspect.json()
    assert "types" not in (introspect.json().get("data") or {})
    ide = await prod_http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in ide.text.lower()


async def test_every_response_carries_security_headers_and_production_adds_hsts(
    dev_http: httpx.AsyncClient, prod_http: httpx.AsyncClient, development: LiveApi
) -> None:
    api = await _post(dev_http, development.admin_token, "{ __typename }")
    for response in (api, await dev_http.get("/healthz"), await dev_http.get("/t/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert api.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in api.headers
    prod = await prod_http.get("/healthz")
    assert prod.headers["strict-transport-security"].startswith("max-age=")


async def test_the_graphiql_and_tracking_pages_have_their_own_strict_csp(
    dev_http: httpx.AsyncClient,
) -> None:
    ide = await dev_http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200
    csp = ide.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp
    assert "unsafe-eval" not in csp
    assert "connect-src 'self'" in csp
    missing = await dev_http.get("/t/nope", headers={"Accept": "text/html"})
    page_csp = missing.headers["content-security-policy"]
    assert page_csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src" not in page_csp


async def test_customer_emails_and_tokens_never_reach_the_log(
    dev_http: httpx.AsyncClient, development: LiveApi, caplog: pytest.LogCaptureFixture
) -> None:
    email = "private.person@example.com"
    admin = GraphQLClient(dev_http, development.admin_token)
    with caplog.at_level(logging.DEBUG):
        await admin.execute(
            f'mutation {{ createCustomer(input: {{email: "{email}", name: "P", '
            'password: "long secret 1"}) { userErrors { code } } }'
        )
        await admin.execute(
            f'mutation {{ customerLogin(input: {{email: "{email}", password: "long secret 2"}}) '
            "{ token } }"
        )
        await dev_http.post(
            "/graphql", json={"query": "{ x }"}, headers={"Authorization": "Bearer og_ad_bogus"}
        )
        await dev_http.get(
            f"/graphql?query={{me{{email}}}}&variables=%7B%22e%22%3A%22{email}%22%7D"
        )
        await _post(dev_http, development.staff_token, BROKEN)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(r.getMessage() for r in server_side)
    assert "ProgrammingError" in text  # the unexpected error was logged, by type and request id
    for secret in (email, "long secret", "og_ad_bogus", development.admin_token):
        assert secret not in text


@pytest.fixture(scope="module")
def plain(databases: Databases) -> Iterator[LiveApi]:
    with live_api("postgresql", databases.new_postgres()) as api:
        yield api


@pytest.fixture
async def admin(plain: LiveApi) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=plain.base_url, timeout=30) as http:
        yield GraphQLClient(http, plain.admin_token)


async def test_a_naive_datetime_literal_is_bad_user_input(admin: GraphQLClient) -> None:
    result = await admin.execute(
        '{ analytics { leadTime(since: "2026-01-01T00:00:00") { orders } } }'
    )
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert "UTC offset" in result.errors[0]["message"]


async def test_a_naive_datetime_variable_is_bad_user_input(admin: GraphQLClient) -> None:
    result = await admin.execute(
        "query($s: DateTime) { analytics { leadTime(since: $s) { orders } } }",
        {"s": "2026-01-01T00:00:00"},
    )
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert "UTC offset" in result.errors[0]["message"]


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00"])
async def test_a_datetime_with_an_offset_is_accepted(admin: GraphQLClient, value: str) -> None:
    data = await admin.data(
        "query($s: DateTime) { analytics { leadTime(since: $s) { orders } } }", {"s": value}
    )
    assert data["analytics"]["leadTime"]["orders"] == 0


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "x" * 100])
async def test_garbage_is_bad_user_input_in_inputs_too(admin: GraphQLClient, value: str) -> None:
    result = await admin.execute(
        "query($f: OrderFilter) { orders(filter: $f) { totalCount } }",
        {"f": {"createdAfter": value}},
    )
    assert result.error_codes == ["BAD_USER_INPUT"]
    naive = await admin.execute(
        '{ orders(filter: {createdBefore: "2026-01-01T00:00"}) { totalCount } }'
    )
    assert naive.error_codes == ["BAD_USER_INPUT"]


async def test_the_heaviest_accepted_query_costs_exactly_the_limit(admin: GraphQLClient) -> None:
    page = "products(first: {n}) {{ nodes {{ price {{ amount }} }} }}"  # 1 + n * 2 points
    heaviest = (
        "{ "
        + " ".join(f"a{i}: " + page.format(n=100) for i in range(9))
        + " b: "
        + page.format(n=95)
        + " }"
    )
    accepted = await admin.execute(heaviest)
    assert "errors" not in accepted.body
    assert accepted.body["extensions"]["cost"]["requestedQueryCost"] == 2000
    one_more = heaviest[:-1] + ' c: product(sku: "none") { sku } }'
    refused = await admin.execute(one_more)
    assert refused.error_codes == ["QUERY_TOO_COSTLY"]
    assert refused.errors[0]["extensions"]["requestedQueryCost"] == 2001


async def test_the_dev_mailbox_exists_in_development_only(
    dev_http: httpx.AsyncClient, prod_http: httpx.AsyncClient
) -> None:
    assert (await dev_http.get("/dev/mailbox")).status_code == 200
    assert (await prod_http.get("/dev/mailbox")).status_code == 404
