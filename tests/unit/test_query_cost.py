"""The static query cost, computed on the real schema (no server needed)."""

from __future__ import annotations

import logging

import pytest
from graphql import parse

from ordergraph.api import build_schema
from ordergraph.schema.cost import requested_cost, returned_objects
from ordergraph.web.security import RedactAccessLog

SCHEMA = build_schema()._schema


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    return requested_cost(SCHEMA, parse(query), None, variables)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ __typename }", 0),
        ('{ product(sku: "A") { sku name } }', 1),
        ('{ product(sku: "A") { price { amount } } }', 2),
        ("{ products { nodes { sku } } }", 1 + 20),  # default page of 20
        ("{ products(first: 3) { edges { cursor node { sku } } } }", 1 + 3 * (1 + 1)),
        ("{ products(last: 7) { nodes { sku } pageInfo { hasNextPage } } }", 1 + 7 + 1),
        # nested lists multiply: 10 orders x 5 lines x product
        ("{ orders(first: 10) { nodes { lines { product { sku } } } } }", 1 + 10 * (1 + 5 * 2)),
        (
            "{ orders(first: 1) { nodes { fulfillments { shipments { events { status } } } } } }",
            1 + 1 * (1 + 2 * (1 + 2 * (1 + 5))),
        ),
        ("{ analytics { demandByProduct(first: 50) { key } } }", 1 + 50),
        ("{ products(first: 1000) { nodes { sku } } }", 1 + 100),  # capped like the resolver
    ],
)
def test_the_cost_of_a_query_is_the_objects_it_can_return(query: str, expected: int) -> None:
    assert cost(query) == expected


def test_variables_fragments_and_aliases_count_like_literals() -> None:
    literal = cost(
        "{ a: products(first: 30) { nodes { sku } } b: products(first: 30) { nodes { sku } } }"
    )
    assert literal == 2 * 31
    assert cost("query($n: Int) { products(first: $n) { nodes { sku } } }", {"n": 30}) == 31
    fragment = (
        "fragment P on Product { sku price { amount } } { products(first: 4) { nodes { ...P } } }"
    )
    assert cost(fragment) == 1 + 4 * 2
    inline = (
        '{ node(id: "x") { ... on Order { lines { sku } } ... on Product { price { amount } } } }'
    )
    assert cost(inline) == 1 + 5 + 1


def test_a_mutation_costs_ten_plus_what_it_returns() -> None:
    query = (
        'mutation { cancelOrder(input: {orderId: "x", reason: "y"}) '
        "{ order { id } userErrors { code } } }"
    )
    assert cost(query) == 10 + 1 + 1 + 5


def test_thirty_aliases_of_a_hundred_orders_with_lists_cost_far_over_the_limit() -> None:
    one = "orders(first: 100) { nodes { lines { sku } events { type } holds { type } } }"
    query = "{ " + " ".join(f"a{i}: {one}" for i in range(30)) + " }"
    assert cost(query) == 30 * (1 + 100 * (1 + 5 + 5 + 2))
    assert cost(query) > 2000


def test_the_actual_cost_counts_the_objects_returned() -> None:
    data = {"products": {"nodes": [{"sku": "A", "price": {"amount": "1"}}, {"sku": "B"}]}}
    assert returned_objects(data) == 1 + 2 + 1


def test_access_log_lines_lose_query_strings_and_tracking_codes() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", '/graphql?query={me{email}}&variables={"e":"a@b.c"}', "1.1", 200),
        None,
    )
    RedactAccessLog().filter(record)
    assert "a@b.c" not in record.getMessage()
    assert "/graphql" in record.getMessage()
    tracking = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, "%s %s", ("GET", "/t/AbCdEfGhIjK"), None
    )
    RedactAccessLog().filter(tracking)
    assert "AbCdEfGhIjK" not in tracking.getMessage()
