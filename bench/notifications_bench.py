"""Customer mail throughput, and what sending does to API latency.

Run from the repository root::

    .venv/bin/python -m bench.notifications_bench [--mails N] [--probes N]

It starts a throwaway PostgreSQL cluster and a real SMTP server (aiosmtpd), runs
``ordergraph serve`` in its own process, and writes ``--mails`` notification rows
(ORDER_CONFIRMED, each its own key) in one transaction. It then times how long the consumer takes to
render and send them all over SMTP (each row belongs to its own copy of the order, as 1,000
customers' confirmations would), and measures the latency of a small API query first with
the consumer idle (the baseline, same run) and then while the mails go out. Prints the figures
and the ratio during/idle of the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import upgrade
from ordergraph.db.repositories.notifications import message_id_local_part
from ordergraph.db.tables import notifications, order_lines, orders
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
    from tests.support.pg import free_port
    from tests.support.smtp import smtp_server

    await upgrade(url)
    with smtp_server() as (smtp_url, inbox):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ORDERGRAPH_SMTP_URL": smtp_url,
            "PUBLIC_BASE_URL": base_url,
            "ORDERGRAPH_QUERY_COST_BUDGET": str(10**9),
        }
        # the server in its own process, as in production: its consumer and its requests share
        # one event loop; the SMTP server and this client do not
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before measuring
            [str(Path(sys.executable).parent / "ordergraph"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            engine = create_engine(url)
            token = issue_token(url, Role.ADMIN)
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                await wait_healthy(http)
                order_id = await seed_order(http, token)
                order_gid = encode_id("Order", order_id)
                await wait_sent(engine, 1)  # the order's own confirmation
                idle = await probe(http, token, order_gid, probes)
                now = datetime.now(UTC)
                order_ids = await copy_order(engine, order_id, mails)
                rows = [
                    {
                        "key": f"bench:{i}",
                        "type": "ORDER_CONFIRMED",
                        "recipient": f"bench{i}@example.com",
                        "order_id": order_ids[i],
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
        finally:
            server.terminate()
            server.wait(timeout=20)
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


async def wait_healthy(http: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


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


async def copy_order(engine: AsyncEngine, order_id: int, copies: int) -> list[int]:
    """``copies`` more orders like the seeded one (one mail each, as 1,000 customers would
    get): one order's mails go out one after another, different orders' side by side."""
    async with engine.begin() as conn:
        order = dict(
            (await conn.execute(sa.select(orders).where(orders.c.id == order_id))).mappings().one()
        )
        lines = [
            dict(m)
            for m in (
                await conn.execute(sa.select(order_lines).where(order_lines.c.order_id == order_id))
            ).mappings()
        ]
        ids = []
        for i in range(copies):
            values = {**order, "number": f"BENCH-{i}"}
            del values["id"]
            new_id = await conn.scalar(sa.insert(orders).values(**values).returning(orders.c.id))
            ids.append(int(new_id))
        await conn.execute(
            sa.insert(order_lines),
            [
                {**{k: v for k, v in line.items() if k != "id"}, "order_id": i}
                for i in ids
                for line in lines
            ],
        )
    return ids


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
