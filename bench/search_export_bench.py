"""Order search and the finance export over 100,000 orders on PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.search_export_bench [--orders N] [--runs N] [--json FILE] [--url URL]

It starts a throwaway ``tests.support.pg`` cluster (unless ``--url`` names an empty database),
migrates it, bulk-loads ``--orders`` orders with two lines each and a shipment for three in five
(asyncpg ``COPY``, not placeOrder), and ANALYZEs. Then:

- search: ``orders(filter: {query})`` as the API runs it — ``orders_query`` and the keyset page
  of 20 (``fetch_page``), plus ``totalCount`` (``count``) — by part of a number, an email, a
  contact name, a SKU, a tracking number, and a miss; the median of ``--runs`` runs, and which
  trigram indexes PostgreSQL's plan uses;
- export: ``ordergraph export orders --format csv --output FILE`` as a subprocess over every
  order, wall time and the child's peak RSS (``ru_maxrss``), next to the same command exporting
  nothing (``--since 2999-01-01``): the difference is what the orders cost in memory.

It prints a table and writes the figures as JSON (``--json``, default
``search_export_bench.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.queries.orders import OrderFilterSpec, OrderSortField, orders_query
from ordergraph.db.queries.pagination import PageRequest, count, fetch_page

SKUS = 2000
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
START = datetime(2026, 1, 1, tzinfo=UTC)
ADDRESS = json.dumps({"name": "Bench", "line1": "1 Way", "city": "Berlin", "countryCode": "DE"})


def tracking(i: int) -> str:
    return f"1Z{(i * 2654435761) % 10**12:012d}"


async def load(dsn: str, orders: int) -> dict[str, str]:
    """Bulk-load the data set; returns one sample value per search kind."""
    rng = random.Random(17)
    conn = await asyncpg.connect(dsn)
    try:
        now = datetime.now(UTC)
        await conn.execute(
            "INSERT INTO warehouses (code, name, region, country_code, priority, created_at) "
            "VALUES ('BENCH', 'Bench', 'EU-WEST', 'DE', 1, $1)",
            now,
        )
        await conn.copy_records_to_table(
            "products",
            columns=["sku", "name", "price_minor", "currency", "created_at"],
            records=[(f"BSKU-{s:05d}", f"Product {s}", 500 + s, "EUR", now) for s in range(SKUS)],
        )
        order_rows = []
        for i in range(orders):
            created = START + timedelta(seconds=i * 157)
            name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}{i}"
            subtotal = 1000 + i % 9000
            order_rows.append(
                (
                    f"OG-{100000 + i}",
                    "CONFIRMED" if i % 10 else "CANCELLED",
                    "PAID",
                    "WEB",
                    f"buyer{i}@example.com",
                    name,
                    "EUR",
                    subtotal,
                    495,
                    subtotal + 495,
                    ADDRESS,
                    "bench",
                    created,
                    created,
                    created,
                )
            )
        await conn.copy_records_to_table(
            "orders",
            columns=[
                "number",
                "status",
                "payment_status",
                "channel",
                "email",
                "contact_name",
                "currency",
                "subtotal_minor",
                "shipping_minor",
                "total_minor",
                "shipping_address",
                "placed_by",
                "created_at",
                "updated_at",
                "confirmed_at",
            ],
            records=order_rows,
        )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM orders ORDER BY id")]
        lines = []
        for order_id in ids:
            for sku in rng.sample(range(SKUS), 2):
                lines.append((order_id, f"BSKU-{sku:05d}", f"Product {sku}", 1, 500, 500))
        await conn.copy_records_to_table(
            "order_lines",
            columns=["order_id", "sku", "name", "quantity", "unit_price_minor", "total_minor"],
            records=lines,
        )
        shipped = [order_id for n, order_id in enumerate(ids) if n % 5 < 3]
        await conn.copy_records_to_table(
            "fulfillments",
            columns=["order_id", "warehouse_id", "status", "created_at", "updated_at"],
            records=[(order_id, 1, "SHIPPED", now, now) for order_id in shipped],
        )
        fulfillment_ids = [
            r["id"] for r in await conn.fetch("SELECT id FROM fulfillments ORDER BY id")
        ]
        await conn.copy_records_to_table(
            "shipments",
            columns=[
                "order_id",
                "fulfillment_id",
                "warehouse_id",
                "carrier",
                "carrier_name",
                "tracking_number",
                "code",
                "status",
                "shipped_at",
            ],
            records=[
                (
                    order_id,
                    f_id,
                    1,
                    "UPS",
                    "UPS",
                    tracking(order_id),
                    f"C{order_id}",
                    "IN_TRANSIT",
                    now,
                )
                for order_id, f_id in zip(shipped, fulfillment_ids, strict=True)
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    middle = ids[len(ids) // 2]
    return {
        "number": str(100000 + len(ids) // 2),  # part of OG-1…
        "email": f"buyer{len(ids) // 3}@exa",
        "name": f"{LAST[len(ids) // 7 % len(LAST)].lower()}{len(ids) // 7}",
        "sku": "BSKU-01234",
        "tracking": tracking(shipped[len(shipped) // 2])[3:13],
        "miss": "no-such-order-anywhere",
        "_middle": str(middle),
    }


async def search_once(engine: AsyncEngine, text: str) -> tuple[float, int, int]:
    stmt, keys = orders_query(OrderFilterSpec(query=text), OrderSortField.CREATED_AT)
    started = time.perf_counter()
    page = await fetch_page(engine, stmt, keys, PageRequest(first=20), descending=True)
    total = await count(engine, stmt)
    return time.perf_counter() - started, len(page.rows), total


async def plan_indexes(engine: AsyncEngine, text: str) -> list[str]:
    stmt, _keys = orders_query(OrderFilterSpec(query=text), OrderSortField.CREATED_AT)
    sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        plan = "\n".join(r[0] for r in await conn.execute(sa.text(f"EXPLAIN {sql}")))
    return sorted(set(re.findall(r"Index Scan on (\w+_trgm)", plan)))


async def bench_search(url: str, samples: dict[str, str], runs: int) -> list[dict[str, Any]]:
    engine = create_engine(url, pool_size=2)
    results = []
    try:
        for kind, text in samples.items():
            if kind.startswith("_"):
                continue
            await search_once(engine, text)  # warm the cache and the pool
            timings = []
            for _ in range(runs):
                seconds, rows, total = await search_once(engine, text)
                timings.append(seconds)
            results.append(
                {
                    "kind": kind,
                    "query": text,
                    "page_rows": rows,
                    "total_count": total,
                    "median_ms": round(statistics.median(timings) * 1000, 2),
                    "max_ms": round(max(timings) * 1000, 2),
                    "trigram_indexes": await plan_indexes(engine, text),
                }
            )
    finally:
        await engine.dispose()
    return results


# Runs argv[2:] as its own child and writes that child's peak RSS (kB) to argv[1]. The export
# cannot be waited for from this process: subprocess starts children with vfork, and Linux
# carries the parent's high-water RSS (here the 100,000 loaded orders) over into the child's
# ``ru_maxrss`` at exec. This small interpreter forks the export from a few megabytes instead.
MEASURE_RSS = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_pid, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_export(url: str, *args: str) -> dict[str, Any]:
    """``ordergraph export orders`` as a child process: wall time and its peak RSS."""
    executable = Path(sys.executable).parent / "ordergraph"
    with tempfile.TemporaryDirectory() as tmp:
        output, rss = Path(tmp) / "orders.csv", Path(tmp) / "rss"
        env = {**os.environ, "DATABASE_URL": url}
        command = [str(executable), "export", "orders", "--output", str(output), *args]
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", MEASURE_RSS, str(rss), *command], env=env, cwd=tmp, check=False
        )
        seconds = time.perf_counter() - started
        assert child.returncode == 0, f"export exited with status {child.returncode}"
        text = output.read_text(encoding="utf-8")
        peak_kb = int(rss.read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),  # Linux: kilobytes
        "rows": max(text.count("\n") - 1, 0),
        "bytes": len(text.encode()),
    }


def report(
    orders: int, search: list[dict[str, Any]], full: dict[str, Any], empty: dict[str, Any]
) -> None:
    print(
        f"Search over {orders} orders ({2 * orders} lines, {orders * 3 // 5} shipments), PostgreSQL"
    )
    print(
        f"  {'kind':9} {'query':24} {'total':>6} {'median':>10} {'max':>10}  "
        "trigram indexes in the plan"
    )
    for r in search:
        print(
            f"  {r['kind']:9} {r['query']:24} {r['total_count']:>6} {r['median_ms']:>7.2f} ms "
            f"{r['max_ms']:>7.2f} ms  {', '.join(r['trigram_indexes']) or '-'}"
        )
    rate = full["rows"] / full["seconds"] if full["seconds"] else 0
    print("Export (ordergraph export orders --format csv, a child process)")
    print(
        f"  all orders  {full['rows']:>7} rows  {full['bytes'] / 1e6:6.1f} MB  "
        f"{full['seconds']:6.2f} s "
        f"{rate:8.0f} rows/s  peak RSS {full['peak_rss_mb']:6.1f} MB"
    )
    print(
        f"  no orders   {empty['rows']:>7} rows  {empty['bytes'] / 1e6:6.1f} MB  "
        f"{empty['seconds']:6.2f} s "
        f"{'':8}        peak RSS {empty['peak_rss_mb']:6.1f} MB"
    )


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def bench(url: str, orders: int, runs: int, json_path: Path) -> None:
    asyncio.run(upgrade(url))
    started = time.perf_counter()
    samples = asyncio.run(load(url.replace("+asyncpg", ""), orders))
    loaded = time.perf_counter() - started
    search = asyncio.run(bench_search(url, samples, runs))
    full = run_export(url, "--format", "csv")
    empty = run_export(url, "--format", "csv", "--since", "2999-01-01")
    report(orders, search, full, empty)
    print(f"  (loading took {loaded:.1f} s)")
    json_path.write_text(
        json.dumps(
            {
                "orders": orders,
                "runs": runs,
                "load_seconds": round(loaded, 1),
                "search": search,
                "export_all": full,
                "export_none": empty,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"figures written to {json_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=100_000, help="orders (default 100,000)")
    parser.add_argument("--runs", type=int, default=7, help="runs per search (default 7)")
    parser.add_argument("--json", type=Path, default=Path("search_export_bench.json"))
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+asyncpg://…)")
    args = parser.parse_args()
    if args.url:
        bench(args.url, args.orders, args.runs, args.json)
        return
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
        bench(cluster.url("bench"), args.orders, args.runs, args.json)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
