"""``ordergraph export orders``: the real console script on a migrated, seeded SQLite file."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from ordergraph.db import tables
from ordergraph.domain.order_export import COLUMNS
from tests.e2e.test_cli import SHORT_HISTORY, run_cli
from tests.support.aio import run_sync


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A SQLite file made by ``ordergraph migrate`` and ``seed --demo``, and a clean cwd."""
    cwd = tmp_path_factory.mktemp("export")
    url = f"sqlite+aiosqlite:///{cwd / 'demo.db'}"
    run_cli("migrate", database_url=url, cwd=cwd)
    run_cli("seed", "--demo", *SHORT_HISTORY, database_url=url, cwd=cwd)
    return url, cwd


def stored_totals(url: str) -> dict[str, int]:
    """Each order's number and stored total in minor units, as the database has them."""

    async def read() -> dict[str, int]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                query = sa.select(tables.orders.c.number, tables.orders.c.total_minor)
                return {number: total for number, total in await conn.execute(query)}
        finally:
            await engine.dispose()

    return run_sync(read)


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def test_the_csv_export_has_every_demo_order_with_its_stored_total(
    demo: tuple[str, Path],
) -> None:
    url, cwd = demo
    result = run_cli("export", "orders", database_url=url, cwd=cwd)
    header, rows = parse_csv(result.stdout)
    totals = stored_totals(url)

    assert header == list(COLUMNS)
    assert len(rows) == len(totals) > 0
    assert {r["number"]: Decimal(r["total"]) * 100 for r in rows} == totals
    assert [r["number"] for r in rows] == sorted(totals)  # numbers are issued in order
    assert all(r["currency"] and r["created_at"].endswith("+00:00") for r in rows)


def test_jsonl_to_a_file_holds_the_same_rows_as_csv(demo: tuple[str, Path]) -> None:
    url, cwd = demo
    output = cwd / "orders.jsonl"
    run_cli(
        "export", "orders", "--format", "jsonl", "--output", str(output), database_url=url, cwd=cwd
    )
    _header, from_csv = parse_csv(run_cli("export", "orders", database_url=url, cwd=cwd).stdout)
    from_jsonl = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]

    assert [{k: v or "" for k, v in r.items()} for r in from_jsonl] == from_csv


def test_since_and_until_bound_the_creation_time(demo: tuple[str, Path]) -> None:
    url, cwd = demo
    _header, rows = parse_csv(run_cli("export", "orders", database_url=url, cwd=cwd).stdout)
    middle = sorted(r["created_at"] for r in rows)[len(rows) // 2]

    def numbers(*args: str) -> set[str]:
        result = run_cli("export", "orders", *args, database_url=url, cwd=cwd)
        return {r["number"] for r in parse_csv(result.stdout)[1]}

    later, earlier = numbers("--since", middle), numbers("--until", middle)
    assert later
    assert earlier
    assert later | earlier == {r["number"] for r in rows}
    assert later & earlier == set()
    future = run_cli("export", "orders", "--since", "2999-01-01", database_url=url, cwd=cwd)
    assert future.stdout.splitlines() == [",".join(COLUMNS)]  # the header alone


def test_a_bad_date_is_a_usage_error(demo: tuple[str, Path]) -> None:
    url, cwd = demo
    result = run_cli("export", "orders", "--since", "soon", database_url=url, cwd=cwd, check=False)

    assert result.returncode == 2
    assert "--since must be an ISO 8601 date" in result.stderr
    assert result.stdout == ""
