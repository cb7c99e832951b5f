"""Markets: validation with codes, resolution by country, the default market, and the use
cases on the fake unit of work (a country in at most one active market, versions)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ordergraph.config import Settings
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import (
    DomainError,
    Duplicate,
    Forbidden,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from ordergraph.domain.markets import (
    Market,
    MarketCountryTaken,
    TaxDisplay,
    check_countries_free,
    clean_countries,
    clean_handle,
    default_market,
    market_for,
)
from ordergraph.domain.orders import Channel
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.rounding import RoundingMode, RoundingRule
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.markets import create_market, resolve_market, update_market
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
STAFF = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="ro", token_id=2)
PRICER = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.PRICING_WRITE})),
    name="pricing",
    token_id=3,
)


def market(mid: int, handle: str, countries: set[str], *, active: bool = True) -> Market:
    return Market(
        id=mid,
        handle=handle,
        name=handle.upper(),
        countries=frozenset(countries),
        currency="EUR",
        active=active,
    )


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW), policy=OrderPolicy(default_currency="SEK"))


def code_of(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# --- pure rules --------------------------------------------------------------------------


def test_a_country_resolves_to_the_active_market_that_sells_there() -> None:
    eu = market(1, "eu", {"NL", "DE"})
    us = market(2, "us", {"US"})
    fallback = default_market("EUR")
    assert market_for("DE", [eu, us], fallback) is eu
    assert market_for("us", [eu, us], fallback) is us
    assert market_for("JP", [eu, us], fallback) is fallback
    assert market_for(None, [eu, us], fallback) is fallback


def test_an_inactive_market_sells_nowhere() -> None:
    eu = market(1, "eu", {"NL"}, active=False)
    assert market_for("NL", [eu], default_market("EUR")).is_default


def test_the_default_market_sells_everywhere_in_the_shops_currency() -> None:
    fallback = default_market("JPY")
    assert fallback.is_default
    assert fallback.id is None
    assert fallback.currency == "JPY"
    assert fallback.channels == frozenset(Channel)
    assert fallback.tax_display is TaxDisplay.EXCLUSIVE
    assert (fallback.rounding.mode, fallback.rounding.rule) == (
        RoundingMode.PER_LINE,
        RoundingRule.HALF_UP,
    )


def test_a_country_held_by_another_active_market_is_taken() -> None:
    eu = market(1, "eu", {"NL", "DE"})
    dach = market(None, "dach", {"AT", "DE"})  # type: ignore[arg-type]
    with pytest.raises(MarketCountryTaken) as exc:
        check_countries_free(dach, [eu], ["at", "de"])
    assert exc.value.code == "MARKET_COUNTRY_TAKEN"
    assert exc.value.field == ("countries", "1")
    assert "eu" in exc.value.message
    # an inactive holder, or an inactive newcomer, takes nothing
    check_countries_free(dach, [market(1, "eu", {"DE"}, active=False)])
    check_countries_free(market(3, "dach", {"DE"}, active=False), [eu])
    # a market never collides with itself
    check_countries_free(eu, [eu])


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ([], "REQUIRED"),
        (["NL", "nl"], "DUPLICATE"),
        (["XX"], "INVALID_COUNTRY"),
        (["NLD"], "TOO_LONG"),
    ],
)
def test_bad_country_lists_have_codes(values: list[str], code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_countries(values)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("value", "code"), [("EU Main", "INVALID"), ("default", "DUPLICATE"), ("", "REQUIRED")]
)
def test_bad_handles_have_codes(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_handle(value)
    assert exc.value.code == code


def test_handles_are_lower_cased() -> None:
    assert clean_handle(" EU-West ") == "eu-west"


# --- use cases ---------------------------------------------------------------------------


async def test_creating_a_market_stores_it_and_records_an_event(
    deps: Deps, store: FakeStore
) -> None:
    created = await create_market(
        deps,
        PRICER,
        handle="eu",
        name="Europe",
        countries=["nl", "DE"],
        currency="eur",
        tax_display=TaxDisplay.INCLUSIVE,
        channels=[Channel.WEB],
        rounding_mode=RoundingMode.PER_UNIT,
        rounding_rule=RoundingRule.HALF_EVEN,
    )
    assert created.id is not None
    assert created.countries == {"NL", "DE"}
    assert created.currency == "EUR"
    assert created.version == 1
    assert [e.type for e in store.state.outbox] == ["market.created"]


async def test_staff_without_pricing_write_may_not_create_markets(deps: Deps) -> None:
    with pytest.raises(Forbidden):
        await create_market(deps, STAFF, handle="eu", name="EU", countries=["NL"], currency="EUR")


async def test_a_second_market_cannot_claim_a_taken_country_or_handle(deps: Deps) -> None:
    await create_market(deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR")
    with pytest.raises(MarketCountryTaken):
        await create_market(
            deps, ADMIN, handle="benelux", name="B", countries=["BE", "NL"], currency="EUR"
        )
    with pytest.raises(Duplicate):
        await create_market(deps, ADMIN, handle="eu", name="EU2", countries=["BE"], currency="EUR")
    # an inactive market may list the country; activating it is refused while it is taken
    idle = await create_market(
        deps, ADMIN, handle="nl-b2b", name="B2B", countries=["NL"], currency="EUR", active=False
    )
    assert idle.id is not None
    with pytest.raises(MarketCountryTaken):
        await update_market(deps, ADMIN, market_id=idle.id, active=True)


async def test_updates_check_the_version_and_bump_it(deps: Deps) -> None:
    eu = await create_market(deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR")
    assert eu.id is not None
    changed = await update_market(
        deps, ADMIN, market_id=eu.id, expected_version=1, countries=["NL", "BE"], currency="USD"
    )
    assert changed.version == 2
    assert changed.countries == {"NL", "BE"}
    assert changed.currency == "USD"
    with pytest.raises(VersionConflict) as exc:
        await update_market(deps, ADMIN, market_id=eu.id, expected_version=1, name="Old")
    assert exc.value.current_version == 2
    with pytest.raises(NotFound):
        await update_market(deps, ADMIN, market_id=999, name="Nobody")


async def test_bad_input_is_refused_before_anything_is_written(
    deps: Deps, store: FakeStore
) -> None:
    with pytest.raises(InvalidInput) as exc:
        await create_market(deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EURO")
    assert exc.value.code == "INVALID_CURRENCY"
    with pytest.raises(InvalidInput) as exc:
        await create_market(
            deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR", channels=[]
        )
    assert exc.value.code == "REQUIRED"
    assert store.state.markets == {}
    assert store.state.outbox == []


async def test_resolving_a_country_falls_back_to_the_default_market(deps: Deps) -> None:
    eu = await create_market(deps, ADMIN, handle="eu", name="EU", countries=["NL"], currency="EUR")
    assert resolve_market("nl", [eu], deps).handle == "eu"
    fallback = resolve_market("SE", [eu], deps)
    assert fallback.is_default
    assert fallback.currency == "SEK"
    with pytest.raises(InvalidInput) as exc:
        resolve_market("Narnia", [eu], deps)
    assert exc.value.code in {"INVALID_COUNTRY", "TOO_LONG"}


# --- configuration -----------------------------------------------------------------------


def test_the_default_currency_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERGRAPH_DEFAULT_CURRENCY", raising=False)
    assert Settings().order_policy().default_currency == "EUR"
    monkeypatch.setenv("ORDERGRAPH_DEFAULT_CURRENCY", " jpy ")
    assert Settings().order_policy().default_currency == "JPY"


@pytest.mark.parametrize("value", ["EURO", "XYZ", ""])
def test_a_default_currency_must_be_an_iso_4217_code(value: str) -> None:
    with pytest.raises(ValidationError, match="ORDERGRAPH_DEFAULT_CURRENCY"):
        Settings(ORDERGRAPH_DEFAULT_CURRENCY=value)
