"""CSV import throughput: 10,000 products and 10,000 stock counts, against one-row-at-a-time.

Run from the repository root::

    .venv/bin/python -m bench.import_bench [--rows N] [--baseline N] [--url URL] [--no-sqlite]

It generates the files, then times, on PostgreSQL (a throwaway ``tests.support.pg`` cluster
unless ``--url`` names an empty database) and on a SQLite file:

- the baseline: ``--baseline`` rows through the single-row service path (``create_product``,
  one transaction per product; ``stock_ledger.count`` one transaction per level), scaled to
  ``--rows``;
- ``import products`` (all new, then all unchanged, then all updated) and ``import inventory``
  (all new levels, then every count changed) through ``services.catalog_import`` — the CLI's
  code path without the process start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.catalog_import import read_table
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.import_formats import INVENTORY_COLUMNS, PRODUCT_COLUMNS
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog, stock_ledger
from ordergraph.services.catalog_import import IMPORT_ACTOR, import_products
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.stock_import import import_inventory

WAREHOUSES = ("BENCH-A", "BENCH-B", "BENCH-C", "BENCH-D")
HEADER = "sku,name,price,currency,weight_grams\n"


def products_csv(rows: int, price_cents: int) -> str:
    lines = (
        f"IMP-{i:06d},Imported product {i},{(price_cents + i % 100) / 100:.2f},EUR,{i % 2000}\n"
        for i in range(rows)
    )
    return HEADER + "".join(lines)


def inventory_csv(rows: int, base: int) -> str:
    """``rows`` levels: the first rows/len(WAREHOUSES) SKUs in every bench warehouse."""
    per_warehouse = -(-rows // len(WAREHOUSES))
    lines = [
        f"IMP-{i:06d},{code},{base + i % 50}\n" for code in WAREHOUSES for i in range(per_warehouse)
    ]
    return "sku,warehouse,on_hand\n" + "".join(lines[:rows])


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


def line(label: str, rows: int, seconds: float, baseline: float | None) -> str:
    ratio = f"  {baseline / seconds:6.1f}x faster than one by one" if baseline else ""
    return f"  {label:<38} {rows:>6} rows {seconds:7.2f} s {rows / seconds:9.0f} rows/s{ratio}"


async def bench(url: str, label: str, rows: int, baseline_rows: int) -> None:
    await upgrade(url)
    engine: AsyncEngine = create_engine(url, pool_size=2)
    clock = SystemClock()
    deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
    try:
        for code in WAREHOUSES:
            await catalog.create_warehouse(
                deps, SYSTEM, code=code, name=code, region="EU-WEST", country_code="NL"
            )

        # baseline: the single-row service path, one transaction per row
        async def one_by_one_products() -> None:
            for i in range(baseline_rows):
                await catalog.create_product(
                    deps,
                    SYSTEM,
                    sku=f"BASE-{i:06d}",
                    name=f"Base {i}",
                    price_amount="9.99",
                    price_currency="EUR",
                )

        base_products = await timed(one_by_one_products) * rows / baseline_rows
        warehouses = {w.code: w.id for w in await _warehouses(deps)}

        async def one_by_one_counts() -> None:
            for i in range(baseline_rows):

                async def count(uow: object, i: int = i) -> None:
                    await stock_ledger.count(
                        uow,
                        sku=f"BASE-{i:06d}",
                        warehouse_id=warehouses["BENCH-A"],
                        on_hand=5,
                        actor="bench",
                        note="baseline",
                        now=clock.now(),
                    )

                await in_transaction(deps, count)  # type: ignore[arg-type]

        base_counts = await timed(one_by_one_counts) * rows / baseline_rows

        async def imported(kind: str, text: str) -> float:
            started = time.perf_counter()
            if kind == "products":
                table = read_table(text, PRODUCT_COLUMNS)
                report = await import_products(deps, IMPORT_ACTOR, table)
            else:
                table = read_table(text, INVENTORY_COLUMNS)
                report = await import_inventory(deps, IMPORT_ACTOR, table, source="bench.csv")
            seconds = time.perf_counter() - started
            if report.errors:
                raise SystemExit(f"{kind}: unexpected row errors: {report.error_lines()[:5]}")
            return seconds

        print(f"{label}: {rows} rows per file, baseline {baseline_rows} rows one by one, scaled")
        print(line("createProduct one by one (scaled)", rows, base_products, None))
        for what, text in (
            ("import products: all new", products_csv(rows, 999)),
            ("import products: all unchanged", products_csv(rows, 999)),
            ("import products: all updated", products_csv(rows, 1999)),
        ):
            print(line(what, rows, await imported("products", text), base_products))
        print(line("stock_ledger.count one by one (scaled)", rows, base_counts, None))
        for what, text in (
            ("import inventory: all new levels", inventory_csv(rows, 10)),
            ("import inventory: every count changed", inventory_csv(rows, 100)),
        ):
            print(line(what, rows, await imported("inventory", text), base_counts))
    finally:
        await engine.dispose()


async def _warehouses(deps: Deps) -> list[catalog.Warehouse]:
    async with deps.uow() as uow:
        return await uow.warehouses.list_all()


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file (default 10,000)")
    parser.add_argument("--baseline", type=int, default=500, help="rows one by one (default 500)")
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+asyncpg://…)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    if args.url:
        asyncio.run(bench(args.url, "PostgreSQL", args.rows, args.baseline))
    else:
        from tests.support.pg import start_cluster

        cluster = start_cluster()
        try:
            asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
            asyncio.run(bench(cluster.url("bench"), "PostgreSQL", args.rows, args.baseline))
        finally:
            cluster.stop()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            asyncio.run(bench(url, "SQLite", args.rows, args.baseline))


if __name__ == "__main__":
    main()
