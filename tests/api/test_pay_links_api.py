"""Pay links end to end over real HTTP on both backends: a draft's invoice mailed with its
link, the pay page (GET /pay/{token}) and its form (POST), a declined card, the payment that
places and pays the order from the draft, and the balance an edit leaves to a link."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import httpx

from tests.api.test_draft_orders_api import create_ok, draft_input
from tests.api.test_order_edits_api import EDIT, charged, edit, pay, read
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

SEND = """
mutation($input: SendDraftOrderInvoiceInput!) {
  sendDraftOrderInvoice(input: $input) {
    draftOrder { id status orderId }
    payLinkUrl
    userErrors { field message code }
  }
}"""
DRAFT = "query($id: ID!) { draftOrder(id: $id) { status orderId } }"
ORDER = """
query($id: ID!) {
  order(id: $id) {
    status paymentStatus draftOrderId total { amount } balanceDue { amount currency }
    events { type payload }
  }
}"""
EDIT_WITH_LINK = EDIT.replace("edit {", "payLinkUrl edit { payLinkUrl ")


async def send(admin: GraphQLClient, draft_id: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = await admin.mutate(
        SEND, {"input": {"draftOrderId": draft_id, **extra}}
    )
    return payload


def path_of(url: str, live: LiveApi) -> str:
    assert url.startswith(f"{live.base_url}/pay/"), url
    return url[len(live.base_url) :]


async def mailed_with(http: httpx.AsyncClient, needle: str) -> str:
    """The dev mailbox page of the mail that contains ``needle`` (bounded wait)."""
    for _ in range(100):
        listing = (await http.get("/dev/mailbox")).text
        for n in sorted({int(x) for x in re.findall(r'/dev/mailbox/(\d+)"', listing)}):
            page = (await http.get(f"/dev/mailbox/{n}")).text
            if needle in page:
                return page
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail contains {needle}")


async def test_a_draft_invoice_is_mailed_paid_through_its_page_and_places_the_order(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5, price="10.00")
    email = f"pay-{unique.lower()}@example.com"
    draft = await create_ok(admin, draft_input([(item.sku, 2)], email=email, name="Ada <b>"))
    sent = await send(admin, draft["id"], message="Thanks for calling", idempotencyKey=unique)
    assert sent["userErrors"] == [], sent
    url = sent["payLinkUrl"]
    path = path_of(url, live)
    mail = await mailed_with(http, path)
    assert email in mail
    assert "Thanks for calling" in mail
    replay = await send(admin, draft["id"], message="Thanks for calling", idempotencyKey=unique)
    assert (replay["userErrors"], replay["payLinkUrl"]) == ([], None)  # no second link

    page = await http.get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert f"2 &times; Product {item.sku}" in page.text
    assert draft["quote"]["total"]["amount"] in page.text
    assert 'name="paymentToken"' in page.text
    assert email not in page.text  # nothing personal on the page
    assert "Ada" not in page.text

    declined = await http.post(path, data={"paymentToken": "tok_declined"})
    assert declined.status_code == 400
    assert "declined" in declined.text
    assert 'name="paymentToken"' in declined.text  # the link stays open: try again
    still = (await admin.data(DRAFT, {"id": draft["id"]}))["draftOrder"]
    assert still["orderId"] is not None  # placed, waiting to be paid (see the README)
    waiting = (await admin.data(ORDER, {"id": still["orderId"]}))["order"]
    assert waiting["paymentStatus"] in {"PENDING", "FAILED"}

    paid = await http.post(path, data={"paymentToken": "tok_ok"})
    assert paid.status_code == 200, paid.text
    assert "is paid" in paid.text
    done = (await admin.data(DRAFT, {"id": draft["id"]}))["draftOrder"]
    assert done == {"status": "COMPLETED", "orderId": still["orderId"]}  # the same order
    order = (await admin.data(ORDER, {"id": done["orderId"]}))["order"]
    assert (order["status"], order["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert order["draftOrderId"] == draft["id"]
    assert order["total"]["amount"] == draft["quote"]["total"]["amount"]
    assert [e["type"] for e in order["events"]].count("order.paid_by_link") == 1

    again = await http.post(path, data={"paymentToken": "tok_ok"})
    assert again.status_code == 409
    assert "PAID" in again.text
    shown = await http.get(path)
    assert "has been paid" in shown.text
    assert 'name="paymentToken"' not in shown.text


async def test_pay_pages_of_unknown_tokens_are_404_and_odd_forms_are_no_500(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    assert (await http.get("/pay/no-such-token")).status_code == 404
    assert (
        await http.post("/pay/no-such-token", data={"paymentToken": "tok_ok"})
    ).status_code == 404
    assert (await http.get("/pay/" + "x" * 300)).status_code == 404
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    path = path_of((await send(admin, draft["id"]))["payLinkUrl"], live)
    empty = await http.post(path, data={})
    assert empty.status_code == 400
    nul = await http.post(path, content=b"paymentToken=%00", headers={"content-type": "x"})
    assert nul.status_code == 400
    huge = await http.post(path, content=b"paymentToken=" + b"a" * 10_000)
    assert huge.status_code == 400
    assert (await admin.data(DRAFT, {"id": draft["id"]}))["draftOrder"]["status"] == "OPEN"


async def test_bad_invoice_requests_get_codes_and_change_nothing(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    cases = [
        ({"draftOrderId": "bad"}, "INVALID_ID"),
        ({"draftOrderId": draft["id"], "email": "nope"}, None),
        ({"draftOrderId": draft["id"], "message": "x" * 3000}, None),
    ]
    for values, code in cases:
        payload = await admin.mutate(SEND, {"input": values})
        assert payload["payLinkUrl"] is None
        assert len(payload["userErrors"]) == 1, payload
        if code is not None:
            assert payload["userErrors"][0]["code"] == code
    denied = await storefront.mutate(SEND, {"input": {"draftOrderId": draft["id"]}})
    assert [e["code"] for e in denied["userErrors"]] == ["FORBIDDEN"]
    completed = await admin.mutate(
        "mutation($id: ID!) { completeDraftOrder(draftOrderId: $id) { userErrors { code } } }",
        {"id": draft["id"]},
    )
    assert completed["userErrors"] == []
    late = await send(admin, draft["id"])
    assert [e["code"] for e in late["userErrors"]] == ["DRAFT_NOT_OPEN"]


async def test_an_edit_of_a_paid_order_leaves_the_difference_to_a_pay_link(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    http: httpx.AsyncClient,
    live: LiveApi,
    unique: str,
) -> None:
    a = await stock(admin, unique, on_hand=10, price="10.00")
    b = await stock(admin, unique, on_hand=10, price="4.00")
    placed = await place_ok(storefront, order_input([(a.sku, 1)]))
    await pay(admin, "capturePayment", placed["id"])
    add = [{"addLine": {"sku": b.sku, "quantity": 2}}]
    payload = await admin.mutate(
        EDIT_WITH_LINK,
        {"input": {"orderId": placed["id"], "changes": add, "collectPayment": "PAY_LINK"}},
    )
    assert payload["userErrors"] == [], payload
    url = payload["payLinkUrl"]
    assert payload["edit"]["payLinkUrl"] == url
    assert payload["edit"]["paymentSettlement"] == "CHARGE"
    difference = payload["edit"]["totalDifference"]["amount"]
    order = (await admin.data(ORDER, {"id": placed["id"]}))["order"]
    assert order["paymentStatus"] == "PAID"
    assert order["balanceDue"]["amount"] == difference
    path = path_of(url, live)
    assert difference in (await http.get(path)).text
    await mailed_with(http, path)  # the ORDER_EDITED mail carries the link

    declined = await http.post(path, data={"paymentToken": "tok_declined"})
    assert declined.status_code == 400
    paid = await http.post(path, data={"paymentToken": "tok_ok"})
    assert paid.status_code == 200, paid.text
    after = await read(admin, placed["id"])
    assert charged(after) == Decimal(after["total"]["amount"])
    order = (await admin.data(ORDER, {"id": placed["id"]}))["order"]
    assert Decimal(order["balanceDue"]["amount"]) == 0
    assert order["paymentStatus"] == "PAID"
    assert [e["type"] for e in order["events"]].count("order.paid_by_link") == 1


async def test_an_authorized_order_cannot_leave_a_difference_to_a_link(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    a = await stock(admin, unique, on_hand=10, price="10.00")
    placed = await place_ok(storefront, order_input([(a.sku, 1)]))
    await pay(admin, "authorizePayment", placed["id"])
    before = await read(admin, placed["id"])
    line = before["lines"][0]["id"]
    refused = await edit(
        admin,
        placed["id"],
        [{"setQuantity": {"orderLineId": line, "quantity": 3}}],
        collectPayment="PAY_LINK",
    )
    assert [e["code"] for e in refused["userErrors"]] == ["PAY_LINK_NOT_POSSIBLE"]
    assert (await read(admin, placed["id"]))["version"] == before["version"]


async def test_one_link_cannot_be_used_to_try_card_after_card(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    path = path_of((await send(admin, draft["id"]))["payLinkUrl"], live)
    tries = [await http.post(path, data={"paymentToken": "tok_declined"}) for _ in range(5)]
    assert [t.status_code for t in tries] == [400] * 5
    refused = await http.post(path, data={"paymentToken": "tok_ok"})
    assert refused.status_code == 429
    assert "too many attempts" in refused.text
    placed = (await admin.data(DRAFT, {"id": draft["id"]}))["draftOrder"]["orderId"]
    order = (await admin.data(ORDER, {"id": placed}))["order"]
    assert order["paymentStatus"] != "PAID"  # the refused attempt reached no gateway
