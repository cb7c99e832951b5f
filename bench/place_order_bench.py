"""placeOrder throughput in-process: one hot SKU against many distinct SKUs.

Run from the repository root::

    .venv/bin/python -m bench.place_order_bench [--orders N] [--callers N] [--rounds N] [--url URL]

Without ``--url`` it starts a throwaway PostgreSQL cluster (``tests.support.pg``), migrates a
database with ``ordergraph.db.migrate.upgrade`` and removes the cluster afterwards. With
``--url`` (a ``postgresql+asyncpg://`` URL of an empty database) it migrates and uses that one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order

DISTINCT_SKUS = 32
ADDRESS: AddressFields = {
    "name": "Bench Buyer",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


@dataclass(frozen=True)
class Result:
    scenario: str
    callers: int
    orders: int
    seconds: float
    cpu_seconds: float  # this Python process's CPU time during the run
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        return (
            f"{self.scenario:<9} callers={self.callers:>3}  orders={self.orders:>5}  "
            f"{self.rate:8.1f} orders/s  p50={p50:6.1f} ms  p95={p95:6.1f} ms  "
            f"python cpu={self.cpu_seconds / self.seconds:4.0%}"
        )


async def seed(deps: Deps, units: int) -> tuple[str, list[str]]:
    warehouse = await catalog.create_warehouse(
        deps, SYSTEM, code="BENCH", name="Bench", region="EU-WEST", country_code="NL"
    )
    assert warehouse.id is not None
    hot = "BENCH-HOT"
    distinct = [f"BENCH-{i:02d}" for i in range(DISTINCT_SKUS)]
    for sku in [hot, *distinct]:
        await catalog.create_product(
            deps, SYSTEM, sku=sku, name=sku, price_amount="10.00", price_currency="EUR"
        )
        await adjust_inventory(
            deps,
            SYSTEM,
            sku=sku,
            warehouse_id=warehouse.id,
            delta=units,
            reason=AdjustmentReason.RECEIVED,
        )
    return hot, distinct


async def run_scenario(
    deps: Deps, scenario: str, skus: list[str], callers: int, orders: int
) -> Result:
    """``callers`` tasks place ``orders`` one-unit orders in total; caller i uses skus[i % n]."""
    latencies: list[float] = []
    remaining = orders

    async def caller(index: int) -> None:
        nonlocal remaining
        sku = skus[index % len(skus)]
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await place_order(
                deps,
                SYSTEM,
                channel=Channel.WEB,
                lines=[RequestedLine(sku, 1)],
                shipping_address=ADDRESS,
                email="bench@example.com",
            )
            latencies.append(time.perf_counter() - started)

    cpu_started = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(callers)))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return Result(scenario, callers, len(latencies), seconds, cpu, latencies)


async def bench(url: str, orders: int, callers: int, rounds: int) -> None:
    await upgrade(url)
    engine: AsyncEngine = create_engine(url, pool_size=callers)
    clock = SystemClock()
    deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
    try:
        # Enough stock that nothing runs out: every order here succeeds, nothing is retried.
        hot, distinct = await seed(deps, units=2 * rounds * orders)
        # Warm up: open the pool's connections and the code paths.
        await run_scenario(deps, "warm-up", distinct, callers, 2 * callers)

        runs: dict[tuple[str, int], list[Result]] = {}
        for _ in range(rounds):
            # Interleave the workloads so drift (caches, autovacuum) affects all alike.
            for count in (1, callers):
                for scenario, skus in (("hot", [hot]), ("distinct", distinct)):
                    result = await run_scenario(deps, scenario, skus, count, orders)
                    runs.setdefault((scenario, count), []).append(result)

        print(
            f"placeOrder in-process: {orders} one-unit orders per run, {rounds} runs each, "
            "one warehouse; the median run is shown"
        )
        rate: dict[tuple[str, int], float] = {}
        for key, results in runs.items():
            median = sorted(results, key=lambda r: r.rate)[len(results) // 2]
            rate[key] = median.rate
            spread = ", ".join(f"{r.rate:.0f}" for r in results)
            print(f"  {median.line()}  (runs: {spread})")
        for count in (1, callers):
            ratio = rate[("hot", count)] / rate[("distinct", count)]
            print(f"  hot/distinct throughput at {count:>2} callers: {ratio:.2f}")
        speedup = rate[("distinct", callers)] / rate[("distinct", 1)]
        print(f"  distinct SKUs, {callers} callers vs 1 caller: {speedup:.2f}x")
    finally:
        await engine.dispose()


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=400, help="orders per run (default 400)")
    parser.add_argument("--callers", type=int, default=32, help="concurrent callers (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per workload (default 3)")
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+asyncpg://…)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(bench(args.url, args.orders, args.callers, args.rounds))
        return

    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
        asyncio.run(bench(cluster.url("bench"), args.orders, args.callers, args.rounds))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
