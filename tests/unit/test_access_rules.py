"""Every field and argument of the schema has a declared access rule, and the rules hold."""

from __future__ import annotations

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from ordergraph.api import build_schema
from ordergraph.domain.access import may_act_on_order, may_read_event, may_read_order
from ordergraph.domain.principals import ANONYMOUS, Principal, Role, Scope, scopes_for
from ordergraph.schema.access import RULES, Kind, rule_for
from ordergraph.schema.context import AuthError

SCHEMA = build_schema()._schema


def schema_fields() -> list[tuple[str, str, list[str]]]:
    found = []
    for name, graphql_type in SCHEMA.type_map.items():
        if name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, definition in graphql_type.fields.items():
            found.append((name, field_name, list(definition.args)))
    return found


def test_the_walk_covers_every_root_field_and_type() -> None:
    fields = schema_fields()
    assert len(fields) > 300
    roots = {(t, f) for t, f, _ in fields if t in ("Query", "Mutation", "Subscription")}
    assert ("Mutation", "customerLogin") in roots
    assert ("Subscription", "orderUpdated") in roots


def test_every_field_of_every_type_has_a_declared_rule() -> None:
    missing = [f"{t}.{f}" for t, f, _ in schema_fields() if rule_for(t, f) is None]
    assert missing == []


def test_every_argument_of_every_field_has_a_declared_rule() -> None:
    missing = []
    for type_name, field_name, args in schema_fields():
        rule = rule_for(type_name, field_name)
        assert rule is not None
        missing += [f"{type_name}.{field_name}({a})" for a in args if a not in rule.args]
    assert missing == []


def test_no_rule_names_a_field_that_does_not_exist() -> None:
    declared = {(t, f) for t, fields in RULES.items() for f in fields}
    existing = {(t, f) for t, f, _ in schema_fields()}
    assert declared - existing == set()
    stale_args = [
        f"{t}.{f}({a})"
        for t, f, args in schema_fields()
        for a in (rule_for(t, f) or RULES["Query"]["me"]).args
        if a not in args
    ]
    assert stale_args == []


def test_every_root_field_needs_a_token_except_sign_in_tracking_and_mailed_links() -> None:
    public = sorted(
        f"{t}.{f}"
        for t, f, _ in schema_fields()
        if t in ("Query", "Mutation", "Subscription")
        and (rule := rule_for(t, f)) is not None
        and rule.kind is Kind.PUBLIC
    )
    assert public == [
        "Mutation.customerLogin",
        "Mutation.customerSignup",
        "Mutation.requestPasswordReset",
        "Mutation.resetPassword",
        "Mutation.submitOrderFeedback",
        "Mutation.verifyCustomerEmail",
        "Query.trackShipment",
    ]
    parents = [
        f"{t}.{f}"
        for t, f, _ in schema_fields()
        if t in ("Query", "Mutation", "Subscription")
        and (rule := rule_for(t, f)) is not None
        and rule.kind is Kind.PARENT
    ]
    assert parents == []


def principal(role: Role, *, customer_id: int | None = None, token_id: int = 7) -> Principal:
    return Principal(
        role=role, scopes=scopes_for(role, None), token_id=token_id, customer_id=customer_id
    )


ANN = principal(Role.CUSTOMER, customer_id=1)
BOB = principal(Role.CUSTOMER, customer_id=2)
SHOP = principal(Role.STOREFRONT, token_id=9)
STAFF = principal(Role.STAFF)
WRITER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, frozenset({Scope.ORDERS_WRITE})))


def test_order_visibility_and_action_rules() -> None:
    assert may_read_order(ANN, 1)
    assert not may_read_order(BOB, 1)
    assert not may_read_order(SHOP, None)
    assert not may_read_order(ANONYMOUS, 1)
    assert may_read_order(STAFF, 1)
    assert may_read_order(STAFF, None)
    assert may_act_on_order(ANN, 1, None)
    assert not may_act_on_order(BOB, 1, None)
    assert may_act_on_order(SHOP, None, 9)
    assert not may_act_on_order(SHOP, None, 10)
    assert not may_act_on_order(STAFF, 1, None)
    assert may_act_on_order(WRITER, 1, None)


def test_event_rules_for_subscriptions_and_webhooks() -> None:
    assert may_read_event(STAFF, "order.placed")
    assert may_read_event(ANN, "order.placed", 1)
    assert not may_read_event(BOB, "order.placed", 1)
    assert may_read_event(SHOP, "inventory.changed")
    assert not may_read_event(SHOP, "customer.created")
    assert not may_read_event(STAFF, "api_token.created")
    assert may_read_event(principal(Role.ADMIN), "api_token.created")
    assert not may_read_event(STAFF, "something.new")  # unknown kinds: admins only
    assert may_read_event(STAFF, "transfer.received")
    assert may_read_event(STAFF, "inbound_shipment.created")
    assert not may_read_event(SHOP, "transfer.created")  # warehouses are not the shop's


@pytest.mark.parametrize(
    ("caller", "field", "allowed"),
    [
        (ANONYMOUS, ("Query", "orders"), False),
        (ANONYMOUS, ("Query", "trackShipment"), True),
        (ANN, ("Query", "orders"), True),
        (ANN, ("Product", "inventoryLevels"), False),
        (SHOP, ("InventoryLevel", "warehouse"), False),
        (SHOP, ("InventoryLevel", "onHand"), False),
        (SHOP, ("Query", "customers"), False),
        (STAFF, ("Query", "customers"), True),
        (SHOP, ("Query", "analytics"), False),
        (principal(Role.ADMIN), ("Query", "webhooks"), True),
        (STAFF, ("Query", "webhooks"), False),
        (SHOP, ("Query", "availability"), True),
        (ANN, ("Query", "availability"), True),
        (ANONYMOUS, ("Query", "availability"), False),
        (SHOP, ("Query", "inventoryTransfers"), False),
        (SHOP, ("InventoryLevel", "inTransit"), False),
        (STAFF, ("Query", "inboundShipments"), True),
    ],
)
def test_rules_check_the_caller(caller: Principal, field: tuple[str, str], allowed: bool) -> None:
    rule = rule_for(*field)
    assert rule is not None
    try:
        rule.check(caller)
    except AuthError:
        assert not allowed
    else:
        assert allowed
