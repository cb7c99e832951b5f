"""Time as a port, so expiry and lateness are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ReplayClock:
    """Another clock's time, until told to stand at a moment in the past: for replaying
    history through the real use cases (the demo seed). Share one instance between the
    services and their unit of work, so the rows and the events of a step carry its time."""

    def __init__(self, base: Clock) -> None:
        self._base = base
        self._at: datetime | None = None

    def now(self) -> datetime:
        return self._at if self._at is not None else self._base.now()

    def present(self) -> datetime:
        """The base clock's time, wherever this one stands."""
        return self._base.now()

    def travel_to(self, moment: datetime | None) -> None:
        """Stand at ``moment`` (timezone-aware); None returns to the base clock."""
        if moment is not None and moment.tzinfo is None:
            raise ValueError("ReplayClock needs a timezone-aware datetime")
        self._at = moment
