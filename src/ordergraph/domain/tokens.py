"""What we know about an API token after it was issued: never the token, only its traces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.principals import Role, Scope


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored token: its label, role, scopes and the first characters shown to people."""

    id: int
    name: str
    role: Role
    scopes: frozenset[Scope]
    prefix: str
    customer_id: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
