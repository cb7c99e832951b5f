"""The throttle every abuse limit goes through: sign-in, bad API tokens, query cost.

A rule is one or more leaky-bucket tiers (``ordergraph.domain.throttle``); a hit takes from
every tier of the subject's buckets and is refused if any tier is full. A short fast tier gives
the burst and the per-minute rate; a long slow tier turns repeated lockouts into a back-off
(5 wrong passwords lock an account for a minute each, 20 lock it for hours). Subjects (emails,
addresses, token ids) are keyed by an HMAC under the secret key, so the store never holds
personal data.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field

from ordergraph.domain.clock import Clock
from ordergraph.domain.throttle import (
    BucketPolicy,
    BucketState,
    RateStore,
    TooManyAttempts,
    take,
)

MINUTE = 60.0
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    name: str
    tiers: tuple[BucketPolicy, ...]

    @property
    def burst(self) -> float:
        return min(t.capacity for t in self.tiers)


def per_minute(burst: float, rate: float) -> BucketPolicy:
    return BucketPolicy(capacity=burst, leak_per_second=rate / MINUTE)


@dataclass(frozen=True, slots=True)
class ThrottleRules:
    """The limits in force (``ORDERGRAPH_LOGIN_*`` and friends set them)."""

    login_account: ThrottleRule = ThrottleRule(
        "login-account", (per_minute(5, 1), BucketPolicy(20, 20 / DAY))
    )
    login_address: ThrottleRule = ThrottleRule("login-address", (per_minute(20, 10),))
    bad_token_address: ThrottleRule = ThrottleRule("bad-token-address", (per_minute(20, 10),))
    # payments through one pay link: whoever holds a link cannot try card after card
    pay_link: ThrottleRule = ThrottleRule(
        "pay-link", (per_minute(5, 1), BucketPolicy(20, 20 / DAY))
    )
    query_cost: BucketPolicy = field(
        default_factory=lambda: BucketPolicy(capacity=4000, leak_per_second=200)
    )


class MemoryRateStore:
    """One process's buckets: the default when no shared store is wired (tests, scripts)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = asyncio.Lock()

    async def take(self, key: str, cost: float, policy: BucketPolicy, now: float) -> BucketState:
        async with self._lock:
            level, then = self._buckets.get(key, (0.0, now))
            state = take(level, now - then, cost, policy)
            self._buckets[key] = (state.level, max(now, then))
            return state


@dataclass(frozen=True, slots=True)
class Throttle:
    store: RateStore = field(default_factory=MemoryRateStore)
    secret: str = "dev"
    rules: ThrottleRules = field(default_factory=ThrottleRules)

    def key(self, name: str, subject: str) -> str:
        digest = hmac.new(self.secret.encode(), subject.encode(), hashlib.sha256).hexdigest()
        return f"{name}:{digest[:40]}"

    async def take(
        self, clock: Clock, name: str, subject: str, cost: float, policy: BucketPolicy
    ) -> BucketState:
        return await self.store.take(self.key(name, subject), cost, policy, clock.now().timestamp())

    async def hit(self, clock: Clock, rule: ThrottleRule, subject: str) -> BucketState:
        """Take one unit from every tier; the first refusal (or the last state) comes back."""
        state: BucketState | None = None
        for index, tier in enumerate(rule.tiers):
            state = await self.take(clock, f"{rule.name}.{index}", subject, 1.0, tier)
            if not state.accepted:
                return state
        assert state is not None
        return state

    async def check(
        self, clock: Clock, rule: ThrottleRule, subject: str, *, field: list[str] | None = None
    ) -> None:
        """``hit``, raising ``TooManyAttempts`` when refused."""
        state = await self.hit(clock, rule, subject)
        if not state.accepted:
            raise TooManyAttempts(state.retry_after, field=field)
