"""Issuing API tokens (from the CLI, or later from an admin mutation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.auth.tokens import display_prefix, generate_token, hash_token
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.principals import Role, Scope, scopes_for
from ordergraph.domain.validation import clean_text
from ordergraph.services.deps import Deps


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str
    role: Role
    scopes: frozenset[Scope]
    expires_at: datetime | None = None
    customer_id: int | None = None


async def create_api_token(
    deps: Deps,
    *,
    role: Role,
    name: str,
    scopes: frozenset[Scope] | None = None,
    customer_id: int | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Mint a token; only its SHA-256 digest is stored, so it is shown exactly once."""
    effective = scopes_for(role, scopes)
    token = generate_token(role)
    async with deps.uow() as uow:
        token_id = await uow.tokens.add(
            name=clean_text(name, ["name"], max_length=200),
            role=role,
            scopes=frozenset(scopes or ()) if role is not Role.ADMIN else effective,
            token_hash=hash_token(token),
            prefix=display_prefix(token),
            customer_id=customer_id,
            created_at=deps.clock.now(),
            expires_at=expires_at,
        )
        uow.record(DomainEvent("api_token.created", "ApiToken", token_id, {"role": role.value}))
        await uow.commit()
    return IssuedToken(
        id=token_id,
        token=token,
        role=role,
        scopes=effective,
        expires_at=expires_at,
        customer_id=customer_id,
    )
