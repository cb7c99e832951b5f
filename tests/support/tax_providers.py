"""A tax provider for tests that fails on demand: a double of the ``TaxProvider`` port (like the
test payment gateway), never of our own code.

It answers as the built-in table provider does (the rates in the unit of work), unless told to
fail: ``fail_next(n)`` makes the next n calls raise ``TaxProviderUnavailable``, ``down = True``
makes every call fail, ``hang = True`` makes calls wait until the caller's timeout. ``calls``
counts the calls that reached it, so a test sees when an open circuit spares it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field

from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.taxes import TaxAnswer, TaxClass, TaxProviderUnavailable
from ordergraph.gateways import TableTaxProvider


@dataclass
class FlakyTaxProvider:
    name: str = "flaky"
    down: bool = False
    hang: bool = False
    calls: int = 0
    _failures: int = 0
    _inner: TableTaxProvider = field(default_factory=TableTaxProvider)

    def fail_next(self, count: int) -> None:
        self._failures = count

    async def rates(
        self,
        uow: UnitOfWork,
        *,
        country_code: str,
        region: str | None,
        classes: Collection[TaxClass],
    ) -> TaxAnswer:
        self.calls += 1
        if self.hang:
            await asyncio.Event().wait()  # never set: only a timeout ends it
        if self.down or self._failures > 0:
            self._failures = max(0, self._failures - 1)
            raise TaxProviderUnavailable("connection refused")
        return await self._inner.rates(
            uow, country_code=country_code, region=region, classes=classes
        )
