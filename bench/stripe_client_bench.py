"""Why the Stripe adapter uses the SDK's async client rather than sync calls in threads.

A local server answers like Stripe's PaymentIntent endpoint after a fixed latency (Stripe's
own is a few hundred milliseconds). N concurrent PaymentIntent creates go through:

- ``async``: ``StripeClient`` with ``HTTPXClient``, ``create_async`` (what the adapter does);
- ``thread``: ``StripeClient`` with its default sync client, each call in
  ``anyio.to_thread.run_sync`` — what an async app does with a sync SDK (anyio's default
  limiter: 40 threads).

Run from the repository root::

    .venv/bin/python -m bench.stripe_client_bench [--calls N] [--latency-ms MS]

It prints the wall time of each and the ratio thread/async, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import anyio
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.server import live_server

PARAMS = {"amount": 1000, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}


def intent_server(latency: float) -> Starlette:
    async def create(_request: Request) -> JSONResponse:
        await asyncio.sleep(latency)
        return JSONResponse(
            {"id": "pi_bench", "object": "payment_intent", "status": "requires_capture"}
        )

    return Starlette(routes=[Route("/v1/payment_intents", create, methods=["POST"])])


async def run_async(base: str, calls: int) -> float:
    http = stripe.HTTPXClient()
    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": base}, http_client=http)
    started = time.perf_counter()
    await asyncio.gather(
        *(client.v1.payment_intents.create_async(params=PARAMS) for _ in range(calls))  # type: ignore[arg-type]
    )
    elapsed = time.perf_counter() - started
    await http.close_async()  # type: ignore[no-untyped-call]
    return elapsed


async def run_threads(base: str, calls: int) -> float:
    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": base})

    def one() -> object:
        return client.v1.payment_intents.create(params=PARAMS)  # type: ignore[arg-type]

    started = time.perf_counter()
    await asyncio.gather(*(anyio.to_thread.run_sync(one) for _ in range(calls)))
    return time.perf_counter() - started


async def measure(base: str, calls: int) -> tuple[float, float]:
    await run_async(base, 4)  # warm up both
    await run_threads(base, 4)
    return await run_async(base, calls), await run_threads(base, calls)


def main(calls: int, latency_ms: int) -> None:
    # the server runs in its own thread and event loop, like a remote Stripe would
    with live_server(None, intent_server(latency_ms / 1000)) as base:
        async_s, thread_s = asyncio.run(measure(base, calls))
    print(f"{calls} concurrent PaymentIntent creates, {latency_ms} ms server latency")
    print(f"  async client (StripeClient + HTTPXClient): {async_s:.2f} s")
    print(f"  sync client in anyio threads (limit 40):   {thread_s:.2f} s")
    print(f"  ratio thread/async: {thread_s / async_s:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=300)
    args = parser.parse_args()
    main(args.calls, args.latency_ms)
