"""Leaky buckets: the one rule behind every rate limit (sign-in, bad tokens, query cost).

A bucket holds ``level`` units and leaks ``leak_per_second`` of them continuously. Taking
``cost`` units succeeds only if ``level - leaked + cost <= capacity``; a refused take adds
nothing, so the caller may come back as soon as enough has leaked (``retry_after``). A bucket
with capacity C and rate R allows a burst of C, then R per second for ever.

The state lives behind ``RateStore`` so that every worker shares it: ``take`` must be one
atomic step (the SQL store is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ordergraph.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    """``capacity`` units, refilled (leaked) at ``leak_per_second``."""

    capacity: float
    leak_per_second: float

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.leak_per_second <= 0:
            raise ValueError("a bucket needs a positive capacity and leak rate")

    @property
    def per_minute(self) -> float:
        """Sustained units per minute once the burst is spent."""
        return self.leak_per_second * 60


@dataclass(frozen=True, slots=True)
class BucketState:
    """The bucket after one take."""

    accepted: bool
    level: float
    policy: BucketPolicy
    cost: float

    @property
    def available(self) -> float:
        """Units that could be taken now."""
        return max(0.0, self.policy.capacity - self.level)

    @property
    def retry_after(self) -> float:
        """Seconds until a take of the same cost would succeed (0 if it just did)."""
        if self.accepted:
            return 0.0
        missing = self.level + self.cost - self.policy.capacity
        return max(0.0, missing / self.policy.leak_per_second)


def leak(level: float, elapsed: float, policy: BucketPolicy) -> float:
    """What is left of ``level`` after ``elapsed`` seconds (never below zero)."""
    return max(0.0, level - max(0.0, elapsed) * policy.leak_per_second)


def take(level: float, elapsed: float, cost: float, policy: BucketPolicy) -> BucketState:
    """The pure rule every store applies atomically."""
    left = leak(level, elapsed, policy)
    if left + cost <= policy.capacity:
        return BucketState(True, left + cost, policy, cost)
    return BucketState(False, left, policy, cost)


class RateStore(Protocol):
    """Shared bucket state (a database table, or Redis): one atomic take per call."""

    async def take(
        self, key: str, cost: float, policy: BucketPolicy, now: float
    ) -> BucketState: ...


class TooManyAttempts(DomainError):
    """A throttle refused this attempt; ``retry_after`` seconds from now it may succeed."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, retry_after: float, *, field: list[str] | None = None) -> None:
        seconds = max(1, round(retry_after + 0.5))
        super().__init__(f"too many attempts; try again in {seconds} seconds", field=field)
        self.retry_after = seconds
