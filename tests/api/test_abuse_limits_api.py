"""Abuse limits over real HTTP: one password check per request, sign-in throttles shared by
every server on the database, bad-token throttling, query cost limits and budgets."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_customer_login_api import LOGIN, customer
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api

# a database shared by two servers, as two workers or two machines would share it
STRICT = {
    "ORDERGRAPH_BAD_TOKENS_PER_MINUTE_PER_ADDRESS": 2,  # burst of 4 bad tokens
    "ORDERGRAPH_MAX_QUERY_COST": 500,
    "ORDERGRAPH_QUERY_COST_BUDGET": 500,
    "ORDERGRAPH_QUERY_COST_RESTORE_RATE": 50,
}


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def pair(request: pytest.FixtureRequest, databases: Databases) -> Iterator[tuple[LiveApi, LiveApi]]:
    url = databases.new(request.param)
    with (
        live_api(request.param, url, **STRICT) as one,
        live_api(request.param, url, **STRICT) as two,
    ):
        yield one, two


OPEN: list[httpx.AsyncClient] = []


def client(api: LiveApi, token: str | None) -> GraphQLClient:
    http = httpx.AsyncClient(base_url=api.base_url, timeout=30)
    OPEN.append(http)
    return GraphQLClient(http, token)


@pytest.fixture(autouse=True)
async def close_clients() -> AsyncIterator[None]:
    yield
    while OPEN:
        await OPEN.pop().aclose()


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_thirty_aliased_sign_ins_make_one_password_check(
    pair: tuple[LiveApi, LiveApi], unique: str
) -> None:
    one, _ = pair
    admin = client(one, one.admin_token)
    email = f"alias-{unique.lower()}@example.com"
    await customer(admin, email, "the real password")
    aliases = " ".join(
        f'a{i}: customerLogin(input: {{email: "{email}", password: "guess {i}"}}) '
        "{ token userErrors { code message } }"
        for i in range(30)
    )
    anonymous = client(one, None)
    started = time.perf_counter()
    data = await anonymous.data(f"mutation {{ {aliases} }}")
    elapsed = time.perf_counter() - started
    results = [codes(data[f"a{i}"]) for i in range(30)]
    assert results[0] == ["INVALID_CREDENTIALS"]
    assert results[1:] == [["TOO_MANY_ATTEMPTS"]] * 29
    assert all(data[f"a{i}"]["token"] is None for i in range(30))
    assert elapsed < 3.0  # one Argon2 verification, not thirty (≈ 6 s on this machine)


async def test_an_account_locks_after_five_wrong_passwords_across_both_servers(
    pair: tuple[LiveApi, LiveApi], unique: str
) -> None:
    one, two = pair
    email = f"lock-{unique.lower()}@example.com"
    await customer(client(one, one.admin_token), email, "the real password")
    # signed in with a staff token (any token may call customerLogin): the anonymous query
    # budget of this address was spent by the aliases test, and is not what is tested here
    seen = []
    for i in range(6):
        server = one if i % 2 == 0 else two  # alternate: the bucket lives in the database
        payload = await client(server, server.staff_token).mutate(
            LOGIN, {"input": {"email": email, "password": f"wrong {i}"}}
        )
        seen.append(codes(payload))
    assert seen == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]
    right = await client(two, two.staff_token).mutate(
        LOGIN, {"input": {"email": email, "password": "the real password"}}
    )
    assert codes(right) == ["TOO_MANY_ATTEMPTS"]
    assert "try again in" in right["userErrors"][0]["message"]
    unknown = [
        codes(
            await client(one, one.staff_token).mutate(
                LOGIN, {"input": {"email": f"ghost-{unique.lower()}@example.com", "password": "x"}}
            )
        )
        for _ in range(6)
    ]
    assert unknown == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]]


async def test_bad_bearer_tokens_are_401_then_429_with_retry_after(
    pair: tuple[LiveApi, LiveApi],
) -> None:
    one, two = pair
    statuses = []
    for i in range(6):
        server = one if i % 2 == 0 else two
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"Authorization": f"Bearer og_ad_not-a-token-{i}"},
            )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
        # answered like every transport error: GraphQL's JSON error shape, with a code
        assert response.headers["content-type"].startswith("application/json")
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == (
            "THROTTLED" if response.status_code == 429 else "UNAUTHENTICATED"
        )
    assert statuses == [401, 401, 401, 401, 429, 429]
    async with httpx.AsyncClient(base_url=one.base_url) as http:
        good = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {one.admin_token}"},
        )
    assert good.status_code == 200  # a valid token from the same address still works


async def test_every_response_reports_its_cost_and_the_budget(
    pair: tuple[LiveApi, LiveApi],
) -> None:
    one, _ = pair
    admin = client(one, one.staff_token)
    result = await admin.execute(
        "{ products(first: 3) { nodes { sku price { amount } } } warehouses(first: 2) "
        "{ nodes { code } } }"
    )
    cost = result.body["extensions"]["cost"]
    # products: connection 1 + 3 * (node 1 + price 1); warehouses: 1 + 2 * 1
    assert cost["requestedQueryCost"] == 1 + 3 * 2 + 1 + 2
    assert cost["actualQueryCost"] <= cost["requestedQueryCost"]
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 500
    assert status["restoreRate"] == 50
    assert status["currentlyAvailable"] <= 500 - cost["requestedQueryCost"] + 50


async def test_a_query_over_the_cost_limit_is_refused_before_running(
    pair: tuple[LiveApi, LiveApi],
) -> None:
    one, _ = pair
    admin = client(one, one.admin_token)
    heavy = "{ orders(first: 100) { nodes { lines { product { sku } } } } }"
    result = await admin.execute(heavy)
    assert result.error_codes == ["QUERY_TOO_COSTLY"]
    assert result.errors[0]["extensions"]["requestedQueryCost"] == 1 + 100 * (1 + 5 * 2)
    assert result.errors[0]["extensions"]["maximumQueryCost"] == 500
    assert result.body["data"] is None
    variables = await admin.execute(
        "query($n: Int) { orders(first: $n) { nodes { lines { sku } } } }", {"n": 100}
    )
    assert variables.error_codes == ["QUERY_TOO_COSTLY"]
    light = await admin.execute("{ orders(first: 5) { nodes { lines { sku } } } }")
    assert "errors" not in light.body


async def test_an_exhausted_budget_is_throttled_until_it_refills(
    pair: tuple[LiveApi, LiveApi],
) -> None:
    one, two = pair
    storefront_one = client(one, one.storefront_token)
    storefront_two = client(two, two.storefront_token)  # same token: same bucket, any server
    # 201 points of a 500-point bucket refilled at 50 a second
    query = "{ products(first: 100) { nodes { sku price { amount } } } }"
    answers = []
    for i in range(12):
        result = await (storefront_one if i % 2 == 0 else storefront_two).execute(query)
        answers.append(result)
        if "errors" in result.body:
            break
    accepted = [a for a in answers if "errors" not in a.body]
    assert 2 <= len(accepted) <= 4
    refused = answers[-1]
    assert refused.error_codes == ["THROTTLED"]
    assert refused.errors[0]["extensions"]["retryAfterSeconds"] >= 1
    assert refused.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 201
