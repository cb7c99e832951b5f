"""Customer mail over the API: an order's notifications, the preview, resend, notifyCustomer
and the dev mailbox (the development transport; tests/e2e sends over real SMTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ordergraph.domain.notifications import NotificationType
from tests.api.test_place_order_api import create_warehouse, order_input, place_ok, receive
from tests.api.test_returns_api import capture, create_product
from tests.support.graphql import GraphQLClient

NOTIFICATIONS = """
query($id: ID!) {
  order(id: $id) {
    number
    notifications { id type recipient status attempts locale subject sentAt lastResponse }
  }
}"""
PREVIEW = """
query($id: ID!, $type: NotificationType!, $locale: String) {
  notificationPreview(orderId: $id, type: $type, locale: $locale) { subject text html }
}"""
RESEND = """
mutation($input: ResendNotificationInput!) {
  resendNotification(input: $input) { notificationId userErrors { field code } }
}"""
CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { code } }
}"""


async def paid_order(admin: GraphQLClient, unique: str, **extra: Any) -> dict[str, Any]:
    warehouse_id = await create_warehouse(admin, f"N-{unique}")
    await create_product(admin, f"N-{unique}", "19.99")
    await receive(admin, f"N-{unique}", warehouse_id, 10)
    order = await place_ok(
        admin, order_input([(f"N-{unique}", 1)], email=f"n{unique.lower()}@example.com", **extra)
    )
    await capture(admin, order["id"])
    return order


async def sent(admin: GraphQLClient, order_id: str, count: int) -> list[dict[str, Any]]:
    """The order's notifications once ``count`` of them are SENT (bounded wait)."""
    for _ in range(200):
        order = (await admin.data(NOTIFICATIONS, {"id": order_id}))["order"]
        found: list[dict[str, Any]] = order["notifications"]
        if sum(n["status"] == "SENT" for n in found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} notifications sent: {found}")


async def test_a_paid_order_mails_its_confirmation_in_the_customers_language(
    admin: GraphQLClient, unique: str
) -> None:
    order = await paid_order(admin, unique, locale="nl-NL", timezone="Europe/Amsterdam")
    (mail,) = await sent(admin, order["id"], 1)
    assert (mail["type"], mail["recipient"], mail["attempts"], mail["locale"]) == (
        "ORDER_CONFIRMED",
        f"n{unique.lower()}@example.com",
        1,
        "nl-NL",
    )
    assert order["number"] in mail["subject"]
    assert mail["sentAt"] is not None
    assert mail["lastResponse"].startswith("250")


async def test_a_preview_renders_a_real_order_per_locale(admin: GraphQLClient, unique: str) -> None:
    order = await paid_order(admin, unique)
    english = await admin.data(PREVIEW, {"id": order["id"], "type": "ORDER_CONFIRMED"})
    dutch = await admin.data(
        PREVIEW, {"id": order["id"], "type": "ORDER_CONFIRMED", "locale": "nl-BE"}
    )
    en, nl = english["notificationPreview"], dutch["notificationPreview"]
    assert order["number"] in en["subject"]
    assert order["number"] in nl["html"]
    assert en["subject"] != nl["subject"]
    assert "<html" in en["html"].lower()
    assert "19.99" in en["text"]
    assert "19,99" in nl["text"]


async def test_a_preview_of_an_unknown_order_is_null_and_storefronts_may_not_preview(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    gone = await admin.data(PREVIEW, {"id": "T3JkZXI6OTk5OTk5", "type": "ORDER_SHIPPED"})
    assert gone["notificationPreview"] is None
    order = await paid_order(admin, unique)
    refused = await storefront.execute(PREVIEW, {"id": order["id"], "type": "ORDER_SHIPPED"})
    assert refused.error_codes == ["FORBIDDEN"]


async def test_resend_sends_a_new_message_and_needs_orders_write(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order = await paid_order(admin, unique)
    (first,) = await sent(admin, order["id"], 1)
    denied = await storefront.mutate(RESEND, {"input": {"notificationId": first["id"]}})
    assert [e["code"] for e in denied["userErrors"]] == ["FORBIDDEN"]
    again = await admin.mutate(RESEND, {"input": {"notificationId": first["id"]}})
    assert again["userErrors"] == []
    assert again["notificationId"] != first["id"]
    both = await sent(admin, order["id"], 2)
    assert [n["type"] for n in both] == ["ORDER_CONFIRMED", "ORDER_CONFIRMED"]
    missing = await admin.mutate(RESEND, {"input": {"notificationId": "Tm90aWZpY2F0aW9uOjk5OTk5"}})
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]


async def test_notify_customer_false_mails_nobody(admin: GraphQLClient, unique: str) -> None:
    order = await paid_order(admin, unique)
    await sent(admin, order["id"], 1)
    cancelled = await admin.mutate(
        CANCEL,
        {"input": {"orderId": order["id"], "reason": "fraud check", "notifyCustomer": False}},
    )
    assert cancelled["userErrors"] == [], cancelled
    await asyncio.sleep(0.3)
    mails = (await admin.data(NOTIFICATIONS, {"id": order["id"]}))["order"]["notifications"]
    assert [n["type"] for n in mails] == ["ORDER_CONFIRMED"]


async def test_the_dev_mailbox_shows_each_mail_with_both_parts(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order = await paid_order(admin, unique)
    (mail,) = await sent(admin, order["id"], 1)
    listing = await http.get("/dev/mailbox")
    assert listing.status_code == 200
    assert mail["subject"] in listing.text
    number = order["number"]
    pages = [
        await http.get(f"/dev/mailbox/{n}")
        for n in range(1, 200)
        if f'/dev/mailbox/{n}"' in listing.text
    ]
    shown = [p for p in pages if number in p.text]
    assert shown, "the order's mail has no page"
    assert "Plain text" in shown[0].text
    assert (await http.get("/dev/mailbox/999999")).status_code == 404


async def test_every_mail_type_renders_with_a_real_order(admin: GraphQLClient, unique: str) -> None:
    order = await paid_order(admin, unique)
    types = [t.value for t in NotificationType]
    for kind in types:
        for locale in ("en", "nl"):
            shown = await admin.data(PREVIEW, {"id": order["id"], "type": kind, "locale": locale})
            rendered = shown["notificationPreview"]
            assert rendered["subject"], (kind, locale)
            assert rendered["text"].strip(), (kind, locale)
            assert "</html>" in rendered["html"].lower(), (kind, locale)
