"""Background jobs every worker runs in its lifespan; work is claimed, so workers cooperate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("ordergraph.background")


async def every(interval: float, job: Callable[[], Awaitable[int]], name: str) -> None:
    """Run ``job`` every ``interval`` seconds until cancelled; a failure is logged, not fatal."""
    while True:
        try:
            done = await job()
            if done:
                log.info("%s: %d done", name, done)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bad run must not stop the loop
            log.exception("%s failed", name)
        await asyncio.sleep(interval)
