"""Price lists: the pure chooser (specificity, windows, fall-through, ties), the price rows'
validation, and the use cases on the fake unit of work (prices in force, the market of an
order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.customers import clean_customer_group
from ordergraph.domain.errors import DomainError, InvalidInput, NotFound, VersionConflict
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.price_lists import (
    ListedPrice,
    MarketUnavailable,
    PriceList,
    PricesRejected,
    PriceUnavailable,
    check_price_rows,
    check_window,
    choose_prices,
)
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.deps import Deps
from ordergraph.services.markets import create_market
from ordergraph.services.price_lists import (
    choose_market,
    create_price_list,
    prices_in_force,
    set_prices,
    update_price_list,
)
from ordergraph.services.quotes import quote_order
from tests.unit.fakes import DEFAULT_NOW, Shop, address

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def a_list(
    list_id: int,
    *,
    channel: Channel | None = None,
    group: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    active: bool = True,
) -> PriceList:
    return PriceList(
        id=list_id,
        name=f"list {list_id}",
        market_id=1,
        channel=channel,
        customer_group=group,
        starts_at=starts_at,
        ends_at=ends_at,
        active=active,
    )


def choose(
    lists: list[PriceList],
    prices: dict[int, dict[str, int]],
    *,
    channel: Channel = Channel.WEB,
    group: str | None = None,
    now: datetime = NOW,
) -> dict[str, int]:
    listed = [
        ListedPrice(list_id, sku, amount)
        for list_id, by_sku in prices.items()
        for sku, amount in by_sku.items()
    ]
    return choose_prices(lists, listed, channel=channel, customer_group=group, now=now)


# --- the chooser -------------------------------------------------------------------------------


def test_the_most_specific_list_wins_channel_and_group_then_group_then_channel() -> None:
    lists = [
        a_list(1),
        a_list(2, channel=Channel.WEB),
        a_list(3, group="wholesale"),
        a_list(4, channel=Channel.WEB, group="wholesale"),
    ]
    prices = {i: {"A": 100 * i} for i in (1, 2, 3, 4)}
    assert choose(lists, prices, group="wholesale") == {"A": 400}
    assert choose(lists[:3], prices, group="wholesale") == {"A": 300}
    assert choose(lists[:2], prices, group="wholesale") == {"A": 200}
    assert choose(lists, prices, group=None) == {"A": 200}
    assert choose(lists, prices, channel=Channel.APP, group=None) == {"A": 100}
    assert choose(lists, prices, channel=Channel.APP, group="wholesale") == {"A": 300}


def test_a_group_list_outranks_a_channel_list_whatever_their_ids() -> None:
    lists = [a_list(9, channel=Channel.WEB), a_list(2, group="vip")]
    assert choose(lists, {9: {"A": 900}, 2: {"A": 200}}, group="vip") == {"A": 200}


def test_a_sku_missing_from_a_more_specific_list_falls_through() -> None:
    lists = [a_list(1), a_list(2, channel=Channel.WEB), a_list(3, group="vip")]
    prices = {1: {"A": 10, "B": 11, "C": 12}, 2: {"B": 21}, 3: {"C": 31}}
    assert choose(lists, prices, group="vip") == {"A": 10, "B": 21, "C": 31}


def test_only_lists_in_force_at_now_apply_and_the_end_is_exclusive() -> None:
    lists = [
        a_list(1),
        a_list(2, starts_at=NOW - DAY, ends_at=NOW + DAY),
        a_list(3, starts_at=NOW + DAY),
        a_list(4, ends_at=NOW),
        a_list(5, active=False),
    ]
    prices = {i: {"A": i} for i in range(1, 6)}
    # equal specificity: the latest start wins, and an open start is the earliest
    assert choose(lists, prices) == {"A": 2}
    assert choose(lists, prices, now=NOW - 2 * DAY) == {"A": 4}  # 4 ends later; 2 not begun
    assert choose(lists, prices, now=NOW + DAY) == {"A": 3}  # 2 ended exactly now, 3 starts
    assert choose(lists, prices, now=NOW + DAY - timedelta(microseconds=1)) == {"A": 2}


def test_ties_go_to_the_latest_start_then_the_highest_id() -> None:
    same_start = [a_list(3, starts_at=NOW - DAY), a_list(7, starts_at=NOW - DAY)]
    assert choose(same_start, {3: {"A": 3}, 7: {"A": 7}}) == {"A": 7}
    later_start_lower_id = [a_list(3, starts_at=NOW - DAY), a_list(7, starts_at=NOW - 2 * DAY)]
    assert choose(later_start_lower_id, {3: {"A": 3}, 7: {"A": 7}}) == {"A": 3}


def test_lists_for_another_channel_or_group_never_apply() -> None:
    lists = [a_list(1, channel=Channel.APP), a_list(2, group="wholesale")]
    assert choose(lists, {1: {"A": 1}, 2: {"A": 2}}, channel=Channel.WEB, group="vip") == {}


# --- validation --------------------------------------------------------------------------------


def test_a_window_must_end_after_it_starts() -> None:
    check_window(NOW, NOW + DAY)
    check_window(None, NOW)
    for end in (NOW, NOW - DAY):
        with pytest.raises(InvalidInput) as refused:
            check_window(NOW, end)
        assert list(refused.value.field or ()) == ["endsAt"]


def test_customer_groups_are_short_lower_case_handles() -> None:
    assert clean_customer_group(" Wholesale ", ["group"]) == "wholesale"
    assert clean_customer_group("", ["group"]) is None
    with pytest.raises(InvalidInput):
        clean_customer_group("whole sale!", ["group"])


def test_every_bad_price_row_is_named_and_the_good_ones_kept() -> None:
    rows, errors = check_price_rows(
        [("A", "19.99"), ("B", "1.999"), ("C", "-1"), ("D", "abc"), ("A", "2"), ("E", None)],
        "EUR",
    )
    assert [(r.sku, r.amount_minor) for r in rows] == [("A", 1999), ("E", None)]
    assert [(list(e.field or ()), e.code) for e in errors] == [
        (["prices", "1", "amount"], "INVALID_AMOUNT"),
        (["prices", "2", "amount"], "INVALID_AMOUNT"),
        (["prices", "3", "amount"], "INVALID_AMOUNT"),
        (["prices", "4", "sku"], "DUPLICATE"),
    ]
    _, jpy = check_price_rows([("A", "100.5")], "JPY")
    assert [e.code for e in jpy] == ["INVALID_AMOUNT"]


def test_more_than_a_thousand_rows_are_refused_as_a_whole() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_price_rows([(f"S{i}", "1") for i in range(1001)], "EUR")
    assert refused.value.code == "TOO_MANY_SKUS"


# --- use cases on the fake unit of work --------------------------------------------------------


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture
def deps(shop: Shop) -> Deps:
    return shop.deps


async def test_prices_in_force_follow_the_chooser_and_skip_the_default_market(
    deps: Deps, shop: Shop
) -> None:
    await shop.add_product("A", "10.00")
    await shop.add_product("B", "10.00")
    market = await create_market(
        deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR"
    )
    assert market.id is not None
    general = await create_price_list(deps, ADMIN, name="General", market_id=market.id)
    web = await create_price_list(deps, ADMIN, name="Web", market_id=market.id, channel=Channel.WEB)
    assert general.id is not None
    assert web.id is not None
    await set_prices(deps, ADMIN, price_list_id=general.id, prices=[("A", "9"), ("B", "8")])
    await set_prices(deps, ADMIN, price_list_id=web.id, prices=[("A", "7.50")])
    async with deps.uow() as uow:
        found = await prices_in_force(
            uow,
            market=market,
            channel=Channel.WEB,
            customer_group=None,
            skus=["A", "B", "C"],
            now=DEFAULT_NOW,
        )
        assert found == {"A": Money(750, "EUR"), "B": Money(800, "EUR")}
        app = await prices_in_force(
            uow,
            market=market,
            channel=Channel.APP,
            customer_group=None,
            skus=["A"],
            now=DEFAULT_NOW,
        )
        assert app == {"A": Money(900, "EUR")}
        default = await choose_market(
            uow, deps, country_code="US", market_id=None, channel=Channel.WEB
        )
        assert default.id is None
        assert (
            await prices_in_force(
                uow,
                market=default,
                channel=Channel.WEB,
                customer_group=None,
                skus=["A"],
                now=DEFAULT_NOW,
            )
            == {}
        )


async def test_set_prices_is_all_or_nothing(deps: Deps, shop: Shop) -> None:
    await shop.add_product("A", "10.00")
    market = await create_market(
        deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR"
    )
    assert market.id is not None
    price_list = await create_price_list(deps, ADMIN, name="General", market_id=market.id)
    assert price_list.id is not None
    with pytest.raises(PricesRejected) as rejected:
        await set_prices(
            deps, ADMIN, price_list_id=price_list.id, prices=[("A", "5"), ("NOPE", "1")]
        )
    assert [(list(e.field or ()), e.code) for e in rejected.value.errors] == [
        (["prices", "1", "sku"], "NOT_FOUND")
    ]
    async with deps.uow() as uow:
        assert (
            await prices_in_force(
                uow,
                market=market,
                channel=Channel.WEB,
                customer_group=None,
                skus=["A"],
                now=DEFAULT_NOW,
            )
            == {}
        )


async def test_updating_a_price_list_checks_versions_and_the_window(deps: Deps) -> None:
    market = await create_market(
        deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR"
    )
    assert market.id is not None
    with pytest.raises(NotFound):
        await create_price_list(deps, ADMIN, name="X", market_id=market.id + 99)
    created = await create_price_list(
        deps, ADMIN, name="Sale", market_id=market.id, starts_at=NOW, ends_at=NOW + DAY
    )
    assert created.id is not None
    with pytest.raises(VersionConflict):
        await update_price_list(deps, ADMIN, price_list_id=created.id, expected_version=7)
    with pytest.raises(InvalidInput):
        await update_price_list(deps, ADMIN, price_list_id=created.id, ends_at=NOW - DAY)
    changed = await update_price_list(
        deps, ADMIN, price_list_id=created.id, expected_version=1, clear=frozenset({"ends_at"})
    )
    assert (changed.ends_at, changed.version) == (None, 2)


async def test_a_given_market_must_be_active_and_sell_through_the_channel(deps: Deps) -> None:
    web_only = await create_market(
        deps,
        ADMIN,
        handle="eu",
        name="EU",
        countries=["NL"],
        currency="EUR",
        channels=[Channel.WEB],
    )
    assert web_only.id is not None
    async with deps.uow() as uow:
        chosen = await choose_market(
            uow, deps, country_code="US", market_id=web_only.id, channel=Channel.WEB
        )
        assert chosen.id == web_only.id
        for market_id, channel in ((web_only.id, Channel.APP), (web_only.id + 9, Channel.WEB)):
            with pytest.raises(MarketUnavailable) as refused:
                await choose_market(
                    uow, deps, country_code="NL", market_id=market_id, channel=channel
                )
            assert list(refused.value.field or ()) == ["marketId"]
        # found by country but not selling through the channel: the default market
        fallback = await choose_market(
            uow, deps, country_code="NL", market_id=None, channel=Channel.APP
        )
        assert fallback.id is None
        by_country = await choose_market(
            uow, deps, country_code="nl", market_id=None, channel=Channel.WEB
        )
        assert by_country.id == web_only.id


def test_price_rejections_are_domain_errors_with_their_rows() -> None:
    error = PricesRejected([InvalidInput("x", field=["prices", "3", "sku"])])
    assert isinstance(error, DomainError)
    assert list(error.errors[0].field or ()) == ["prices", "3", "sku"]


async def test_a_quote_in_a_market_prices_from_its_lists_and_knows_its_market(
    deps: Deps, shop: Shop
) -> None:
    await shop.add_warehouse("AMS", "EU-WEST", "NL")
    await shop.add_product("A", "10.00")
    await shop.add_product("B", "10.00", currency="USD")
    for sku in ("A", "B"):
        await shop.receive(sku, "AMS", 5)
    market = await create_market(
        deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR"
    )
    assert market.id is not None
    price_list = await create_price_list(deps, ADMIN, name="General", market_id=market.id)
    assert price_list.id is not None
    await set_prices(deps, ADMIN, price_list_id=price_list.id, prices=[("A", "7.00")])

    quoted = await quote_order(
        deps,
        ADMIN,
        channel=Channel.WEB,
        lines=[RequestedLine("A", 2)],
        shipping_address=address(country_code="NL"),
        email="a@example.com",
    )
    assert quoted.market.id == market.id
    assert [(line.sku, line.unit_price) for line in quoted.lines] == [("A", Money(700, "EUR"))]
    with pytest.raises(PriceUnavailable) as refused:
        await quote_order(
            deps,
            ADMIN,
            channel=Channel.WEB,
            lines=[RequestedLine("A", 1), RequestedLine("B", 1)],
            shipping_address=address(country_code="NL"),
            email="a@example.com",
        )
    assert list(refused.value.field or ()) == ["lines", "1", "sku"]
