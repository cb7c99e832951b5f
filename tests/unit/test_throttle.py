"""Leaky buckets and the sign-in throttle, on an in-memory store and a fixed clock."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.domain.throttle import BucketPolicy, TooManyAttempts, take
from ordergraph.services.customers import create_customer, customer_login
from ordergraph.services.deps import Deps
from ordergraph.services.throttle import MemoryRateStore, Throttle, ThrottleRules
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
PASSWORD = "correct horse battery staple"


def test_a_bucket_allows_its_capacity_at_once_then_its_leak_rate() -> None:
    policy = BucketPolicy(capacity=3, leak_per_second=0.5)
    level, accepted = 0.0, []
    for _ in range(4):
        state = take(level, 0, 1, policy)
        accepted.append(state.accepted)
        level = state.level
    assert accepted == [True, True, True, False]
    assert take(level, 1.9, 1, policy).accepted is False  # 0.95 leaked: not enough yet
    assert take(level, 2.0, 1, policy).accepted is True


def test_a_refused_take_adds_nothing_and_says_when_to_come_back() -> None:
    policy = BucketPolicy(capacity=10, leak_per_second=2)
    state = take(9, 0, 5, policy)
    assert (state.accepted, state.level) == (False, 9)
    assert state.retry_after == pytest.approx(2.0)  # 4 units must leak, 2 per second
    assert state.available == 1


def test_a_bucket_never_leaks_below_empty_nor_backwards_in_time() -> None:
    policy = BucketPolicy(capacity=5, leak_per_second=1)
    assert take(2, 100, 1, policy).level == 1
    assert take(2, -30, 1, policy).level == 3  # a worker whose clock lags leaks nothing


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def deps(clock: FixedClock) -> Deps:
    base = fake_deps(FakeStore(), clock)
    return Deps(
        uow=base.uow,
        clock=clock,
        throttle=Throttle(MemoryRateStore(), "secret", ThrottleRules()),
    )


async def _guess(deps: Deps, email: str, password: str, client: str = "203.0.113.7") -> str:
    try:
        await customer_login(deps, email=email, password=password, client=client)
    except TooManyAttempts:
        return "throttled"
    except InvalidInput as exc:
        return exc.code
    return "ok"


async def test_five_wrong_passwords_lock_the_account_for_a_minute_per_guess(
    deps: Deps, clock: FixedClock
) -> None:
    await create_customer(deps, ADMIN, email="ann@example.com", name="Ann", password=PASSWORD)
    guesses = [
        await _guess(deps, "ann@example.com", f"wrong {i}", f"198.51.100.{i}") for i in range(6)
    ]
    assert guesses == ["INVALID_CREDENTIALS"] * 5 + ["throttled"]
    # even the right password waits: the lock is on the account, not on the guess
    assert await _guess(deps, "ann@example.com", PASSWORD, "192.0.2.1") == "throttled"
    clock.advance(timedelta(seconds=61))
    assert await _guess(deps, "ann@example.com", PASSWORD, "192.0.2.1") == "ok"


async def test_repeated_lockouts_back_off_to_twenty_guesses_a_day(
    deps: Deps, clock: FixedClock
) -> None:
    allowed = 0
    for _ in range(60):  # an hour of one guess a minute, from ever-changing addresses
        for i in range(3):
            if await _guess(deps, "bob@example.com", "guess", f"198.51.100.{allowed + i}") != (
                "throttled"
            ):
                allowed += 1
        clock.advance(timedelta(minutes=1))
    assert 20 <= allowed <= 21  # not 5 + 60: the daily tier took over


async def test_an_unknown_account_is_throttled_exactly_like_a_known_one(deps: Deps) -> None:
    await create_customer(deps, ADMIN, email="cara@example.com", name="Cara", password=PASSWORD)
    known = [await _guess(deps, "cara@example.com", "nope", f"10.0.0.{i}") for i in range(6)]
    unknown = [await _guess(deps, "nobody@example.com", "nope", f"10.0.1.{i}") for i in range(6)]
    assert known == unknown == ["INVALID_CREDENTIALS"] * 5 + ["throttled"]


async def test_one_address_gets_twenty_guesses_at_once_then_ten_a_minute(
    deps: Deps, clock: FixedClock
) -> None:
    results = [await _guess(deps, f"user{i}@example.com", "x" * 8) for i in range(21)]
    assert results.count("INVALID_CREDENTIALS") == 20
    assert results[-1] == "throttled"
    clock.advance(timedelta(seconds=6))
    assert await _guess(deps, "late@example.com", "x" * 8) == "INVALID_CREDENTIALS"
    assert await _guess(deps, "later@example.com", "x" * 8) == "throttled"


async def test_an_unknown_email_costs_as_much_time_as_a_wrong_password(deps: Deps) -> None:
    await create_customer(deps, ADMIN, email="dan@example.com", name="Dan", password=PASSWORD)

    async def timed(email: str, client: str) -> float:
        started = time.perf_counter()
        assert await _guess(deps, email, "wrong password", client) == "INVALID_CREDENTIALS"
        return time.perf_counter() - started

    await timed("warm@example.com", "10.9.9.9")  # the dummy hash is computed once
    # the fastest of five each: the least disturbed by whatever else the machine is doing
    known = min([await timed("dan@example.com", f"10.1.0.{i}") for i in range(5)])
    unknown = min([await timed(f"x{i}@example.com", f"10.2.0.{i}") for i in range(5)])
    assert unknown > known / 3
    assert unknown < known * 3


def test_store_keys_hold_no_email_or_address() -> None:
    key = Throttle(MemoryRateStore(), "secret").key("login-account.0", "ann@example.com")
    assert "ann" not in key
    assert key.startswith("login-account.0:")
    assert key != Throttle(MemoryRateStore(), "other").key("login-account.0", "ann@example.com")
