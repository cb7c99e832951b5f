"""analytics.orders (the order time series) over 100,000 orders on PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.analytics_series [--orders N] [--runs N] [--url URL]

It starts a throwaway ``tests.support.pg`` cluster (unless ``--url`` names an empty database),
migrates it and bulk-loads the data set of ``bench.search_export_bench`` (orders every 157 s from
2026-01-01, two lines each, one in ten cancelled, a fulfillment for three in five), adds a
succeeded refund for one order in twenty, and ANALYZEs. Then it times the query behind
``analytics.orders`` as the API runs it (``time_buckets`` + ``order_series`` + ``fill_series``)
for several shapes, the median of ``--runs`` runs, and prints PostgreSQL's plan nodes on
``orders`` for the 90-day daily series. Goal: a 90-day daily series under 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import sqlalchemy as sa
from bench.search_export_bench import create_database, load

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.queries import order_series as reads
from ordergraph.domain.time_buckets import Bucket, fill_series, time_buckets

ZONE = "Europe/Amsterdam"
FROM = datetime(2026, 2, 1, tzinfo=UTC)

SHAPES: list[tuple[str, Bucket, timedelta, reads.GroupBy | None]] = [
    ("90 days, DAY", Bucket.DAY, timedelta(days=90), None),
    ("90 days, DAY by CHANNEL", Bucket.DAY, timedelta(days=90), reads.GroupBy.CHANNEL),
    ("90 days, DAY by PRODUCT", Bucket.DAY, timedelta(days=90), reads.GroupBy.PRODUCT),
    ("90 days, DAY by WAREHOUSE", Bucket.DAY, timedelta(days=90), reads.GroupBy.WAREHOUSE),
    ("7 days, HOUR", Bucket.HOUR, timedelta(days=7), None),
    ("26 weeks, WEEK", Bucket.WEEK, timedelta(weeks=26), None),
]


async def add_refunds(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id, total_minor, created_at FROM orders WHERE status <> 'CANCELLED' "
            "AND id % 20 = 0"
        )
        await conn.copy_records_to_table(
            "refunds",
            columns=[
                "order_id",
                "status",
                "currency",
                "shipping_minor",
                "appeasement_minor",
                "adjustment_minor",
                "total_minor",
                "refundable_before_minor",
                "created_by",
                "created_at",
                "completed_at",
            ],
            records=[
                (
                    r["id"],
                    "SUCCEEDED",
                    "EUR",
                    0,
                    0,
                    0,
                    500,
                    r["total_minor"],
                    "bench",
                    r["created_at"] + timedelta(days=3),
                    r["created_at"] + timedelta(days=3),
                )
                for r in rows
            ],
        )
        await conn.execute("ANALYZE")
        return len(rows)
    finally:
        await conn.close()


async def measure(url: str, runs: int, analyze: bool) -> None:
    engine = create_engine(url, pool_size=2)
    try:
        print(f"analytics.orders in {ZONE}, from {FROM.date()}, median of {runs} runs")
        for label, bucket, span, group_by in SHAPES:
            buckets = time_buckets(FROM, FROM + span, bucket, ZONE)
            timings, points = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                rows = await reads.order_series(engine, buckets, group_by, reads.SeriesFilter())
                points = len(fill_series(buckets, rows, "EUR"))
                timings.append(time.perf_counter() - started)
            print(
                f"  {label:28} buckets={len(buckets):4}  points={points:6}  "
                f"median={statistics.median(timings) * 1000:7.1f} ms  "
                f"max={max(timings) * 1000:7.1f} ms"
            )
        buckets = time_buckets(FROM, FROM + timedelta(days=90), Bucket.DAY, ZONE)
        parts = reads._order_statement(reads._Bounds.of(buckets), None, reads.SeriesFilter())
        compiled = sa.union_all(*parts).compile(dialect=engine.dialect)
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.transaction():
                await raw.execute("SET LOCAL jit = off")
                explain = "EXPLAIN (ANALYZE)" if analyze else "EXPLAIN"
                plan = [r[0] for r in await raw.fetch(f"{explain} {compiled}", *params)]
        if analyze:
            print("\n".join(line for line in plan if "VALUES" not in line))
        print(
            "  plan on orders (90 days, DAY):",
            sorted(
                set(
                    m
                    for line in plan
                    for m in re.findall(r"(\w+ Scan[\w ]* on orders(?: using \w+)?)", line)
                )
            ),
        )
    finally:
        await engine.dispose()


def bench(url: str, orders: int, runs: int, analyze: bool = False) -> None:
    asyncio.run(upgrade(url))
    started = time.perf_counter()
    asyncio.run(load(url.replace("+asyncpg", ""), orders))
    refunds = asyncio.run(add_refunds(url.replace("+asyncpg", "")))
    print(f"{orders} orders, {refunds} refunds loaded in {time.perf_counter() - started:.1f} s")
    asyncio.run(measure(url, runs, analyze))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=100_000, help="orders (default 100,000)")
    parser.add_argument("--runs", type=int, default=7, help="runs per shape (default 7)")
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+asyncpg://…)")
    parser.add_argument(
        "--analyze", action="store_true", help="print EXPLAIN ANALYZE of the 90-day series"
    )
    args = parser.parse_args()
    if args.url:
        bench(args.url, args.orders, args.runs, args.analyze)
        return
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
        bench(cluster.url("bench"), args.orders, args.runs, args.analyze)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
