"""Gateways for tests that wrap a real one: something happens while the provider works.

``Interleaved`` forwards every call to the gateway it wraps (the test gateway or the Stripe
adapter against localstripe) and, right after the provider answered a call of a given kind,
runs a hook — our real services, e.g. cancelling the order — before handing the answer back.
That is the race a slow provider opens in production, made deterministic. ``outage`` makes the
first calls of one kind fail as an unreachable provider would, without reaching it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ordergraph.domain.money import Money
from ordergraph.domain.payments import CallContext, GatewayResult, PaymentGateway, TransactionStatus

Hook = Callable[[], Awaitable[object]]


@dataclass
class Interleaved:
    inner: PaymentGateway
    after: dict[str, Hook] = field(default_factory=dict)  # kind → run once after that call
    outage: dict[str, int] = field(default_factory=dict)  # kind → how many calls fail first
    declined: set[str] = field(default_factory=set)  # kinds the provider refuses
    calls: list[str] = field(default_factory=list)
    pauses: list[int] = field(default_factory=list)  # turns to yield before each answer
    successes: list[tuple[str, str, int]] = field(default_factory=list)  # what the provider did
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    async def _call(
        self, kind: str, call: Callable[[], Awaitable[GatewayResult]], amount: int = 0
    ) -> GatewayResult:
        self.calls.append(kind)
        for _ in range(self.pauses.pop(0) if self.pauses else 0):
            await asyncio.sleep(0)  # let the other requests run while the provider "works"
        if self.outage.get(kind, 0) > 0:
            self.outage[kind] -= 1
            return GatewayResult(
                TransactionStatus.ERROR, error_code="gateway_unavailable", message="no answer"
            )
        if kind in self.declined:
            return GatewayResult(
                TransactionStatus.DECLINED, error_code="refused", message="the provider refused"
            )
        result = await call()
        if result.status is TransactionStatus.SUCCESS and result.reference is not None:
            self.successes.append((kind, result.reference, amount))
        hook = self.after.pop(kind, None)
        if hook is not None:
            await hook()
        return result

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._call(
            "authorize",
            lambda: self.inner.authorize(
                amount=amount, token=token, idempotency_key=idempotency_key, context=context
            ),
        )

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._call(
            "sale",
            lambda: self.inner.sale(
                amount=amount, token=token, idempotency_key=idempotency_key, context=context
            ),
            amount.minor_units,
        )

    async def capture(
        self,
        *,
        amount: Money,
        authorization: str,
        idempotency_key: str,
        context: CallContext,
        final: bool = True,
    ) -> GatewayResult:
        return await self._call(
            "capture",
            lambda: self.inner.capture(
                amount=amount,
                authorization=authorization,
                idempotency_key=idempotency_key,
                context=context,
                final=final,
            ),
            amount.minor_units,
        )

    async def void(
        self, *, authorization: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._call(
            "void",
            lambda: self.inner.void(
                authorization=authorization, idempotency_key=idempotency_key, context=context
            ),
        )

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return await self._call(
            "refund",
            lambda: self.inner.refund(
                amount=amount, capture=capture, idempotency_key=idempotency_key, context=context
            ),
            amount.minor_units,
        )
