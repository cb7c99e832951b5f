"""A bounded schemathesis fuzz run against a live server: generated queries and mutations,
with an admin token and with none. No 5xx, and no internal detail in any answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import hypothesis
import pytest
import schemathesis
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.databases import Databases
from tests.support.live import LiveApi, live_api

CASES_PER_CALLER = 200


def _string(value: str) -> StringValueNode:
    return StringValueNode(value=value)


# Our custom scalars: well-formed values and garbage alike (the server must refuse garbage
# with a clean error, never a 500).
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.sampled_from(["1e999999", "-0", "NaN", "12.345678901234567890", ""]),
        st.text(max_size=20),
    ).map(_string),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat()),  # naive: must be BAD_USER_INPUT
        st.text(max_size=30),
    ).map(_string),
)
schemathesis.graphql.scalar(
    "JSON", st.text(max_size=20).map(lambda text: StringValueNode(value=text))
)
# What an answer must never contain: stack traces, SQL, driver or framework names, file paths.
LEAK = re.compile(
    r"Traceback|File \"|\.py\b|sqlalchemy|asyncpg|aiosqlite|psycopg|SELECT |INSERT |UPDATE |"
    r"DELETE FROM|strawberry\.|graphql\.error|KeyError|AttributeError|TypeError\(",
)


@dataclass
class Tally:
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def server(databases: Databases) -> Iterator[LiveApi]:
    with live_api("postgresql", databases.new_postgres()) as api:
        yield api


@pytest.mark.slow
@pytest.mark.scale
@pytest.mark.parametrize("caller", ["admin", "anonymous"])
def test_generated_operations_never_get_a_5xx_nor_leak_internals(
    server: LiveApi, caller: str
) -> None:
    schema = schemathesis.graphql.from_url(f"{server.base_url}/graphql")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 40  # every query and mutation root field
    headers = {"Authorization": f"Bearer {server.admin_token}"} if caller == "admin" else {}
    tally = Tally()

    @settings(
        max_examples=CASES_PER_CALLER,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of([operation.as_strategy() for operation in operations]))
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=server.base_url, headers=headers, timeout=30)
        tally.cases += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{response.status_code} {case.body!r}")
        if LEAK.search(response.text):
            tally.leaks.append(f"{case.body!r} -> {response.text[:300]}")

    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(f"\nfuzz ({caller}): {tally.cases} cases in {elapsed:.1f} s, statuses {tally.statuses}")
    assert tally.cases >= CASES_PER_CALLER * 0.9
    assert tally.server_errors == []
    assert tally.leaks == []
