"""Taxes: which rates apply (rates_for), rate validation, and resolve_taxes with its failure
policy and circuit breaker, on the fake unit of work with a tax provider that fails on demand
(a double of the port, tests/support/tax_providers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import replace
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ordergraph.config import Settings
from ordergraph.domain.errors import Duplicate, Forbidden, InvalidInput, VersionConflict
from ordergraph.domain.markets import Market, clean_tax_policy
from ordergraph.domain.ports import TaxProvider, UnitOfWork
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.domain.taxes import (
    AppliedRate,
    TaxAnswer,
    TaxClass,
    TaxFailurePolicy,
    TaxPolicyUsed,
    TaxRate,
    TaxUnavailable,
    clean_rate,
    clean_region,
    format_rate,
    rates_for,
)
from ordergraph.gateways import TableTaxProvider
from ordergraph.services.deps import Deps
from ordergraph.services.tax_circuit import TaxCircuit
from ordergraph.services.tax_rates import create_tax_rate, update_tax_rate
from ordergraph.services.taxes import TaxResolution, resolve_taxes
from tests.support.tax_providers import FlakyTaxProvider
from tests.unit.fakes import FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
STAFF = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="ro", token_id=2)
ALL = (TaxClass.STANDARD, TaxClass.REDUCED, TaxClass.ZERO)


def rate(
    country: str,
    percent: str,
    name: str,
    *,
    region: str | None = None,
    tax_class: TaxClass = TaxClass.STANDARD,
    shipping: bool = False,
    active: bool = True,
) -> TaxRate:
    return TaxRate(
        id=None,
        country_code=country,
        region=region,
        tax_class=tax_class,
        rate=Decimal(percent),
        name=name,
        tax_shipping=shipping,
        active=active,
    )


def market(
    policy: TaxFailurePolicy = TaxFailurePolicy.BLOCK, fallback: str | None = None
) -> Market:
    return Market(
        id=1,
        handle="eu",
        name="EU",
        countries=frozenset({"DE"}),
        currency="EUR",
        tax_failure_policy=policy,
        fallback_tax_rate=Decimal(fallback) if fallback is not None else None,
    )


CANADA = [
    rate("CA", "5", "GST", shipping=True),
    rate("CA", "8", "PST", region="ON", shipping=True),
    rate("CA", "9.975", "QST", region="QC"),
    rate("CA", "1", "Old", active=False),
    rate("CA", "2", "Reduced", tax_class=TaxClass.REDUCED),
    rate("US", "6", "Sales"),
]


# --- which rates apply ---------------------------------------------------------------------


def test_a_country_rate_and_the_destination_region_rate_add_up() -> None:
    assert rates_for(CANADA, "CA", "ON", TaxClass.STANDARD) == (
        AppliedRate("GST", Decimal(5)),
        AppliedRate("PST", Decimal(8)),
    )


def test_another_region_gets_only_its_own_and_the_country_rates() -> None:
    assert [a.name for a in rates_for(CANADA, "ca", " qc ", TaxClass.STANDARD)] == ["GST", "QST"]
    assert [a.name for a in rates_for(CANADA, "CA", "BC", TaxClass.STANDARD)] == ["GST"]
    assert [a.name for a in rates_for(CANADA, "CA", None, TaxClass.STANDARD)] == ["GST"]


def test_inactive_rates_other_classes_and_other_countries_do_not_apply() -> None:
    assert [a.name for a in rates_for(CANADA, "CA", None, TaxClass.REDUCED)] == ["Reduced"]
    assert rates_for(CANADA, "FR", None, TaxClass.STANDARD) == ()
    assert all(a.name != "Old" for a in rates_for(CANADA, "CA", "ON", TaxClass.STANDARD))


def test_the_zero_class_never_yields_a_rate() -> None:
    zero_rated = [*CANADA, rate("CA", "3", "Oddity", tax_class=TaxClass.ZERO)]
    assert rates_for(zero_rated, "CA", "ON", TaxClass.ZERO) == ()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("21", "21"),
        ("7.25", "7.25"),
        ("21.0000", "21"),
        (" 0 ", "0"),
        ("100", "100"),
        ("0.0001", "0.0001"),
    ],
)
def test_rates_are_percentages_kept_to_four_decimals(given: str, expected: str) -> None:
    assert format_rate(clean_rate(given, ["rate"])) == expected


@pytest.mark.parametrize(
    "given", ["100.0001", "-0.5", "7.00001", "abc", "NaN", "Infinity", "1" * 40]
)
def test_a_rate_outside_0_to_100_or_too_fine_is_invalid(given: str) -> None:
    with pytest.raises(InvalidInput) as error:
        clean_rate(given, ["rate"])
    assert error.value.field == ("rate",)


def test_regions_are_upper_cased_codes_and_blank_means_the_whole_country() -> None:
    assert clean_region(" on ", ["region"]) == "ON"
    assert clean_region("  ", ["region"]) is None
    with pytest.raises(InvalidInput):
        clean_region("O N", ["region"])


def test_the_fallback_policy_needs_a_rate_and_block_may_keep_one() -> None:
    with pytest.raises(InvalidInput) as error:
        clean_tax_policy(TaxFailurePolicy.FALLBACK, None)
    assert (error.value.code, error.value.field) == ("REQUIRED", ("fallbackTaxRate",))
    assert clean_tax_policy(TaxFailurePolicy.BLOCK, "19.0") == (
        TaxFailurePolicy.BLOCK,
        Decimal(19),
    )


# --- rate use cases --------------------------------------------------------------------------


async def test_rate_use_cases_need_pricing_write_and_keep_versions() -> None:
    store = FakeStore()
    deps = fake_deps(store)
    with pytest.raises(Forbidden):
        await create_tax_rate(
            deps, STAFF, country_code="DE", tax_class=TaxClass.STANDARD, rate="19", name="VAT"
        )
    created = await create_tax_rate(
        deps, ADMIN, country_code="de", tax_class=TaxClass.STANDARD, rate="19", name="VAT"
    )
    assert (created.country_code, created.rate, created.version) == ("DE", Decimal(19), 1)
    with pytest.raises(Duplicate):
        await create_tax_rate(
            deps, ADMIN, country_code="DE", tax_class=TaxClass.STANDARD, rate="7", name="VAT"
        )
    assert created.id is not None
    updated = await update_tax_rate(deps, ADMIN, rate_id=created.id, rate="16", expected_version=1)
    assert (updated.rate, updated.version) == (Decimal(16), 2)
    with pytest.raises(VersionConflict):
        await update_tax_rate(deps, ADMIN, rate_id=created.id, active=False, expected_version=1)
    assert [e.type for e in store.state.outbox] == ["tax_rate.created", "tax_rate.updated"]


# --- resolve_taxes: provider, NONE, failure policy, breaker -----------------------------------


async def seeded(store: FakeStore, *rates: TaxRate) -> None:
    deps = fake_deps(store)
    for r in rates:
        await create_tax_rate(
            deps,
            ADMIN,
            country_code=r.country_code,
            region=r.region,
            tax_class=r.tax_class,
            rate=r.rate,
            name=r.name,
            tax_shipping=r.tax_shipping,
        )


def with_provider(
    store: FakeStore, provider: TaxProvider, circuit: TaxCircuit | None = None
) -> Deps:
    return replace(fake_deps(store), tax_provider=provider, tax_circuit=circuit or TaxCircuit())


async def resolve(
    deps: Deps, m: Market, country: str = "CA", region: str | None = "ON"
) -> TaxResolution:
    async with deps.uow() as uow:
        return await resolve_taxes(
            uow, deps, market=m, country_code=country, region=region, classes=ALL
        )


async def test_the_table_provider_answers_every_class_and_the_shipping_rates() -> None:
    store = FakeStore()
    await seeded(store, *CANADA[:3], CANADA[4])
    deps = with_provider(store, TableTaxProvider())
    found = await resolve(deps, market())
    assert found.policy is TaxPolicyUsed.PROVIDER
    assert found.provider == "table"
    assert found.rates == {
        TaxClass.STANDARD: (AppliedRate("GST", Decimal(5)), AppliedRate("PST", Decimal(8))),
        TaxClass.REDUCED: (AppliedRate("Reduced", Decimal(2)),),
        TaxClass.ZERO: (),
    }
    assert found.shipping == (AppliedRate("GST", Decimal(5)), AppliedRate("PST", Decimal(8)))
    quebec = await resolve(deps, market(), region="QC")
    assert quebec.shipping == (AppliedRate("GST", Decimal(5)),)  # QST does not tax shipping


async def test_a_country_without_any_rate_is_charged_nothing_with_policy_none() -> None:
    store = FakeStore()
    await seeded(store, *CANADA[:2])
    found = await resolve(with_provider(store, TableTaxProvider()), market(), country="FR")
    assert found == TaxResolution(
        rates={c: () for c in ALL}, shipping=(), policy=TaxPolicyUsed.NONE, provider="table"
    )


async def test_a_failing_provider_blocks_a_blocking_market_never_charging_zero() -> None:
    store = FakeStore()
    await seeded(store, *CANADA[:2])
    provider = FlakyTaxProvider(down=True)
    with pytest.raises(TaxUnavailable) as error:
        await resolve(with_provider(store, provider), market(TaxFailurePolicy.BLOCK))
    assert error.value.code == "TAX_UNAVAILABLE"
    assert provider.calls == 1


async def test_a_failing_provider_gives_a_fallback_market_its_rate_on_all_but_zero() -> None:
    store = FakeStore()
    provider = FlakyTaxProvider()
    provider.fail_next(1)
    deps = with_provider(store, provider)
    found = await resolve(deps, market(TaxFailurePolicy.FALLBACK, "20"))
    fallback = (AppliedRate("Fallback", Decimal(20)),)
    assert found == TaxResolution(
        rates={TaxClass.STANDARD: fallback, TaxClass.REDUCED: fallback, TaxClass.ZERO: ()},
        shipping=fallback,
        policy=TaxPolicyUsed.FALLBACK,
        provider="flaky",
    )
    # the provider is back: its answer (no tax configured here) applies again
    assert (await resolve(deps, market(TaxFailurePolicy.FALLBACK, "20"))).policy is (
        TaxPolicyUsed.NONE
    )


async def test_a_provider_that_does_not_answer_in_time_counts_as_failed() -> None:
    store = FakeStore()
    provider = FlakyTaxProvider(hang=True)
    deps = with_provider(store, provider, TaxCircuit(timeout_seconds=0.05))
    found = await resolve(deps, market(TaxFailurePolicy.FALLBACK, "10"))
    assert found.policy is TaxPolicyUsed.FALLBACK
    with pytest.raises(TaxUnavailable):
        await resolve(deps, market(TaxFailurePolicy.BLOCK))


async def test_after_n_failures_in_a_row_the_provider_is_spared_until_the_reset_time() -> None:
    store = FakeStore()
    await seeded(store, CANADA[0])
    provider = FlakyTaxProvider(down=True)
    circuit = TaxCircuit(failures=3, reset_seconds=0.2)
    deps = with_provider(store, provider, circuit)
    blocking = market(TaxFailurePolicy.BLOCK)
    for _ in range(3):
        with pytest.raises(TaxUnavailable):
            await resolve(deps, blocking)
    assert (provider.calls, await circuit.state("flaky")) == (3, "opened")
    # open: the policy applies at once, the provider is not called
    provider.down = False
    with pytest.raises(TaxUnavailable):
        await resolve(deps, blocking)
    assert (await resolve(deps, market(TaxFailurePolicy.FALLBACK, "5"))).policy is (
        TaxPolicyUsed.FALLBACK
    )
    assert provider.calls == 3
    await asyncio.sleep(0.25)
    # after the reset time one trial call goes through; its success closes the circuit
    assert (await resolve(deps, blocking)).policy is TaxPolicyUsed.PROVIDER
    assert (provider.calls, await circuit.state("flaky")) == (4, "closed")


async def test_a_success_between_failures_resets_the_count() -> None:
    store = FakeStore()
    provider = FlakyTaxProvider()
    circuit = TaxCircuit(failures=2, reset_seconds=30)
    deps = with_provider(store, provider, circuit)
    blocking = market()
    for _ in range(3):
        provider.fail_next(1)
        with pytest.raises(TaxUnavailable):
            await resolve(deps, blocking)
        assert (await resolve(deps, blocking)).policy is TaxPolicyUsed.NONE
    assert (provider.calls, await circuit.state("flaky")) == (6, "closed")


async def test_a_failed_trial_after_the_reset_opens_the_circuit_again() -> None:
    store = FakeStore()
    provider = FlakyTaxProvider(down=True)
    circuit = TaxCircuit(failures=1, reset_seconds=0.1)
    deps = with_provider(store, provider, circuit)
    with pytest.raises(TaxUnavailable):
        await resolve(deps, market())
    await asyncio.sleep(0.15)
    with pytest.raises(TaxUnavailable):
        await resolve(deps, market())
    assert provider.calls == 2
    with pytest.raises(TaxUnavailable):
        await resolve(deps, market())
    assert (provider.calls, await circuit.state("flaky")) == (2, "opened")


async def test_our_own_errors_pass_through_without_counting_against_the_provider() -> None:
    class Broken(FlakyTaxProvider):
        async def rates(
            self,
            uow: UnitOfWork,
            *,
            country_code: str,
            region: str | None,
            classes: Collection[TaxClass],
        ) -> TaxAnswer:
            self.calls += 1
            raise KeyError("a bug, not an outage")

    store = FakeStore()
    provider = Broken()
    circuit = TaxCircuit(failures=1)
    deps = with_provider(store, provider, circuit)
    for _ in range(2):
        with pytest.raises(KeyError):
            await resolve(deps, market(TaxFailurePolicy.FALLBACK, "10"))
    assert (provider.calls, await circuit.state("flaky")) == (2, "closed")


# --- configuration ---------------------------------------------------------------------------


def test_the_provider_and_breaker_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PROVIDER", "BREAKER_FAILURES", "BREAKER_RESET_SECONDS"):
        monkeypatch.delenv(f"ORDERGRAPH_TAX_{name}", raising=False)
    monkeypatch.delenv("ORDERGRAPH_TAX_PROVIDER_TIMEOUT_SECONDS", raising=False)
    default = Settings().tax_circuit()
    assert (default.failures, default.reset_seconds, default.timeout_seconds) == (5, 30, 5)
    assert Settings().tax_provider_adapter().name == "table"
    monkeypatch.setenv("ORDERGRAPH_TAX_BREAKER_FAILURES", "2")
    monkeypatch.setenv("ORDERGRAPH_TAX_BREAKER_RESET_SECONDS", "90")
    monkeypatch.setenv("ORDERGRAPH_TAX_PROVIDER_TIMEOUT_SECONDS", "1.5")
    tuned = Settings().tax_circuit()
    assert (tuned.failures, tuned.reset_seconds, tuned.timeout_seconds) == (2, 90, 1.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [("PROVIDER", "avalara"), ("BREAKER_FAILURES", "0"), ("BREAKER_RESET_SECONDS", "-1")],
)
def test_a_bad_tax_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"ORDERGRAPH_TAX_{name}", value)
    with pytest.raises(ValidationError, match=f"ORDERGRAPH_TAX_{name}"):
        Settings()
