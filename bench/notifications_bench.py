"""Customer mail throughput, and what sending does to API latency.

Run from the repository root::

    .venv/bin/python -m bench.notifications_bench [--mails N] [--probes N]

It starts a throwaway PostgreSQL cluster and a real SMTP server (aiosmtpd), serves the app
with uvicorn in this process, and writes ``--mails`` notification rows (ORDER_CONFIRMED of one
real order, each its own key) in one transaction. It then times how long the consumer takes to
render and send them all over SMTP, and measures the latency of a small API query first with
the consumer idle (the baseline, same run) and then while the mails go out. Prints the figures
and the ratio during/idle of the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.config import Settings
from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.repositories.notifications import message_id_local_part
from ordergraph.db.tables import notifications
from ordergraph.domain.principals import Role
from ordergraph.schema.ids import decode_int_id, encode_id

PROBE = "query($id: ID!) { order(id: $id) { number status total { amount } } }"


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


async def probe(http: httpx.AsyncClient, token: str, order_gid: str, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": PROBE, "variables": {"id": order_gid}},
            headers={"Authorization": f"Bearer {token}"},
        )
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def bench(url: str, mails: int, probes: int) -> None:
    from tests.support.live import issue_token
    from tests.support.server import live_server
    from tests.support.smtp import smtp_server

    await upgrade(url)
    with smtp_server() as (smtp_url, inbox):
        settings = Settings(  # type: ignore[call-arg]
            DATABASE_URL=url,
            ORDERGRAPH_SMTP_URL=smtp_url,
            ORDERGRAPH_NOTIFICATION_INTERVAL_SECONDS=0.05,
            ORDERGRAPH_QUERY_COST_BUDGET=10**9,
        )
        with live_server(settings) as base_url:
            engine = create_engine(url)
            token = issue_token(url, Role.ADMIN)
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                order_id = await seed_order(http, token)
                order_gid = encode_id("Order", order_id)
                await wait_sent(engine, 1)  # the order's own confirmation
                idle = await probe(http, token, order_gid, probes)
                now = datetime.now(UTC)
                rows = [
                    {
                        "key": f"bench:{i}",
                        "type": "ORDER_CONFIRMED",
                        "recipient": f"bench{i}@example.com",
                        "order_id": order_id,
                        "data": {},
                        "status": "PENDING",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "message_id": message_id_local_part(f"bench:{i}"),
                        "created_at": now,
                    }
                    for i in range(mails)
                ]
                started = time.perf_counter()
                async with engine.begin() as conn:
                    await conn.execute(sa.insert(notifications), rows)
                sending = asyncio.create_task(wait_sent(engine, mails + 1))
                during: list[float] = []
                while not sending.done():
                    during += await probe(http, token, order_gid, 10)
                await sending
                seconds = time.perf_counter() - started
            await engine.dispose()
        received = len(inbox.snapshot())
    print(
        f"mails sent over SMTP: {mails} in {seconds:.2f} s ({mails / seconds:.0f}/s); "
        f"SMTP server received {received}"
    )
    print(
        f"API latency idle:    median {statistics.median(idle) * 1000:.1f} ms, "
        f"p95 {p95(idle) * 1000:.1f} ms ({len(idle)} requests)"
    )
    print(
        f"API latency sending: median {statistics.median(during) * 1000:.1f} ms, "
        f"p95 {p95(during) * 1000:.1f} ms ({len(during)} requests)"
    )
    print(
        f"ratio sending/idle: median {statistics.median(during) / statistics.median(idle):.2f}, "
        f"p95 {p95(during) / p95(idle):.2f}"
    )


async def seed_order(http: httpx.AsyncClient, token: str) -> int:
    from tests.api.test_place_order_api import create_warehouse, order_input, place_ok, receive
    from tests.api.test_returns_api import capture, create_product
    from tests.support.graphql import GraphQLClient

    admin = GraphQLClient(http, token)

    warehouse_id = await create_warehouse(admin, "BENCH-W")
    await create_product(admin, "BENCH-TEE", "19.99")
    await receive(admin, "BENCH-TEE", warehouse_id, 10)
    order = await place_ok(admin, order_input([("BENCH-TEE", 1)], email="bench@example.com"))
    await capture(admin, order["id"])
    return decode_int_id(order["id"], "Order", ["id"])


async def wait_sent(engine: AsyncEngine, count: int) -> None:
    while True:
        async with engine.connect() as conn:
            sent = await conn.scalar(
                sa.select(sa.func.count()).where(notifications.c.status == "SENT")
            )
        if (sent or 0) >= count:
            return
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mails", type=int, default=1000, help="notifications (default 1000)")
    parser.add_argument("--probes", type=int, default=200, help="idle API probes (default 200)")
    args = parser.parse_args()
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        asyncio.run(create_database(cluster.url(driver="postgresql"), "bench"))
        asyncio.run(bench(cluster.url("bench"), args.mails, args.probes))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
