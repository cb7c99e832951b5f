"""Draft orders over real HTTP: staff save a cart, see its quote (the quoteOrder numbers),
change it with a version check, and complete it into a placed order with the same total;
nothing is reserved until completion; customers and storefront tokens get nothing.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from ordergraph.domain.principals import Role, Scope
from tests.api.test_order_edits_api import no_drift
from tests.api.test_place_order_api import (
    address,
    order_count,
    order_input,
    place_ok,
    read_order,
    reserved,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

MONEY = "{ amount currency }"
DRAFT = f"""
  id status version channel salesRep createdBy orderId
  lines {{ sku quantity }}
  quote {{ subtotal {MONEY} shippingTotal {MONEY} total {MONEY} }}
"""
CREATE = f"""
mutation($input: DraftOrderInput!) {{
  createDraftOrder(input: $input) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code }}
  }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: DraftOrderInput!, $v: Int) {{
  updateDraftOrder(draftOrderId: $id, input: $input, expectedVersion: $v) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code currentVersion }}
  }}
}}"""
COMPLETE = f"""
mutation($id: ID!, $input: CompleteDraftOrderInput) {{
  completeDraftOrder(draftOrderId: $id, input: $input) {{
    draftOrder {{ {DRAFT} }}
    order {{
      id status channel salesRep draftOrderId total {MONEY} lines {{ sku quantity }}
      events {{ type payload }}
    }}
    userErrors {{ field message code }}
  }}
}}"""
DELETE = f"""
mutation($id: ID!) {{
  deleteDraftOrder(draftOrderId: $id) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code }}
  }}
}}"""
QUOTE = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{ quote {{ total {MONEY} }} userErrors {{ code }} }}
}}"""
READ = f"query($id: ID!) {{ draftOrder(id: $id) {{ {DRAFT} }} }}"


@pytest.fixture
def clerk(admin: GraphQLClient, live: LiveApi) -> GraphQLClient:
    """A second staff member who may write orders."""
    token = issue_token(live.database_url, Role.STAFF, frozenset({Scope.ORDERS_WRITE}))
    return admin.as_token(token)


def decode_pk(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).split(b":")[1])


def draft_input(lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shippingAddress": address(),
        "email": "ada@example.com",
    }
    values.update(extra)
    return values


async def create_ok(staff: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await staff.mutate(CREATE, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    draft = payload["draftOrder"]
    assert isinstance(draft, dict)
    return draft


async def test_a_draft_is_quoted_like_quote_order_and_completes_into_an_order_with_that_total(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 2)]))
    assert draft["status"] == "OPEN"
    assert draft["version"] == 1
    assert draft["channel"] == "PHONE"
    quoted = await admin.mutate(QUOTE, {"input": order_input([(item.sku, 2)], channel="PHONE")})
    assert draft["quote"]["total"] == quoted["quote"]["total"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 0  # a draft reserves nothing

    updated = await admin.mutate(
        UPDATE, {"id": draft["id"], "input": draft_input([(item.sku, 3)]), "v": 1}
    )
    assert updated["userErrors"] == []
    assert updated["draftOrder"]["version"] == 2
    assert updated["draftOrder"]["lines"] == [{"sku": item.sku, "quantity": 3}]
    total = updated["draftOrder"]["quote"]["total"]

    done = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert done["userErrors"] == []
    order = done["order"]
    assert order["status"] == "PLACED"
    assert order["channel"] == "PHONE"
    assert order["total"] == total
    assert order["salesRep"] == draft["createdBy"]
    assert order["lines"] == [{"sku": item.sku, "quantity": 3}]
    assert order["draftOrderId"] == draft["id"]
    placed = [e["payload"] for e in order["events"] if e["type"] == "order.placed"]
    assert [p["draftOrderId"] for p in placed] == [decode_pk(draft["id"])]
    assert done["draftOrder"]["status"] == "COMPLETED"
    assert done["draftOrder"]["orderId"] == order["id"]
    assert done["draftOrder"]["quote"] is None
    assert await reserved(admin, item.sku, item.warehouse_id) == 3
    await no_drift(admin)

    again = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert [e["code"] for e in again["userErrors"]] == ["DRAFT_ALREADY_COMPLETED"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 3  # no second order


async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    stale = await admin.mutate(
        UPDATE, {"id": draft["id"], "input": draft_input([(item.sku, 4)]), "v": 7}
    )
    assert stale["draftOrder"] is None
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [("CONFLICT", 1)]
    read = (await admin.data(READ, {"id": draft["id"]}))["draftOrder"]
    assert read["version"] == 1
    assert read["lines"] == [{"sku": item.sku, "quantity": 1}]


async def test_bad_input_is_refused_with_place_order_codes_and_saves_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=1)
    unknown = await admin.mutate(CREATE, {"input": draft_input([(f"NOPE-{unique}", 1)])})
    assert unknown["draftOrder"] is None
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    too_many = await admin.mutate(CREATE, {"input": draft_input([(item.sku, 9)])})
    assert [e["code"] for e in too_many["userErrors"]] == ["OUT_OF_STOCK"]
    bad_id = await admin.mutate(COMPLETE, {"id": "not-an-id"})
    assert bad_id["order"] is None
    assert bad_id["userErrors"][0]["field"][-1] == "draftOrderId"


async def test_a_deleted_draft_cannot_be_completed(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)], channel="SALES_REP"))
    deleted = await admin.mutate(DELETE, {"id": draft["id"]})
    assert deleted["draftOrder"]["status"] == "DELETED"
    done = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert [e["code"] for e in done["userErrors"]] == ["DRAFT_NOT_OPEN"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 0
    listed = (await admin.data(f"{{ draftOrders {{ {DRAFT} }} }}"))["draftOrders"]
    assert draft["id"] not in [d["id"] for d in listed]


async def test_storefront_and_anonymous_callers_get_no_drafts(
    admin: GraphQLClient, storefront: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    refused = await storefront.mutate(CREATE, {"input": draft_input([(item.sku, 1)])})
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    for client in (storefront, anonymous):
        response = await client.execute(READ, {"id": draft["id"]})
        assert (response.body.get("data") or {}).get("draftOrder") is None
        assert response.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}


async def test_two_staff_completing_one_draft_at_once_place_exactly_one_order(
    admin: GraphQLClient, clerk: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 2)]))
    before = await order_count(admin)

    answers = await asyncio.gather(
        admin.mutate(COMPLETE, {"id": draft["id"]}),
        clerk.mutate(COMPLETE, {"id": draft["id"]}),
    )

    placed = [a for a in answers if a["userErrors"] == []]
    refused = [a for a in answers if a["userErrors"] != []]
    assert len(placed) == 1
    assert [e["code"] for a in refused for e in a["userErrors"]] == ["DRAFT_ALREADY_COMPLETED"]
    assert await order_count(admin) == before + 1
    assert await reserved(admin, item.sku, item.warehouse_id) == 2
    await no_drift(admin)


async def test_completing_again_with_the_same_idempotency_key_replays_the_same_order(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    key = {"idempotencyKey": f"complete-{unique}"}
    before = await order_count(admin)

    answers = await asyncio.gather(
        *(admin.mutate(COMPLETE, {"id": draft["id"], "input": key}) for _ in range(3))
    )

    assert [a["userErrors"] for a in answers] == [[]] * 3
    assert len({a["order"]["id"] for a in answers}) == 1
    assert await order_count(admin) == before + 1
    assert await reserved(admin, item.sku, item.warehouse_id) == 1


async def test_an_order_placed_directly_has_no_draft_order_id(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    order = await place_ok(admin, order_input([(item.sku, 1)]))
    assert (await read_order(admin, order["id"], "draftOrderId"))["draftOrderId"] is None
