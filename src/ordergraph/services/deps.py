"""What every use case is handed: a way to open a unit of work, and the time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ordergraph.domain.clock import Clock
from ordergraph.domain.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Clock
