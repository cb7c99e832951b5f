"""A circuit breaker around the tax provider (purgatory), with a timeout per call.

After ``failures`` consecutive failures (``TaxProviderUnavailable`` or a timeout) the provider
is not called for ``reset_seconds``: checkouts get the market's failure policy at once instead
of each waiting for a timeout. The first call after that is a trial: success closes the circuit,
failure opens it again. One circuit per provider name, held by the process (``Runtime``), so it
is shared by every request of a worker and by no other worker.

The reset time runs on the wall clock (``time.time`` inside purgatory), not ``deps.clock``: it
is an operational timer of this process, not business time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from ordergraph.domain.taxes import TaxAnswer, TaxProviderUnavailable

DEFAULT_FAILURES = 5
DEFAULT_RESET_SECONDS = 30.0
DEFAULT_TIMEOUT_SECONDS = 5.0


def _not_a_provider_failure(exc: BaseException) -> bool:
    # our own errors (a bug, a retryable database conflict, a cancelled request) pass through
    # the breaker without counting against the provider
    return not isinstance(exc, TaxProviderUnavailable | TimeoutError)


class TaxCircuit:
    def __init__(
        self,
        *,
        failures: int = DEFAULT_FAILURES,
        reset_seconds: float = DEFAULT_RESET_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if failures < 1 or reset_seconds <= 0 or timeout_seconds <= 0:
            raise ValueError("the tax circuit needs failures >= 1 and positive times")
        self.failures = failures
        self.reset_seconds = reset_seconds
        self.timeout_seconds = timeout_seconds
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=failures,
            default_ttl=reset_seconds,
            exclude=[(BaseException, _not_a_provider_failure)],
        )

    async def call(self, provider: str, ask: Callable[[], Awaitable[TaxAnswer]]) -> TaxAnswer:
        """``ask()`` through the circuit of ``provider``; ``TaxProviderUnavailable`` when it
        fails, times out or its circuit is open (then ``ask`` is not called at all)."""
        breaker = await self._breakers.get_breaker(provider)
        try:
            async with breaker:
                async with asyncio.timeout(self.timeout_seconds):
                    return await ask()
        except OpenedState as exc:
            raise TaxProviderUnavailable(
                f"not asked: {self.failures} calls in a row failed, retried after "
                f"{self.reset_seconds:g} s"
            ) from exc
        except TimeoutError as exc:
            raise TaxProviderUnavailable(f"no answer within {self.timeout_seconds:g} s") from exc

    async def state(self, provider: str) -> str:
        """closed, opened or half-opened (for tests and diagnostics)."""
        return (await self._breakers.get_breaker(provider)).context.state
