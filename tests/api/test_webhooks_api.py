"""Webhooks over real HTTP, on both backends: management mutations, queries, and real deliveries.

The live server runs fan-out and delivery every second itself; these tests only place orders
and poll ``webhookDeliveries`` (with a deadline) until the local receiver has been called.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ordergraph.domain.webhooks import HEADERS, verify
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient
from tests.support.receiver import Receiver, receiving

DEADLINE = 10.0

WEBHOOK = "id url events active createdAt updatedAt"

CREATE = f"""
mutation($input: CreateWebhookInput!) {{
  createWebhook(input: $input) {{
    webhook {{ {WEBHOOK} }} secret userErrors {{ field message code }}
  }}
}}"""

UPDATE = f"""
mutation($input: UpdateWebhookInput!) {{
  updateWebhook(input: $input) {{ webhook {{ {WEBHOOK} }} userErrors {{ field message code }} }}
}}"""

DELETE = """
mutation($input: DeleteWebhookInput!) {
  deleteWebhook(input: $input) { deletedWebhookId userErrors { field message code } }
}"""

REDELIVER = """
mutation($input: RedeliverWebhookEventInput!) {
  redeliverWebhookEvent(input: $input) {
    delivery { id status attempts } userErrors { field message code }
  }
}"""

WEBHOOKS = f"{{ webhooks(first: 100) {{ totalCount nodes {{ {WEBHOOK} }} }} }}"

DELIVERIES = """
query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(webhookId: $id, first: 50, status: $status) {
    totalCount
    nodes {
      id eventId eventType status attempts nextAttemptAt lastStatusCode lastError
      lastLatencyMs createdAt deliveredAt
      log { attemptedAt statusCode latencyMs error }
    }
  }
}"""


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


async def create(
    client: GraphQLClient, url: str, events: list[str], **extra: Any
) -> dict[str, Any]:
    return await client.mutate(CREATE, {"input": {"url": url, "events": events, **extra}})


async def create_ok(client: GraphQLClient, url: str, events: list[str]) -> tuple[str, str]:
    payload = await create(client, url, events)
    assert payload["userErrors"] == [], payload
    return payload["webhook"]["id"], payload["secret"]


def only_error(payload: dict[str, Any], key: str = "webhook") -> dict[str, Any]:
    assert payload[key] is None, payload
    (error,) = payload["userErrors"]
    assert isinstance(error, dict)
    return error


async def deliveries(
    admin: GraphQLClient, webhook_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    data = await admin.data(DELIVERIES, {"id": webhook_id, "status": status})
    nodes = data["webhookDeliveries"]["nodes"]
    assert isinstance(nodes, list)
    return nodes


async def wait_for_deliveries(
    admin: GraphQLClient, webhook_id: str, count: int, status: str = "SUCCEEDED"
) -> list[dict[str, Any]]:
    """Poll until ``count`` deliveries of the webhook have ``status``; fail after DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while True:
        found = await deliveries(admin, webhook_id, status)
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"no {count} {status} deliveries: {found}"
        await asyncio.sleep(0.1)


async def place_an_order(admin: GraphQLClient, unique: str) -> str:
    stocked = await stock(admin, unique)
    order = await place_ok(admin, order_input([(stocked.sku, 1)]))
    order_id = order["id"]
    assert isinstance(order_id, str)
    return order_id


# --- management ---------------------------------------------------------------------------


async def test_creating_a_webhook_returns_it_with_a_generated_secret_and_lists_it(
    admin: GraphQLClient, rx: Receiver
) -> None:
    payload = await create(admin, rx.url, ["order.placed", "order.*"])
    assert payload["userErrors"] == []
    webhook = payload["webhook"]
    assert webhook["url"] == rx.url
    assert sorted(webhook["events"]) == ["order.*", "order.placed"]
    assert webhook["active"] is True
    assert payload["secret"].startswith("whsec_")
    assert len(payload["secret"]) >= 32

    listed = (await admin.data(WEBHOOKS))["webhooks"]["nodes"]
    (found,) = [w for w in listed if w["id"] == webhook["id"]]
    assert found == webhook
    assert "secret" not in found


async def test_a_given_secret_is_kept_and_a_short_one_is_refused(
    admin: GraphQLClient, rx: Receiver
) -> None:
    kept = await create(admin, rx.url, ["*"], secret="s" * 20)
    assert kept["userErrors"] == []
    assert kept["secret"] == "s" * 20
    error = only_error(await create(admin, rx.url, ["*"], secret="short"))
    assert error["field"] == ["input", "secret"] or error["field"][-1] == "secret"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "not a url", "http://user:pw@example.com/", "https:///x"],
)
async def test_a_bad_url_is_refused_with_invalid_url(admin: GraphQLClient, url: str) -> None:
    before = (await admin.data(WEBHOOKS))["webhooks"]["totalCount"]
    error = only_error(await create(admin, url, ["order.placed"]))
    assert error["code"] == "INVALID_URL"
    assert error["field"][-1] == "url"
    assert (await admin.data(WEBHOOKS))["webhooks"]["totalCount"] == before


@pytest.mark.parametrize("events", [["order.nonsense"], ["orders.*"], ["order.placed", "x"]])
async def test_an_unknown_event_type_is_refused(
    admin: GraphQLClient, rx: Receiver, events: list[str]
) -> None:
    error = only_error(await create(admin, rx.url, events))
    assert error["code"] == "INVALID"
    assert error["field"][-1] == "events"


async def test_read_only_staff_cannot_manage_or_list_webhooks(
    admin: GraphQLClient, staff: GraphQLClient, rx: Receiver
) -> None:
    assert only_error(await create(staff, rx.url, ["*"]))["code"] == "FORBIDDEN"
    webhook_id, _ = await create_ok(admin, rx.url, ["*"])
    updated = await staff.mutate(UPDATE, {"input": {"webhookId": webhook_id, "active": False}})
    assert only_error(updated)["code"] == "FORBIDDEN"
    deleted = await staff.mutate(DELETE, {"input": {"webhookId": webhook_id}})
    assert only_error(deleted, "deletedWebhookId")["code"] == "FORBIDDEN"
    assert (await staff.execute(WEBHOOKS)).error_codes == ["FORBIDDEN"]
    listing = await staff.execute(DELIVERIES, {"id": webhook_id})
    assert listing.error_codes == ["FORBIDDEN"]
    listed = (await admin.data(WEBHOOKS))["webhooks"]["nodes"]
    assert [w["active"] for w in listed if w["id"] == webhook_id] == [True]


async def test_updating_a_webhook_changes_its_events_and_state(
    admin: GraphQLClient, rx: Receiver
) -> None:
    webhook_id, _ = await create_ok(admin, rx.url, ["order.placed"])
    payload = await admin.mutate(
        UPDATE,
        {"input": {"webhookId": webhook_id, "events": ["order.cancelled"], "active": False}},
    )
    assert payload["userErrors"] == []
    assert payload["webhook"]["events"] == ["order.cancelled"]
    assert payload["webhook"]["active"] is False
    bad = await admin.mutate(UPDATE, {"input": {"webhookId": webhook_id, "url": "gopher://x"}})
    assert only_error(bad)["code"] == "INVALID_URL"


async def test_deleting_an_unknown_webhook_is_a_not_found_user_error(
    admin: GraphQLClient, rx: Receiver
) -> None:
    webhook_id, _ = await create_ok(admin, rx.url, ["*"])
    first = await admin.mutate(DELETE, {"input": {"webhookId": webhook_id}})
    assert first == {"deletedWebhookId": webhook_id, "userErrors": []}
    again = await admin.mutate(DELETE, {"input": {"webhookId": webhook_id}})
    assert only_error(again, "deletedWebhookId")["code"] == "NOT_FOUND"
    listed = (await admin.data(WEBHOOKS))["webhooks"]["nodes"]
    assert webhook_id not in [w["id"] for w in listed]


# --- deliveries ---------------------------------------------------------------------------


async def test_placing_an_order_delivers_a_signed_event_to_the_receiver(
    admin: GraphQLClient, rx: Receiver, unique: str
) -> None:
    webhook_id, secret = await create_ok(admin, rx.url, ["order.placed"])
    order_id = await place_an_order(admin, unique)

    (delivery,) = await wait_for_deliveries(admin, webhook_id, 1)
    assert delivery["eventType"] == "order.placed"
    assert delivery["attempts"] == 0
    assert delivery["lastStatusCode"] == 204
    assert delivery["lastError"] is None
    assert delivery["deliveredAt"] is not None
    assert [(a["statusCode"], a["error"]) for a in delivery["log"]] == [(204, None)]

    (request,) = rx.requests
    timestamp = int(request.header(HEADERS.timestamp))
    assert verify(
        secret, timestamp, request.body, request.header(HEADERS.signature), now=int(time.time())
    )
    assert request.header(HEADERS.event_id) == delivery["eventId"]
    assert request.header(HEADERS.event_type) == "order.placed"
    body = json.loads(request.body)
    assert body["id"] == delivery["eventId"]
    assert body["type"] == "order.placed"
    order = await admin.data(
        "query($id: ID!) { order(id: $id) { events { type sequence } } }", {"id": order_id}
    )
    placed = [e for e in order["order"]["events"] if e["type"] == "order.placed"]
    assert [e["sequence"] for e in placed] == [body["sequence"]]


async def test_a_failed_delivery_can_be_redelivered(
    admin: GraphQLClient, rx: Receiver, unique: str
) -> None:
    rx.answer([503, 204])
    webhook_id, _ = await create_ok(admin, rx.url, ["order.placed"])
    await place_an_order(admin, unique)

    (failed,) = await wait_for_deliveries(admin, webhook_id, 1, "FAILED")
    assert failed["attempts"] == 1
    assert failed["lastStatusCode"] == 503
    assert failed["lastError"] == "HTTP 503"

    payload = await admin.mutate(REDELIVER, {"input": {"deliveryId": failed["id"]}})
    assert payload["userErrors"] == []
    assert payload["delivery"]["id"] == failed["id"]
    assert payload["delivery"]["status"] in {"PENDING", "SUCCEEDED"}

    (done,) = await wait_for_deliveries(admin, webhook_id, 1)
    assert sorted(a["statusCode"] for a in done["log"]) == [204, 503]
    assert [r.status for r in rx.requests] == [503, 204]


async def test_a_deleted_webhook_gets_no_more_deliveries(admin: GraphQLClient, unique: str) -> None:
    with receiving() as gone, receiving() as kept:
        gone_id, _ = await create_ok(admin, gone.url, ["order.placed"])
        kept_id, _ = await create_ok(admin, kept.url, ["order.placed"])
        await place_an_order(admin, unique)
        await wait_for_deliveries(admin, gone_id, 1)
        await wait_for_deliveries(admin, kept_id, 1)

        deleted = await admin.mutate(DELETE, {"input": {"webhookId": gone_id}})
        assert deleted["userErrors"] == []
        await place_an_order(admin, unique)

        # once the kept webhook got the second order, the fan-out pass has run for it
        await wait_for_deliveries(admin, kept_id, 2)
        assert len(kept.requests) == 2
        assert len(gone.requests) == 1
        assert len(await deliveries(admin, gone_id)) == 1
