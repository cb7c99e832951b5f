"""The checked-in schema.graphql is exactly what the code builds."""

from __future__ import annotations

import difflib
from pathlib import Path

from ordergraph.api import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_checked_in_schema_matches_the_schema_the_code_builds() -> None:
    # `ordergraph schema` prints build_schema().as_str() with click.echo, which adds one newline;
    # `make schema` redirects that into the file.
    expected = build_schema().as_str() + "\n"
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8")
    if checked_in != expected:
        diff = "".join(
            difflib.unified_diff(
                checked_in.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                fromfile="schema.graphql (checked in)",
                tofile="schema built from the code",
                n=2,
            )
        )
        raise AssertionError(
            "schema.graphql is out of date with the code: run `make schema` and commit the "
            f"result.\n{diff[:4000]}"
        )
