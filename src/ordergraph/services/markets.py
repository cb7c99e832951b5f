"""Use cases for markets: create, update (versioned), and which market sells to a country."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from ordergraph.domain.errors import Duplicate, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.markets import (
    Market,
    TaxDisplay,
    check_countries_free,
    clean_channels,
    clean_countries,
    clean_handle,
    clean_market_currency,
    clean_name,
    clean_tax_policy,
    default_market,
    market_for,
)
from ordergraph.domain.orders import Channel
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.rounding import RoundingMode, RoundingPolicy, RoundingRule
from ordergraph.domain.taxes import TaxFailurePolicy
from ordergraph.domain.validation import clean_country
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps


def _event(kind: str, market: Market, actor: Principal) -> DomainEvent:
    assert market.id is not None
    payload = {
        "handle": market.handle,
        "currency": market.currency,
        "countries": sorted(market.countries),
        "active": market.active,
        "version": market.version,
    }
    return DomainEvent(f"market.{kind}", "Market", market.id, payload, actor=actor.actor)


async def create_market(
    deps: Deps,
    actor: Principal,
    *,
    handle: str,
    name: str,
    countries: Sequence[str],
    currency: str,
    tax_display: TaxDisplay = TaxDisplay.EXCLUSIVE,
    channels: Sequence[Channel] = tuple(Channel),
    rounding_mode: RoundingMode = RoundingMode.PER_LINE,
    rounding_rule: RoundingRule = RoundingRule.HALF_UP,
    tax_failure_policy: TaxFailurePolicy = TaxFailurePolicy.BLOCK,
    fallback_tax_rate: Decimal | str | None = None,
    active: bool = True,
) -> Market:
    """A new market; ``DUPLICATE`` for a taken handle, ``MARKET_COUNTRY_TAKEN`` for a country
    another active market sells to (checked here for a precise message, and by the database's
    unique index against a concurrent claim)."""
    actor.require(Scope.PRICING_WRITE)
    now = deps.clock.now()
    policy, fallback = clean_tax_policy(tax_failure_policy, fallback_tax_rate)
    market = Market(
        id=None,
        handle=clean_handle(handle),
        name=clean_name(name),
        countries=clean_countries(countries),
        currency=clean_market_currency(currency),
        tax_display=tax_display,
        channels=clean_channels(channels),
        rounding=RoundingPolicy(rounding_mode, rounding_rule),
        tax_failure_policy=policy,
        fallback_tax_rate=fallback,
        active=active,
        created_at=now,
        updated_at=now,
    )

    async def run(uow: UnitOfWork) -> Market:
        created = replace(market)
        if await uow.markets.get_by_handle(created.handle) is not None:
            raise Duplicate(f"a market with handle {created.handle} exists", field=["handle"])
        check_countries_free(created, await uow.markets.list_active(), countries)
        await uow.markets.add(created)
        uow.record(_event("created", created, actor))
        return created

    return await in_transaction(deps, run)


async def update_market(
    deps: Deps,
    actor: Principal,
    *,
    market_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    countries: Sequence[str] | None = None,
    currency: str | None = None,
    tax_display: TaxDisplay | None = None,
    channels: Sequence[Channel] | None = None,
    rounding_mode: RoundingMode | None = None,
    rounding_rule: RoundingRule | None = None,
    tax_failure_policy: TaxFailurePolicy | None = None,
    fallback_tax_rate: Decimal | str | None = None,
    active: bool | None = None,
) -> Market:
    """Change what is given (a list replaces the old one); ``CONFLICT`` on a stale version.
    Activating a market claims its countries again (``MARKET_COUNTRY_TAKEN``)."""
    actor.require(Scope.PRICING_WRITE)
    new_name = clean_name(name) if name is not None else None
    new_countries = clean_countries(countries) if countries is not None else None
    new_currency = clean_market_currency(currency) if currency is not None else None
    new_channels = clean_channels(channels) if channels is not None else None
    # validated alone first (bad rate → INVALID before any read), against the stored policy below
    if fallback_tax_rate is not None:
        clean_tax_policy(TaxFailurePolicy.BLOCK, fallback_tax_rate)

    async def run(uow: UnitOfWork) -> Market:
        found = await uow.markets.get(market_id)
        if found is None:
            raise NotFound("no such market", field=["id"])
        check_version(expected_version, found.version, "market")
        previous = found.version
        if new_name is not None:
            found.name = new_name
        if new_countries is not None:
            found.countries = new_countries
        if new_currency is not None:
            found.currency = new_currency
        if tax_display is not None:
            found.tax_display = tax_display
        if new_channels is not None:
            found.channels = new_channels
        found.rounding = RoundingPolicy(
            rounding_mode or found.rounding.mode, rounding_rule or found.rounding.rule
        )
        found.tax_failure_policy, found.fallback_tax_rate = clean_tax_policy(
            tax_failure_policy or found.tax_failure_policy,
            fallback_tax_rate if fallback_tax_rate is not None else found.fallback_tax_rate,
        )
        if active is not None:
            found.active = active
        check_countries_free(found, await uow.markets.list_active(), countries or ())
        found.version += 1
        found.updated_at = deps.clock.now()
        if not await uow.markets.update(found, previous_version=previous):
            raise ChangedConcurrently("market changed concurrently")
        uow.record(_event("updated", found, actor))
        return found

    return await in_transaction(deps, run)


def the_default_market(deps: Deps) -> Market:
    return default_market(deps.policy.default_currency)


def resolve_market(country_code: str, active: Sequence[Market], deps: Deps) -> Market:
    """The market for a shipping country (``INVALID_COUNTRY`` for a code that is none): the
    active market that sells there, else the default market in the shop's currency."""
    code = clean_country(country_code, ["countryCode"])
    return market_for(code, active, the_default_market(deps))
