"""The throttle's price: one shared-bucket take on PostgreSQL (and SQLite) against what it
protects (one Argon2id password check) and a plain indexed read, measured in the same run.

Run from the repository root::

    .venv/bin/python -m bench.throttle_bench [--takes N] [--callers N] [--url URL]

Without ``--url`` it starts a throwaway PostgreSQL cluster (``tests.support.pg``), like
``place_order_bench``. Prints medians and ratios: the reason the README gives for keeping the
buckets in the database rather than adding Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from bench.place_order_bench import create_database

from ordergraph.auth.passwords import hash_password, verify_password
from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.throttle import SqlRateStore
from ordergraph.domain.throttle import BucketPolicy

POLICY = BucketPolicy(capacity=1e12, leak_per_second=1)


async def _timed(step: Callable[[int], Awaitable[object]], count: int, callers: int) -> float:
    """Median milliseconds per call with ``callers`` running at once."""
    samples: list[float] = []

    async def caller(offset: int) -> None:
        for i in range(offset, count, callers):
            started = time.perf_counter()
            await step(i)
            samples.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(caller(c) for c in range(callers)))
    return statistics.median(samples)


async def bench(url: str, takes: int, callers: int) -> dict[str, float]:
    await upgrade(url)
    engine = create_engine(url, pool_size=max(callers, 2))
    store = SqlRateStore(engine)
    try:
        one_key = await _timed(
            lambda i: store.take("bench:hot", 1, POLICY, time.time()), takes, callers
        )
        many_keys = await _timed(
            lambda i: store.take(f"bench:{i % 500}", 1, POLICY, time.time()), takes, callers
        )

        async def read(_i: int) -> None:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

        plain = await _timed(read, takes, callers)
    finally:
        await engine.dispose()
    return {"take, one hot key": one_key, "take, 500 keys": many_keys, "SELECT 1": plain}


def _argon2_ms(rounds: int = 10) -> float:
    stored = hash_password("correct horse battery staple")
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        verify_password(stored, "wrong guess")
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report(backend: str, figures: dict[str, float], argon2: float) -> None:
    print(f"\n{backend}")
    for name, ms in figures.items():
        print(f"  {name:<20} {ms:8.3f} ms   ({argon2 / ms:7.1f}x cheaper than one Argon2 check)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--takes", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+asyncpg://…)")
    args = parser.parse_args()
    argon2 = _argon2_ms()
    print(f"Argon2id verify (argon2-cffi defaults): {argon2:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = asyncio.run(bench(f"sqlite+aiosqlite:///{tmp}/bench.db", args.takes, 1))
    report("SQLite (one caller)", sqlite, argon2)
    if args.url:
        report(
            f"PostgreSQL ({args.callers} callers)",
            asyncio.run(bench(args.url, args.takes, args.callers)),
            argon2,
        )
        return
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
        figures = asyncio.run(bench(cluster.url("bench"), args.takes, args.callers))
        report(f"PostgreSQL ({args.callers} callers)", figures, argon2)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
