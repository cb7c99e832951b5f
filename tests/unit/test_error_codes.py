"""Every code the domain and services can raise is a member of the GraphQL ErrorCode enum.

A code missing from the enum would reach clients as the generic INVALID.
"""

from __future__ import annotations

import re
from pathlib import Path

import ordergraph
from ordergraph.schema.errors import ErrorCode

SOURCE = Path(ordergraph.__file__).parent
CODE = re.compile(r"""\bcode\s*=\s*["']([A-Z_]+)["']""")


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found.update(CODE.findall(path.read_text()))
    return found


def test_the_scan_finds_the_codes_it_should() -> None:
    assert {"OUT_OF_STOCK", "PAYMENT_DECLINED", "RETURN_WINDOW_CLOSED"} <= codes_in_source()


def test_every_raised_code_is_an_error_code_clients_can_see() -> None:
    graphql_only = {
        "BAD_USER_INPUT",
        "UNAUTHENTICATED",
        "GRAPHQL_VALIDATION_FAILED",
        "QUERY_TOO_COSTLY",
        "THROTTLED",
        "INTERNAL_SERVER_ERROR",
    }
    known = {member.value for member in ErrorCode} | graphql_only
    assert codes_in_source() - known == set()
