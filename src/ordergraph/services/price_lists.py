"""Use cases for price lists (create, update versioned, set prices), the prices in force for
an order, and the market an order buys in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ordergraph.domain.errors import NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.markets import Market
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.price_lists import (
    MarketUnavailable,
    PriceList,
    PricesRejected,
    check_price_rows,
    check_window,
    choose_prices,
    clean_customer_group,
    clean_name,
    unknown_skus,
)
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.markets import resolve_market, the_default_market


def _event(kind: str, price_list: PriceList, actor: Principal, **extra: object) -> DomainEvent:
    assert price_list.id is not None
    payload = {
        "marketId": price_list.market_id,
        "name": price_list.name,
        "active": price_list.active,
        "version": price_list.version,
        **extra,
    }
    return DomainEvent(f"price_list.{kind}", "PriceList", price_list.id, payload, actor=actor.actor)


async def create_price_list(
    deps: Deps,
    actor: Principal,
    *,
    name: str,
    market_id: int,
    channel: Channel | None = None,
    customer_group: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    active: bool = True,
) -> PriceList:
    """A new, empty price list of a market (``NOT_FOUND`` for no such market)."""
    actor.require(Scope.PRICING_WRITE)
    check_window(starts_at, ends_at)
    now = deps.clock.now()
    draft = PriceList(
        id=None,
        name=clean_name(name),
        market_id=market_id,
        channel=channel,
        customer_group=clean_customer_group(customer_group, ["customerGroup"]),
        starts_at=starts_at,
        ends_at=ends_at,
        active=active,
        created_at=now,
        updated_at=now,
    )

    async def run(uow: UnitOfWork) -> PriceList:
        if await uow.markets.get(market_id) is None:
            raise NotFound("no such market", field=["marketId"])
        created = await uow.price_lists.add(replace(draft))
        uow.record(_event("created", created, actor))
        return created

    return await in_transaction(deps, run)


async def update_price_list(
    deps: Deps,
    actor: Principal,
    *,
    price_list_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    channel: Channel | None = None,
    customer_group: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    active: bool | None = None,
    clear: frozenset[str] = frozenset(),
) -> PriceList:
    """Change what is given; the names in ``clear`` (channel, customer_group, starts_at,
    ends_at) are removed. ``CONFLICT`` on a stale version."""
    actor.require(Scope.PRICING_WRITE)
    new_name = clean_name(name) if name is not None else None
    new_group = clean_customer_group(customer_group, ["customerGroup"])

    async def run(uow: UnitOfWork) -> PriceList:
        found = await uow.price_lists.get(price_list_id)
        if found is None:
            raise NotFound("no such price list", field=["id"])
        check_version(expected_version, found.version, "price list")
        previous = found.version
        if new_name is not None:
            found.name = new_name
        if channel is not None or "channel" in clear:
            found.channel = channel
        if new_group is not None or "customer_group" in clear:
            found.customer_group = new_group
        if starts_at is not None or "starts_at" in clear:
            found.starts_at = starts_at
        if ends_at is not None or "ends_at" in clear:
            found.ends_at = ends_at
        if active is not None:
            found.active = active
        check_window(found.starts_at, found.ends_at)
        found.version += 1
        found.updated_at = deps.clock.now()
        if not await uow.price_lists.update(found, previous_version=previous):
            raise ChangedConcurrently("price list changed concurrently")
        uow.record(_event("updated", found, actor))
        return found

    return await in_transaction(deps, run)


async def set_prices(
    deps: Deps,
    actor: Principal,
    *,
    price_list_id: int,
    prices: Sequence[tuple[str, str | None]],
) -> PriceList:
    """Set (amount) or remove (None) up to 1,000 SKUs' prices in the list's market currency,
    all or nothing: ``PricesRejected`` names every refused row (bad or too precise amount
    ``INVALID_AMOUNT``, unknown SKU ``NOT_FOUND``, a SKU twice ``DUPLICATE``). Orders placed
    before keep what they were charged."""
    actor.require(Scope.PRICING_WRITE)

    async def run(uow: UnitOfWork) -> PriceList:
        found = await uow.price_lists.get(price_list_id)
        if found is None:
            raise NotFound("no such price list", field=["priceListId"])
        market = await uow.markets.get(found.market_id)
        assert market is not None  # a foreign key
        rows, errors = check_price_rows(prices, market.currency)
        known = await uow.products.get_many([row.sku for row in rows])
        errors += unknown_skus(rows, known)
        if errors:
            raise PricesRejected(errors)
        await uow.price_lists.set_prices(
            price_list_id,
            {row.sku: row.amount_minor for row in rows if row.amount_minor is not None},
            [row.sku for row in rows if row.amount_minor is None],
        )
        uow.record(
            _event(
                "prices_set",
                found,
                actor,
                set=sum(1 for row in rows if row.amount_minor is not None),
                removed=sum(1 for row in rows if row.amount_minor is None),
            )
        )
        return found

    return await in_transaction(deps, run)


async def prices_in_force(
    uow: UnitOfWork,
    *,
    market: Market,
    channel: Channel,
    customer_group: str | None,
    skus: Sequence[str],
    now: datetime,
) -> dict[str, Money]:
    """The list price per SKU for an order in ``market`` through ``channel`` by a customer of
    ``customer_group`` at ``now``: only SKUs that have one; one statement whatever the number
    of SKUs, none for the default market (it has no lists)."""
    if market.id is None or not skus:
        return {}
    lists, listed = await uow.price_lists.candidates(
        market_id=market.id, channel=channel, customer_group=customer_group, skus=skus, now=now
    )
    chosen = choose_prices(lists, listed, channel=channel, customer_group=customer_group, now=now)
    return {sku: Money(amount, market.currency) for sku, amount in chosen.items()}


async def choose_market(
    uow: UnitOfWork, deps: Deps, *, country_code: str, market_id: int | None, channel: Channel
) -> Market:
    """The market an order buys in. Given ``market_id``: that market, which must exist, be
    active and sell through ``channel`` (else ``MARKET_UNAVAILABLE`` on marketId). Without:
    the active market selling to ``country_code`` if it sells through ``channel``, else the
    default market."""
    if market_id is not None:
        found = await uow.markets.get(market_id)
        if found is None:
            raise MarketUnavailable("no such market")
        if not found.active:
            raise MarketUnavailable(f"the market {found.handle} is not active")
        if channel not in found.channels:
            raise MarketUnavailable(f"the market {found.handle} does not sell through {channel}")
        return found
    market = resolve_market(country_code, await uow.markets.list_active(), deps)
    return market if channel in market.channels else the_default_market(deps)


async def market_and_prices(
    uow: UnitOfWork,
    deps: Deps,
    *,
    country_code: str,
    market_id: int | None,
    channel: Channel,
    customer_id: int | None,
    skus: Sequence[str],
    now: datetime,
) -> tuple[Market, dict[str, Money]]:
    """An order's market (``choose_market``) and the list prices in force for its SKUs, with
    the customer's group (guests have none). One statement for the default market — its
    customer is not looked up, it has no lists — and a few more for a configured one."""
    market = await choose_market(
        uow, deps, country_code=country_code, market_id=market_id, channel=channel
    )
    if market.id is None:
        return market, {}
    group = await uow.customers.group_of(customer_id) if customer_id is not None else None
    prices = await prices_in_force(
        uow, market=market, channel=channel, customer_group=group, skus=skus, now=now
    )
    return market, prices
