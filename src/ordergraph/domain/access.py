"""Who may see and do what: the one place the visibility rules are written.

Every path asks here — order reads, the orders list filter, ``node``, subscriptions, use cases
that load an order to change it, and the webhook fan-out — so a rule changes in one place.
The GraphQL field rules (``ordergraph.schema.access``) are built on these.

- Staff and admins with ``orders:read`` see every order; a customer sees its own; nobody else
  reads orders (a storefront sees only the order it just placed, in the mutation's answer).
- Acting on an order needs ``orders:write``, or being its customer, or being the client that
  placed it (a storefront paying for or cancelling its own guest order).
- Packing slips are staff paperwork: printing one needs ``orders:read`` (it carries the
  recipient's address), so a customer gets none, not even for its own order.
- An invoice is the buyer's as much as the shop's: staff with ``orders:read`` and the order's
  own customer may have it; a storefront may not (it reads no orders).
- An event is visible to whoever may read what it is about: order events as orders, stock
  events with a catalog or inventory scope, customer events with ``customers:read``, token
  events only to admins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ordergraph.domain.principals import Principal, Role, Scope


class Reach(enum.Enum):
    ALL = "ALL"
    OWN = "OWN"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class OrderReach:
    """Which orders a caller may read: all, one customer's, or none."""

    reach: Reach
    customer_id: int | None = None

    def allows(self, customer_id: int | None) -> bool:
        if self.reach is Reach.ALL:
            return True
        return (
            self.reach is Reach.OWN
            and customer_id is not None
            and (customer_id == self.customer_id)
        )


def order_reach(principal: Principal) -> OrderReach:
    if principal.can(Scope.ORDERS_READ):
        return OrderReach(Reach.ALL)
    if principal.customer_id is not None:
        return OrderReach(Reach.OWN, principal.customer_id)
    return OrderReach(Reach.NONE)


def may_read_order(principal: Principal, customer_id: int | None) -> bool:
    return order_reach(principal).allows(customer_id)


def may_act_on_order(
    principal: Principal, customer_id: int | None, placed_by_token_id: int | None
) -> bool:
    if principal.can(Scope.ORDERS_WRITE):
        return True
    if principal.customer_id is not None:
        return principal.customer_id == customer_id
    return principal.token_id is not None and principal.token_id == placed_by_token_id


def may_print_packing_slip(principal: Principal) -> bool:
    return principal.can(Scope.ORDERS_READ)


def may_read_invoice(principal: Principal, customer_id: int | None) -> bool:
    return may_read_order(principal, customer_id)


# The scope that reads what an event type is about, by the type's prefix.
EVENT_SCOPES: dict[str, frozenset[Scope]] = {
    "order": frozenset({Scope.ORDERS_READ}),
    "fulfillment": frozenset({Scope.ORDERS_READ}),
    "shipment": frozenset({Scope.ORDERS_READ}),
    "refund": frozenset({Scope.ORDERS_READ}),
    "return": frozenset({Scope.ORDERS_READ}),
    "inventory": frozenset({Scope.INVENTORY_READ, Scope.CATALOG_READ}),
    "product": frozenset({Scope.CATALOG_READ}),
    "warehouse": frozenset({Scope.INVENTORY_READ}),
    "transfer": frozenset({Scope.INVENTORY_READ}),
    "inbound_shipment": frozenset({Scope.INVENTORY_READ}),
    "customer": frozenset({Scope.CUSTOMERS_READ}),
    # staff only: a customer's timeline never shows that a rule held it for a fraud check
    "automation": frozenset({Scope.ORDERS_READ, Scope.AUTOMATION_WRITE}),
}


def may_read_event(
    principal: Principal, event_type: str, order_customer_id: int | None = None
) -> bool:
    """Whether ``principal`` may receive an event (subscriptions, webhooks)."""
    prefix = event_type.split(".", 1)[0]
    if prefix == "api_token":
        return principal.role is Role.ADMIN
    needed = EVENT_SCOPES.get(prefix)
    if needed is None:
        return principal.role is Role.ADMIN  # a new kind of event: admins until ruled on
    if any(principal.can(scope) for scope in needed):
        return True
    # a customer follows the events of its own orders, but not staff notes or metadata
    return (
        needed == EVENT_SCOPES["order"]
        and event_type not in STAFF_ONLY_TYPES
        and may_read_order(principal, order_customer_id)
    )


# events on an order's timeline that only staff see (a customer never learns that a rule
# held its order for a fraud review), by prefix, and single types (staff notes, metadata)
STAFF_ONLY_TIMELINE = frozenset({"automation"})
STAFF_ONLY_TYPES = frozenset({"order.note_added", "order.metadata_updated"})


def may_see_on_timeline(principal: Principal, event_type: str) -> bool:
    """Whether an order's timeline (or an order subscription) shows this event to someone who
    may see the order."""
    staff_only = (
        event_type.split(".", 1)[0] in STAFF_ONLY_TIMELINE or event_type in STAFF_ONLY_TYPES
    )
    return not staff_only or principal.can(Scope.ORDERS_READ)


def may_manage_privacy(principal: Principal) -> bool:
    """Exporting or erasing a person's data (GDPR requests)."""
    return principal.can(Scope.CUSTOMERS_PRIVACY)


def may_export_orders(principal: Principal) -> bool:
    """The finance export lists every order: staff with ``orders:read`` only, never a customer
    (not even of its own orders) nor a storefront."""
    return principal.can(Scope.ORDERS_READ)
