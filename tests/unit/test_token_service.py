"""Use case: issuing API tokens, of which only a SHA-256 digest is kept."""

from __future__ import annotations

import hashlib

import pytest

from ordergraph.auth.tokens import hash_token
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.principals import DEFAULT_SCOPES, Role, Scope
from ordergraph.services.deps import Deps
from ordergraph.services.tokens import create_api_token, list_api_tokens, revoke_api_token
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW))


async def test_only_the_sha256_digest_of_a_token_is_stored(deps: Deps, store: FakeStore) -> None:
    issued = await create_api_token(deps, role=Role.STAFF, name=" ci bot ")
    [stored] = store.tokens
    assert stored.id == issued.id
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert stored.token_hash == hash_token(issued.token)
    assert issued.token not in repr(store.state)
    assert stored.prefix == issued.token[:12]
    assert len(issued.token) > len(stored.prefix) + 30
    assert stored.name == "ci bot"
    assert (stored.role, stored.created_at, stored.expires_at) == (Role.STAFF, DEFAULT_NOW, None)


async def test_a_different_token_does_not_verify_against_the_stored_digest(
    deps: Deps, store: FakeStore
) -> None:
    first = await create_api_token(deps, role=Role.STAFF, name="a")
    second = await create_api_token(deps, role=Role.STAFF, name="b")
    assert first.token != second.token
    digests = {t.id: t.token_hash for t in store.tokens}
    assert digests[first.id] == hash_token(first.token)
    assert digests[first.id] != hash_token(second.token)
    assert digests[first.id] != hash_token(first.token + "x")


async def test_a_token_without_scopes_gets_the_role_defaults(deps: Deps, store: FakeStore) -> None:
    issued = await create_api_token(deps, role=Role.STAFF, name="viewer")
    assert issued.scopes == DEFAULT_SCOPES[Role.STAFF]
    assert issued.token.startswith("og_st_")


async def test_a_token_adds_the_scopes_it_was_given_to_the_role_defaults(
    deps: Deps, store: FakeStore
) -> None:
    wanted = frozenset({Scope.CATALOG_WRITE, Scope.CATALOG_READ})
    issued = await create_api_token(deps, role=Role.STAFF, name="editor", scopes=wanted)
    assert issued.scopes == DEFAULT_SCOPES[Role.STAFF] | wanted
    # the token's own scopes are stored; the role defaults are added when it is used
    assert [t.scopes for t in store.tokens] == [wanted]


async def test_an_admin_token_holds_every_scope(deps: Deps, store: FakeStore) -> None:
    issued = await create_api_token(deps, role=Role.ADMIN, name="root")
    assert issued.scopes == frozenset(Scope)
    assert [t.scopes for t in store.tokens] == [frozenset(Scope)]


async def test_issuing_a_token_records_an_event(deps: Deps, store: FakeStore) -> None:
    issued = await create_api_token(deps, role=Role.STOREFRONT, name="shop")
    [event] = store.outbox
    assert (event.type, event.aggregate_id, event.payload) == (
        "api_token.created",
        issued.id,
        {"role": "STOREFRONT"},
    )
    assert issued.token not in repr(event)


async def test_a_token_with_scopes_its_role_may_not_hold_is_refused_and_not_stored(
    deps: Deps, store: FakeStore
) -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        await create_api_token(
            deps, role=Role.STOREFRONT, name="shop", scopes=frozenset({Scope.ORDERS_WRITE})
        )
    assert store.tokens == []
    assert store.outbox == []


async def test_revoking_a_token_by_id_marks_it_once_and_records_an_event(
    deps: Deps, store: FakeStore
) -> None:
    issued = await create_api_token(deps, role=Role.STAFF, name="old app")
    revoked = await revoke_api_token(deps, str(issued.id))
    assert revoked.revoked_at == DEFAULT_NOW
    [stored] = store.tokens
    assert stored.revoked_at == DEFAULT_NOW
    again = await revoke_api_token(deps, str(issued.id))
    assert again.revoked_at == DEFAULT_NOW
    assert [e.type for e in store.outbox].count("api_token.revoked") == 1


async def test_a_prefix_matching_two_tokens_is_refused_and_revokes_nothing(
    deps: Deps, store: FakeStore
) -> None:
    await create_api_token(deps, role=Role.ADMIN, name="a")
    await create_api_token(deps, role=Role.ADMIN, name="b")
    with pytest.raises(InvalidInput, match="matches 2 tokens"):
        await revoke_api_token(deps, "og_ad_")
    assert all(t.revoked_at is None for t in store.tokens)
    with pytest.raises(NotFound):
        await revoke_api_token(deps, "og_zz_")


async def test_listing_leaves_out_customer_sign_in_tokens_unless_asked(deps: Deps) -> None:
    await create_api_token(deps, role=Role.ADMIN, name="admin")
    await create_api_token(deps, role=Role.CUSTOMER, name="ann", customer_id=7)
    assert [t.name for t in await list_api_tokens(deps)] == ["admin"]
    listed = await list_api_tokens(deps, include_customer_tokens=True)
    assert [t.name for t in listed] == ["admin", "ann"]


async def test_a_token_can_be_revoked_by_the_token_itself(deps: Deps, store: FakeStore) -> None:
    keep = await create_api_token(deps, role=Role.ADMIN, name="keep")
    drop = await create_api_token(deps, role=Role.ADMIN, name="drop")
    revoked = await revoke_api_token(deps, drop.token)
    assert revoked.id == drop.id
    assert {t.id: t.revoked_at for t in store.tokens} == {keep.id: None, drop.id: DEFAULT_NOW}
    with pytest.raises(NotFound) as refused:
        await revoke_api_token(deps, keep.token + "x")
    assert keep.token not in str(refused.value)  # a mistyped secret is never echoed whole
