"""Which tax rates apply to a checkout, and what happens when the tax provider fails.

``resolve_taxes`` asks the configured provider (through its circuit breaker) for the rates of
the destination; when it cannot answer, the market's failure policy decides: BLOCK refuses
(``TAX_UNAVAILABLE``, never a silent zero), FALLBACK charges the market's fallback rate on
every class but ZERO and on shipping. A destination with no tax configured at all is charged
nothing (policy NONE), which keeps a shop without tax working.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ordergraph.domain.markets import Market
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.taxes import (
    AppliedRate,
    TaxAnswer,
    TaxClass,
    TaxFailurePolicy,
    TaxPolicyUsed,
    TaxProviderUnavailable,
    TaxUnavailable,
    fallback_answer,
)
from ordergraph.services.deps import Deps


@dataclass(frozen=True)
class TaxResolution:
    rates: Mapping[TaxClass, tuple[AppliedRate, ...]]  # every class asked for
    shipping: tuple[AppliedRate, ...]  # STANDARD rates with tax_shipping
    policy: TaxPolicyUsed
    provider: str  # "table", or the provider's name


async def resolve_taxes(
    uow: UnitOfWork,
    deps: Deps,
    *,
    market: Market,
    country_code: str,
    region: str | None,
    classes: Collection[TaxClass],
) -> TaxResolution:
    """The rates of every class in ``classes`` (and of shipping) at the destination, inside
    the caller's unit of work; ``TaxUnavailable`` when the provider fails and the market
    blocks. ZERO always yields no rates, whatever the provider says."""
    provider = deps.tax_provider
    wanted = frozenset(classes)

    async def ask() -> TaxAnswer:
        return await provider.rates(uow, country_code=country_code, region=region, classes=wanted)

    try:
        answer = await deps.tax_circuit.call(provider.name, ask)
    except TaxProviderUnavailable as exc:
        return _on_failure(market, wanted, provider.name, str(exc) or "unavailable")
    if not answer.configured:
        return TaxResolution(
            rates={c: () for c in wanted},
            shipping=(),
            policy=TaxPolicyUsed.NONE,
            provider=provider.name,
        )
    return TaxResolution(
        rates={c: () if c is TaxClass.ZERO else answer.rates.get(c, ()) for c in wanted},
        shipping=answer.shipping,
        policy=TaxPolicyUsed.PROVIDER,
        provider=provider.name,
    )


def _on_failure(
    market: Market, classes: frozenset[TaxClass], provider: str, reason: str
) -> TaxResolution:
    """The market's failure policy, applied."""
    rate = market.fallback_tax_rate
    if market.tax_failure_policy is TaxFailurePolicy.BLOCK or rate is None:
        raise TaxUnavailable(provider, reason)
    fallback = fallback_answer(classes, rate)
    return TaxResolution(
        rates=fallback.rates,
        shipping=fallback.shipping,
        policy=TaxPolicyUsed.FALLBACK,
        provider=provider,
    )
