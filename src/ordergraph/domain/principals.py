"""Who is calling: roles, scopes and the rules that tie them together."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ordergraph.domain.errors import Forbidden


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    STAFF = "STAFF"
    STOREFRONT = "STOREFRONT"
    CUSTOMER = "CUSTOMER"


class Scope(enum.StrEnum):
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    ORDERS_READ = "orders:read"
    ORDERS_PLACE = "orders:place"
    ORDERS_WRITE = "orders:write"
    FULFILLMENT_WRITE = "fulfillment:write"
    SHIPMENTS_WRITE = "shipments:write"  # carrier integrations: shipment events only
    RETURNS_WRITE = "returns:write"
    WEBHOOKS_MANAGE = "webhooks:manage"
    CUSTOMERS_PRIVACY = "customers:privacy"  # GDPR export and erasure
    AUTOMATION_WRITE = "automation:write"  # automation rules: create, change, backtest
    SHIPPING_WRITE = "shipping:write"  # carrier services: lanes, rates, cut-offs, calendars
    PRICING_WRITE = "pricing:write"  # markets (and next: price lists, taxes, discounts)


# What each role may do when its token names no scopes of its own.
DEFAULT_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.STAFF: frozenset(
        {
            Scope.CATALOG_READ,
            Scope.INVENTORY_READ,
            Scope.CUSTOMERS_READ,
            Scope.ORDERS_READ,
        }
    ),
    Role.STOREFRONT: frozenset({Scope.CATALOG_READ, Scope.ORDERS_PLACE}),
    Role.CUSTOMER: frozenset({Scope.CATALOG_READ, Scope.ORDERS_PLACE}),
}

# Scopes a role can never hold, whatever its token says.
ALLOWED_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.STAFF: frozenset(Scope),
    Role.STOREFRONT: frozenset({Scope.CATALOG_READ, Scope.ORDERS_PLACE}),
    Role.CUSTOMER: frozenset({Scope.CATALOG_READ, Scope.ORDERS_PLACE}),
}


def scopes_for(role: Role, requested: frozenset[Scope] | None) -> frozenset[Scope]:
    """The effective scopes of a token: the role's defaults plus the token's own.

    A STAFF token always reads; its scopes add what it may write. A role can never hold scopes
    beyond ``ALLOWED_SCOPES``.
    """
    requested = requested or frozenset()
    disallowed = requested - ALLOWED_SCOPES[role]
    if disallowed:
        names = ", ".join(sorted(disallowed))
        raise ValueError(f"role {role.value} cannot hold scopes: {names}")
    return DEFAULT_SCOPES[role] | requested


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``ANONYMOUS`` has no role and no scopes."""

    role: Role | None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    name: str = "anonymous"
    token_id: int | None = None
    customer_id: int | None = None
    label: str | None = None  # shown instead of role:name (an automation rule's "rule:7:fraud")

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    @property
    def actor(self) -> str:
        """How this caller appears in the timeline and the ledger."""
        if self.role is None:
            return "anonymous"
        if self.label is not None:
            return self.label
        return f"{self.role.value.lower()}:{self.name}"

    @property
    def idempotency_scope(self) -> str:
        """Keys are remembered per caller, so two clients can never collide."""
        ident = self.token_id if self.token_id is not None else self.customer_id
        return f"{self.actor}#{ident}" if ident is not None else self.actor

    def can(self, scope: Scope) -> bool:
        return scope in self.scopes

    def require(self, scope: Scope) -> None:
        if not self.can(scope):
            raise Forbidden(f"this operation needs the {scope.value} permission")


ANONYMOUS = Principal(role=None)
SYSTEM = Principal(role=Role.ADMIN, scopes=frozenset(Scope), name="system")
