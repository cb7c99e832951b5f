"""Issuing API tokens (from the CLI, or later from an admin mutation)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ordergraph.auth.tokens import display_prefix, generate_token, hash_token
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.principals import Role, Scope, scopes_for
from ordergraph.domain.tokens import ApiToken
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


async def list_api_tokens(deps: Deps, *, include_customer_tokens: bool = False) -> list[ApiToken]:
    async with deps.uow() as uow:
        return await uow.tokens.list_all(include_customer_tokens=include_customer_tokens)


async def revoke_api_token(deps: Deps, id_or_prefix: str) -> ApiToken:
    """Revoke one token, named by its id, (the start of) its display prefix or the token itself;
    from then on it authenticates nothing. Revoking a revoked token changes nothing."""
    wanted = clean_text(id_or_prefix, ["token"], max_length=200)
    whole = hash_token(wanted) if len(wanted) > len(display_prefix(wanted)) else None
    async with deps.uow() as uow:
        found = await uow.tokens.find(wanted, whole)
        if not found:
            shown = wanted if whole is None else f"{display_prefix(wanted)}…"
            raise NotFound(f"no token has id or prefix {shown!r}", field=["token"])
        if len(found) > 1:
            names = ", ".join(f"{t.id} ({t.prefix}…)" for t in found)
            raise InvalidInput(
                f"{wanted!r} matches {len(found)} tokens: {names}; give the id",
                field=["token"],
            )
        (token,) = found
        now = deps.clock.now()
        if token.revoked_at is None:
            await uow.tokens.revoke(token.id, now)
            uow.record(
                DomainEvent("api_token.revoked", "ApiToken", token.id, {"role": token.role.value})
            )
            token = replace(token, revoked_at=now)
        await uow.commit()
    return token
