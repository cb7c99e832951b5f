"""Payments over real HTTP with ORDERGRAPH_PAYMENT_GATEWAY=stripe against localstripe.

One server per module on a fresh PostgreSQL database; localstripe delivers its signed webhooks
to the server's ``/payments/webhooks/stripe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_payments_api import ORDER_STATE, error_of
from tests.api.test_place_order_api import order_input, place_ok, read_order, stock
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api
from tests.support.localstripe import (
    API_KEY,
    CHARGE_DECLINED,
    THREE_D_SECURE,
    VISA,
    LocalStripe,
    signed,
)

SECRET = "whsec_ordergraph_tests"
PAYMENT = """
  id kind status amount { amount currency } reference errorCode clientSecret nextAction
  targetReference compensates settledAt
"""
PAY = """
mutation($input: PaymentInput!) {{
  {name}(input: $input) {{
    order {{ id status paymentStatus }}
    payment {{ {payment} }}
    userErrors {{ field message code }}
  }}
}}"""


@pytest.fixture(scope="module")
def live(databases: Databases, localstripe: LocalStripe) -> Iterator[LiveApi]:
    url = databases.new_postgres()
    with live_api(
        "postgresql",
        url,
        ORDERGRAPH_PAYMENT_GATEWAY="stripe",
        ORDERGRAPH_STRIPE_API_KEY=API_KEY,
        ORDERGRAPH_STRIPE_API_BASE=localstripe.url,
        ORDERGRAPH_STRIPE_WEBHOOK_SECRET=SECRET,
    ) as api:
        localstripe.register_webhook(
            f"ordergraph-{api.base_url.rsplit(':', 1)[1]}",
            f"{api.base_url}/payments/webhooks/stripe",
            SECRET,
        )
        yield api


@pytest.fixture
async def http(live: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def admin(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    return GraphQLClient(http, live.admin_token)


@pytest.fixture
def storefront(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    return GraphQLClient(http, live.storefront_token)


async def placed(storefront: GraphQLClient, admin: GraphQLClient, unique: str) -> str:
    item = await stock(admin, unique, on_hand=10)
    order = await place_ok(storefront, order_input([(item.sku, 2)]))
    return str(order["id"])


async def pay(client: GraphQLClient, name: str, order_id: str, token: str | None) -> dict[str, Any]:
    return await client.mutate(
        PAY.format(name=name, payment=PAYMENT), {"input": {"orderId": order_id, "token": token}}
    )


async def state(admin: GraphQLClient, order_id: str) -> Any:
    return await read_order(admin, order_id, ORDER_STATE)


async def eventually(admin: GraphQLClient, order_id: str, payment_status: str) -> Any:
    """localstripe posts its webhooks a second after the fact: wait for one to land."""
    for _ in range(100):
        found = await state(admin, order_id)
        if found["paymentStatus"] == payment_status:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"payment never became {payment_status}: {found}")


async def test_authorize_then_capture_moves_real_money_at_the_provider(
    storefront: GraphQLClient, admin: GraphQLClient, localstripe: LocalStripe, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)

    held = await pay(storefront, "authorizePayment", order_id, VISA)

    assert held["userErrors"] == []
    assert (held["order"]["status"], held["order"]["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
    intent_id = held["payment"]["reference"]
    intent = localstripe.get(f"/v1/payment_intents/{intent_id}")
    assert (intent["status"], intent["capture_method"]) == ("requires_capture", "manual")
    total = (await state(admin, order_id))["total"]
    assert intent["amount"] == int(float(total["amount"]) * 100)

    taken = await pay(admin, "capturePayment", order_id, None)

    assert taken["userErrors"] == []
    assert taken["order"]["paymentStatus"] == "PAID"
    assert taken["payment"]["kind"] == "CAPTURE"
    assert taken["payment"]["targetReference"] == intent_id
    assert localstripe.get(f"/v1/payment_intents/{intent_id}")["status"] == "succeeded"


async def test_a_declined_card_is_payment_declined_and_the_order_waits_for_another(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)
    declined = await pay(storefront, "capturePayment", order_id, CHARGE_DECLINED)
    assert error_of(declined)["code"] == "PAYMENT_DECLINED"
    assert "declined" in error_of(declined)["message"]
    assert (await state(admin, order_id))["paymentStatus"] == "FAILED"
    paid = await pay(storefront, "capturePayment", order_id, VISA)
    assert (paid["order"]["status"], paid["order"]["paymentStatus"]) == ("CONFIRMED", "PAID")


async def test_a_3ds_authorization_returns_the_client_secret_and_finishes_when_asked_again(
    storefront: GraphQLClient, admin: GraphQLClient, localstripe: LocalStripe, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)

    waiting = await pay(storefront, "authorizePayment", order_id, localstripe.card(THREE_D_SECURE))

    assert waiting["userErrors"] == []
    assert (waiting["order"]["status"], waiting["order"]["paymentStatus"]) == (
        "PLACED",
        "ACTION_REQUIRED",
    )
    payment = waiting["payment"]
    assert payment["status"] == "ACTION_REQUIRED"
    assert payment["clientSecret"].startswith(f"{payment['reference']}_secret_")
    assert payment["nextAction"]["type"] == "use_stripe_sdk"
    assert payment["settledAt"] is None

    # the customer authenticates in the browser (Stripe.js); localstripe sends no webhook for
    # an authorization, so the storefront asks again, without a token
    assert localstripe.authenticate(payment["reference"], payment["clientSecret"], success=True)
    done = await pay(storefront, "authorizePayment", order_id, None)

    assert done["userErrors"] == []
    assert (done["order"]["status"], done["order"]["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
    assert done["payment"]["id"] == payment["id"]  # the same transaction, now answered
    assert done["payment"]["status"] == "SUCCESS"
    assert done["payment"]["settledAt"] is not None


async def test_a_3ds_sale_is_completed_by_the_signed_webhook(
    storefront: GraphQLClient, admin: GraphQLClient, localstripe: LocalStripe, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)
    waiting = await pay(storefront, "capturePayment", order_id, localstripe.card(THREE_D_SECURE))
    payment = waiting["payment"]
    assert waiting["order"]["paymentStatus"] == "ACTION_REQUIRED"

    localstripe.authenticate(payment["reference"], payment["clientSecret"], success=True)

    # localstripe now posts payment_intent.succeeded, signed, to our endpoint
    found = await eventually(admin, order_id, "PAID")
    assert found["status"] == "CONFIRMED"
    assert [p["status"] for p in found["payments"]] == ["SUCCESS"]
    assert "fulfillment.created" in [e["type"] for e in found["events"]]


async def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)
    event = {"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded"}
    payload, header = signed(event, "whsec_not_ours")
    response = await http.post(
        "/payments/webhooks/stripe", content=payload, headers={"stripe-signature": header}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid signature"}
    unsigned = await http.post("/payments/webhooks/stripe", content=payload)
    assert unsigned.status_code == 400
    shapeless, header = signed({"id": "evt_shapeless"}, SECRET)  # signed, but no event
    odd = await http.post(
        "/payments/webhooks/stripe", content=shapeless, headers={"stripe-signature": header}
    )
    assert (odd.status_code, odd.json()) == (400, {"error": "not a Stripe event"})
    assert (await state(admin, order_id))["paymentStatus"] == "PENDING"


async def test_a_redelivered_or_late_event_changes_nothing(
    http: httpx.AsyncClient,
    storefront: GraphQLClient,
    admin: GraphQLClient,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    order_id = await placed(storefront, admin, unique)
    paid = await pay(storefront, "capturePayment", order_id, VISA)
    intent_id = paid["payment"]["reference"]
    [event] = [
        e
        for e in localstripe.events("payment_intent.succeeded")
        if e["data"]["object"]["id"] == intent_id
    ]
    before = await state(admin, order_id)

    answers = []
    for _ in range(2):
        payload, header = signed(event, SECRET)
        response = await http.post(
            "/payments/webhooks/stripe", content=payload, headers={"stripe-signature": header}
        )
        assert response.status_code == 200
        answers.append(response.json()["outcome"])
    # a payment_failed for the same intent arriving after its success
    late = {**event, "id": f"{event['id']}_late", "type": "payment_intent.payment_failed"}
    payload, header = signed(late, SECRET)
    response = await http.post(
        "/payments/webhooks/stripe", content=payload, headers={"stripe-signature": header}
    )

    assert answers[1] == "duplicate"
    assert response.json()["outcome"] == "already SUCCESS"
    after = await state(admin, order_id)
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert after["events"] == before["events"]


async def test_a_refund_made_in_the_providers_dashboard_is_recorded_from_its_webhook(
    http: httpx.AsyncClient,
    storefront: GraphQLClient,
    admin: GraphQLClient,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    # localstripe sends no charge.refunded: the event is built from its records and signed
    order_id = await placed(storefront, admin, unique)
    paid = await pay(storefront, "capturePayment", order_id, VISA)
    intent_id = paid["payment"]["reference"]
    intent = localstripe.get(f"/v1/payment_intents/{intent_id}")
    localstripe.post("/v1/refunds", payment_intent=intent_id, amount="500")
    charge = localstripe.get(f"/v1/charges/{intent['latest_charge']['id']}")
    assert charge["amount_refunded"] == 500
    event = {
        "id": f"evt_refund_{unique}",
        "object": "event",
        "type": "charge.refunded",
        "data": {"object": charge},
    }
    payload, header = signed(event, SECRET)
    response = await http.post(
        "/payments/webhooks/stripe", content=payload, headers={"stripe-signature": header}
    )

    assert response.json()["outcome"] == "recorded 500 refunded at the provider"
    found = await state(admin, order_id)
    assert found["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert [(p["kind"], p["amount"]["amount"]) for p in found["payments"]][-1] == ("REFUND", "5.00")
    assert "payment.refunded_at_provider" in [e["type"] for e in found["events"]]


async def test_cancelling_an_authorized_order_voids_the_intent(
    storefront: GraphQLClient, admin: GraphQLClient, localstripe: LocalStripe, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)
    held = await pay(storefront, "authorizePayment", order_id, VISA)
    cancelled = await admin.mutate(
        "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { "
        "order { status paymentStatus } userErrors { code } } }",
        {"input": {"orderId": order_id, "reason": "changed mind"}},
    )
    assert cancelled["order"] == {"status": "CANCELLED", "paymentStatus": "VOIDED"}
    intent = localstripe.get(f"/v1/payment_intents/{held['payment']['reference']}")
    assert intent["status"] == "canceled"


async def test_a_refund_goes_back_to_the_card_in_part(
    storefront: GraphQLClient, admin: GraphQLClient, localstripe: LocalStripe, unique: str
) -> None:
    order_id = await placed(storefront, admin, unique)
    paid = await pay(storefront, "capturePayment", order_id, VISA)
    order = await state(admin, order_id)
    line_id = order["lines"][0]["id"]
    refunded = await admin.mutate(
        "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { "
        "refund { status total { amount } } userErrors { code message } } }",
        {"input": {"orderId": order_id, "lines": [{"orderLineId": line_id, "quantity": 1}]}},
    )
    assert refunded["userErrors"] == []
    assert refunded["refund"]["status"] == "SUCCEEDED"
    listed = localstripe.get("/v1/refunds", payment_intent=paid["payment"]["reference"])
    amounts = [r["amount"] for r in listed["data"]]
    assert amounts == [int(float(refunded["refund"]["total"]["amount"]) * 100)]
    assert (await state(admin, order_id))["paymentStatus"] == "PARTIALLY_REFUNDED"


async def test_a_hold_released_at_stripe_is_recorded_as_voided_from_its_webhook(
    http: httpx.AsyncClient,
    storefront: GraphQLClient,
    admin: GraphQLClient,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    # localstripe sends no payment_intent.canceled: cancel the intent there (as an expired
    # authorization or the dashboard would), then sign the event built from its record
    order_id = await placed(storefront, admin, unique)
    held = await pay(storefront, "authorizePayment", order_id, VISA)
    intent = localstripe.post(f"/v1/payment_intents/{held['payment']['reference']}/cancel")
    assert intent["status"] == "canceled"
    event = {
        "id": f"evt_canceled_{unique}",
        "object": "event",
        "type": "payment_intent.canceled",
        "data": {"object": intent},
    }
    payload, header = signed(event, SECRET)
    response = await http.post(
        "/payments/webhooks/stripe", content=payload, headers={"stripe-signature": header}
    )

    assert response.json()["outcome"] == "voided at provider; payment VOIDED"
    found = await state(admin, order_id)
    assert (found["status"], found["paymentStatus"]) == ("CONFIRMED", "VOIDED")
    assert [p["kind"] for p in found["payments"]] == ["AUTHORIZE", "VOID"]
    flagged = await admin.data(
        "query($id: ID!) { order(id: $id) { atRisk atRiskReasons } }", {"id": order_id}
    )
    assert flagged["order"] == {"atRisk": True, "atRiskReasons": ["PAYMENT_NEEDS_ATTENTION"]}
