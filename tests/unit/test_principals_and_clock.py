"""Who may do what, and time that only moves when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.clock import FixedClock, SystemClock
from ordergraph.domain.errors import Forbidden
from ordergraph.domain.principals import (
    ANONYMOUS,
    DEFAULT_SCOPES,
    SYSTEM,
    Principal,
    Role,
    Scope,
    scopes_for,
)


def test_an_admin_always_holds_every_scope() -> None:
    assert scopes_for(Role.ADMIN, None) == frozenset(Scope)
    assert scopes_for(Role.ADMIN, frozenset({Scope.CATALOG_READ})) == frozenset(Scope)


@pytest.mark.parametrize("role", [Role.STAFF, Role.STOREFRONT, Role.CUSTOMER])
def test_a_token_naming_no_scopes_gets_the_role_defaults(role: Role) -> None:
    assert scopes_for(role, None) == DEFAULT_SCOPES[role]
    assert scopes_for(role, frozenset()) == DEFAULT_SCOPES[role]


def test_default_staff_scopes_are_read_only() -> None:
    staff = scopes_for(Role.STAFF, None)
    assert Scope.CATALOG_READ in staff
    assert not {s for s in staff if s.value.endswith((":write", ":manage"))}


def test_staff_scopes_add_write_permissions_to_the_read_defaults() -> None:
    requested = frozenset({Scope.CATALOG_WRITE, Scope.INVENTORY_WRITE})
    effective = scopes_for(Role.STAFF, requested)
    assert effective == DEFAULT_SCOPES[Role.STAFF] | requested
    assert Scope.CATALOG_READ in effective


@pytest.mark.parametrize("role", [Role.STOREFRONT, Role.CUSTOMER])
def test_a_role_cannot_hold_scopes_beyond_what_it_allows(role: Role) -> None:
    with pytest.raises(ValueError, match="catalog:write"):
        scopes_for(role, frozenset({Scope.CATALOG_READ, Scope.CATALOG_WRITE}))


def test_requiring_a_missing_scope_is_forbidden() -> None:
    staff = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
    staff.require(Scope.CATALOG_READ)
    with pytest.raises(Forbidden) as caught:
        staff.require(Scope.CATALOG_WRITE)
    assert caught.value.code == "FORBIDDEN"
    assert "catalog:write" in caught.value.message


def test_the_anonymous_caller_is_unauthenticated_and_may_do_nothing() -> None:
    assert not ANONYMOUS.is_authenticated
    assert ANONYMOUS.actor == "anonymous"
    assert not any(ANONYMOUS.can(scope) for scope in Scope)
    with pytest.raises(Forbidden):
        ANONYMOUS.require(Scope.CATALOG_READ)


def test_the_system_principal_may_do_everything() -> None:
    assert all(SYSTEM.can(scope) for scope in Scope)
    assert SYSTEM.actor == "admin:system"


def test_idempotency_scopes_tell_callers_apart_by_token_or_customer() -> None:
    a = Principal(role=Role.STAFF, name="ci", token_id=7)
    b = Principal(role=Role.STAFF, name="ci", token_id=8)
    shopper = Principal(role=Role.CUSTOMER, name="ada", customer_id=7)
    assert a.actor == "staff:ci"
    assert a.idempotency_scope == "staff:ci#7"
    assert len({a.idempotency_scope, b.idempotency_scope, shopper.idempotency_scope}) == 3
    assert Principal(role=Role.STAFF, name="ci").idempotency_scope == "staff:ci"


def test_a_fixed_clock_stands_still_until_advanced() -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock.now() == clock.now() == start
    clock.advance(timedelta(minutes=90))
    assert clock.now() == datetime(2026, 3, 1, 13, 30, tzinfo=UTC)


def test_a_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 3, 1, 12, 0))


def test_the_system_clock_is_timezone_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
