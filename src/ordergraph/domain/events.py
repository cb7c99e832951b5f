"""Domain events: facts recorded by aggregates, written to the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened. ``type`` is dotted (``inventory.adjusted``)."""

    type: str
    aggregate_type: str
    aggregate_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    order_id: int | None = None
    actor: str = "system"
