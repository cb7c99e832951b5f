"""refundOrder over real HTTP on both backends: dry runs, exact amounts, limits, idempotency.

Orders are paid in full through the API (capturePayment with the test gateway). Every refusal is
checked twice: a coded userError, and re-reading the order (refunds, payments, payment status,
timeline) shows nothing changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.test_fulfillment_api import authorize_ok
from tests.api.test_place_order_api import global_id, level
from tests.api.test_returns_api import (
    ORDER,
    accepted,
    amount,
    approve,
    event_types,
    read,
    receipt,
    receive_return,
    received_return,
    refund,
    refund_ok,
    refused,
    return_line,
    returned,
    sold,
)
from tests.support.graphql import GraphQLClient

CANCEL = f"""
mutation($input: CancelOrderInput!) {{
  cancelOrder(input: $input) {{ order {{ {ORDER} }} userErrors {{ field message code }} }}
}}"""


def euros(value: str) -> dict[str, str]:
    return {"amount": value, "currency": "EUR"}


def line(order_line_id: str, quantity: int) -> dict[str, Any]:
    return {"orderLineId": order_line_id, "quantity": quantity}


def total(payload: dict[str, Any]) -> Decimal:
    return amount(payload["breakdown"]["total"])


def refunds_of(order: dict[str, Any]) -> list[tuple[str, str, Decimal]]:
    return [(r["id"], r["status"], amount(r["total"])) for r in order["refunds"]]


def refund_transactions(order: dict[str, Any]) -> list[Decimal]:
    return [
        amount(p["amount"])
        for p in order["payments"]
        if (p["kind"], p["status"]) == ("REFUND", "SUCCESS")
    ]


async def assert_refund_refused(
    client: GraphQLClient,
    admin: GraphQLClient,
    order_id: str,
    code: str,
    field: list[str] | None = None,
    **values: Any,
) -> None:
    """refundOrder answers one ``code`` userError, and the order reads back unchanged."""
    before = await read(admin, order_id)

    payload = await refund(client, order_id, **values)

    error = refused(payload, code, "refund")
    assert payload["breakdown"] is None
    if field is not None:
        assert error["field"] == ["input", *field], error
    assert await read(admin, order_id) == before


# --- dry run ---------------------------------------------------------------------------------


async def test_a_dry_run_shows_the_breakdown_and_changes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3), ("4.00", 2)], ship=False)
    values: dict[str, Any] = {
        "lines": [line(order.line_id(0), 2), line(order.line_id(1), 1)],
        "shipping": True,
        "appeasement": euros("1.50"),
        "reason": "late delivery",
    }

    dry = await refund_ok(admin, order.id, dryRun=True, **values)

    assert dry["refund"] is None
    breakdown = dry["breakdown"]
    assert [(x["orderLineId"], x["quantity"], x["amount"]) for x in breakdown["lines"]] == [
        (order.line_id(0), 2, euros("25.00")),
        (order.line_id(1), 1, euros("4.00")),
    ]
    shipping = amount(order.order["shippingTotal"])
    assert amount(breakdown["shipping"]) == shipping
    assert breakdown["appeasement"] == euros("1.50")
    assert amount(breakdown["adjustment"]) == 0
    assert amount(breakdown["total"]) == Decimal("30.50") + shipping
    assert breakdown["refundableBefore"] == order.order["total"]
    after_dry = await read(admin, order.id)
    assert after_dry == order.order
    assert (after_dry["refunds"], after_dry["paymentStatus"]) == ([], "PAID")

    real = await refund_ok(admin, order.id, **values)

    assert real["breakdown"] == breakdown
    assert real["refund"]["breakdown"] == breakdown
    assert real["refund"]["status"] == "SUCCEEDED"
    assert real["refund"]["reason"] == "late delivery"
    assert real["refund"]["gatewayReference"]
    assert real["refund"]["completedAt"] is not None
    assert real["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    done = await read(admin, order.id)
    assert refunds_of(done) == [(real["refund"]["id"], "SUCCEEDED", amount(breakdown["total"]))]
    assert refund_transactions(done) == [amount(breakdown["total"])]
    assert event_types(done)[-3:] == [
        "refund.requested",
        "order.payment_updated",
        "refund.succeeded",
    ]


# --- exact money -----------------------------------------------------------------------------


async def test_refunds_are_exact_to_the_cent_and_shipping_is_refunded_once(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("0.10", 3), ("19.99", 2)], ship=False)
    assert order.order["subtotal"] == euros("40.28")
    shipping = amount(order.order["shippingTotal"])
    assert shipping > 0
    captured = amount(order.order["total"])
    assert captured == Decimal("40.28") + shipping

    cents = await refund_ok(admin, order.id, lines=[line(order.line_id(0), 3)])
    assert cents["breakdown"]["total"] == euros("0.30")
    assert cents["breakdown"]["lines"] == [
        {"orderLineId": order.line_id(0), "quantity": 3, "amount": euros("0.30")}
    ]
    assert amount(cents["breakdown"]["refundableBefore"]) == captured

    postage = await refund_ok(admin, order.id, shipping=True)
    assert (amount(postage["breakdown"]["shipping"]), total(postage)) == (shipping, shipping)
    assert postage["breakdown"]["lines"] == []
    assert amount(postage["breakdown"]["refundableBefore"]) == captured - Decimal("0.30")

    await assert_refund_refused(admin, admin, order.id, "NOTHING_TO_REFUND", shipping=True)

    one = await refund_ok(admin, order.id, lines=[line(order.line_id(1), 1)], shipping=True)
    assert (total(one), amount(one["breakdown"]["shipping"])) == (Decimal("19.99"), Decimal(0))
    assert one["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"

    last = await refund_ok(admin, order.id, lines=[line(order.line_id(1), 1)])
    assert total(last) == Decimal("19.99")
    assert amount(last["breakdown"]["refundableBefore"]) == Decimal("19.99")
    assert last["order"]["paymentStatus"] == "REFUNDED"
    done = await read(admin, order.id)
    assert sum(refund_transactions(done)) == captured
    assert sum(amount(r["total"]) for r in done["refunds"]) == captured


async def test_an_appeasement_is_paid_in_the_orders_currency(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, ship=False)

    goodwill = await refund_ok(
        admin, order.id, appeasement=euros("5.00"), reason="sorry for the wait"
    )

    breakdown = goodwill["breakdown"]
    assert breakdown["lines"] == []
    assert breakdown["shipping"] == euros("0.00")
    assert breakdown["appeasement"] == euros("5.00")
    assert breakdown["total"] == euros("5.00")
    assert goodwill["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "INVALID_CURRENCY",
        ["appeasement", "currency"],
        appeasement={"amount": "5.00", "currency": "USD"},
    )
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "INVALID_AMOUNT",
        ["appeasement", "amount"],
        appeasement=euros("0.001"),
    )


# --- limits ----------------------------------------------------------------------------------


async def test_refunding_more_than_was_captured_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, ship=False)
    captured = amount(order.order["total"])

    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "REFUND_EXCEEDS_CAPTURED",
        appeasement=euros(str(captured + Decimal("0.01"))),
    )
    await refund_ok(admin, order.id, lines=[line(order.line_id(), 3)])
    # every line is back; the shipping is left, and a line plus a cent more is too much
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "REFUND_EXCEEDS_CAPTURED",
        shipping=True,
        appeasement=euros("0.01"),
    )


async def test_refunding_more_units_than_were_ordered_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)], ship=False)

    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "REFUND_QUANTITY_EXCEEDED",
        ["lines", "0", "quantity"],
        lines=[line(order.line_id(), 4)],
    )
    await refund_ok(admin, order.id, lines=[line(order.line_id(), 2)])
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "REFUND_QUANTITY_EXCEEDED",
        lines=[line(order.line_id(), 2)],
    )
    # the same line twice in one request adds up
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "REFUND_QUANTITY_EXCEEDED",
        lines=[line(order.line_id(), 1), line(order.line_id(), 1)],
    )


async def test_units_refunded_through_a_return_cannot_be_refunded_again_by_line(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])
    rma = await received_return(admin, order, 2)
    through_return = await refund_ok(admin, order.id, returnId=rma["id"])
    assert total(through_return) == Decimal("25.00")

    await assert_refund_refused(
        admin, admin, order.id, "REFUND_QUANTITY_EXCEEDED", lines=[line(order.line_id(), 2)]
    )
    assert total(await refund_ok(admin, order.id, lines=[line(order.line_id(), 1)])) == Decimal(
        "12.50"
    )


async def test_a_line_of_another_order_cannot_be_refunded(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, ship=False)
    other = await sold(admin, unique, ship=False)

    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "NOT_FOUND",
        ["lines", "0", "orderLineId"],
        lines=[line(other.line_id(), 1)],
    )
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "INVALID_ID",
        ["lines", "0", "orderLineId"],
        lines=[line(order.id, 1)],
    )
    error = refused(
        await refund(admin, global_id("Order", 987654321), shipping=True), "NOT_FOUND", "refund"
    )
    assert error["field"] == ["input", "orderId"]


async def test_an_order_that_is_only_authorized_has_nothing_to_refund(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, capture_payment=False)
    await authorize_ok(admin, order.id)
    assert (await read(admin, order.id))["paymentStatus"] == "AUTHORIZED"

    await assert_refund_refused(
        admin, admin, order.id, "NOTHING_TO_REFUND", lines=[line(order.line_id(), 1)]
    )
    await assert_refund_refused(
        admin, admin, order.id, "NOTHING_TO_REFUND", dryRun=True, shipping=True
    )


async def test_an_unpaid_order_has_nothing_to_refund(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique, capture_payment=False)

    await assert_refund_refused(admin, admin, order.id, "NOTHING_TO_REFUND", shipping=True)


async def test_refunding_every_line_and_the_shipping_refunds_the_order_in_full(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3), ("7.25", 1)], ship=False)

    full = await refund_ok(
        admin,
        order.id,
        lines=[line(order.line_id(0), 3), line(order.line_id(1), 1)],
        shipping=True,
    )

    assert full["breakdown"]["total"] == order.order["total"]
    assert full["order"]["paymentStatus"] == "REFUNDED"
    done = await read(admin, order.id)
    assert done["paymentStatus"] == "REFUNDED"
    assert refund_transactions(done) == [amount(order.order["total"])]
    await assert_refund_refused(admin, admin, order.id, "NOTHING_TO_REFUND", shipping=True)
    await assert_refund_refused(
        admin, admin, order.id, "REFUND_EXCEEDS_CAPTURED", appeasement=euros("0.01")
    )


# --- idempotency -----------------------------------------------------------------------------


async def test_a_refund_sent_twice_with_one_key_pays_once(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)], ship=False)
    key = f"refund-{unique}"
    values: dict[str, Any] = {"lines": [line(order.line_id(), 1)], "idempotencyKey": key}

    first = await refund_ok(admin, order.id, **values)
    second = await refund_ok(admin, order.id, **values)

    assert second["refund"]["id"] == first["refund"]["id"]
    assert second["breakdown"] == first["breakdown"]
    done = await read(admin, order.id)
    assert refunds_of(done) == [(first["refund"]["id"], "SUCCEEDED", Decimal("12.50"))]
    assert refund_transactions(done) == [Decimal("12.50")]
    await assert_refund_refused(
        admin,
        admin,
        order.id,
        "IDEMPOTENCY_KEY_REUSED",
        ["idempotencyKey"],
        lines=[line(order.line_id(), 2)],
        idempotencyKey=key,
    )


# --- returns ---------------------------------------------------------------------------------


async def test_a_return_not_yet_received_cannot_be_refunded(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)])
    rma = await returned(admin, order.id, [return_line(order.line_id(), 2)])

    await assert_refund_refused(
        admin, admin, order.id, "RETURN_NOT_RECEIVED", ["returnId"], returnId=rma["id"]
    )
    accepted(await approve(admin, rma["id"]))
    accepted(await receive_return(admin, rma["id"], [receipt(rma["lines"][0]["id"], 1)]))
    await assert_refund_refused(
        admin, admin, order.id, "RETURN_NOT_RECEIVED", ["returnId"], returnId=rma["id"]
    )


async def test_a_return_of_another_order_cannot_be_refunded_here(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique)
    other = await sold(admin, unique)
    rma = await received_return(admin, other, 1)

    await assert_refund_refused(
        admin, admin, order.id, "NOT_FOUND", ["returnId"], returnId=rma["id"]
    )


# --- cancel ----------------------------------------------------------------------------------


async def test_cancelling_a_paid_order_refunds_it_in_full_through_one_refund(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3), ("0.10", 1)], ship=False)
    assert await level(admin, order.skus[0], order.warehouse_id) == (10, 3, 7)

    payload = await admin.mutate(
        CANCEL, {"input": {"orderId": order.id, "reason": "customer changed their mind"}}
    )

    assert payload["userErrors"] == [], payload["userErrors"]
    cancelled = payload["order"]
    assert (cancelled["status"], cancelled["paymentStatus"]) == ("CANCELLED", "REFUNDED")
    (only,) = cancelled["refunds"]
    assert only["status"] == "SUCCEEDED"
    assert only["total"] == order.order["total"]
    assert only["breakdown"]["shipping"] == order.order["shippingTotal"]
    assert sorted(
        (x["orderLineId"], x["quantity"], x["amount"]["amount"]) for x in only["breakdown"]["lines"]
    ) == sorted(
        (x["id"], x["quantity"], str(Decimal(x["unitPrice"]["amount"]) * x["quantity"]))
        for x in order.order["lines"]
    )
    assert refund_transactions(cancelled) == [amount(order.order["total"])]
    assert "refund.succeeded" in event_types(cancelled)
    assert await read(admin, order.id) == cancelled
    assert await level(admin, order.skus[0], order.warehouse_id) == (10, 0, 10)
    await assert_refund_refused(admin, admin, order.id, "NOTHING_TO_REFUND", shipping=True)


async def test_cancelling_a_partly_refunded_order_refunds_only_what_is_left(
    admin: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, [("12.50", 3)], ship=False)
    first = await refund_ok(admin, order.id, lines=[line(order.line_id(), 1)])
    assert total(first) == Decimal("12.50")

    payload = await admin.mutate(CANCEL, {"input": {"orderId": order.id, "reason": "changed"}})

    assert payload["userErrors"] == [], payload["userErrors"]
    cancelled = payload["order"]
    assert (cancelled["status"], cancelled["paymentStatus"]) == ("CANCELLED", "REFUNDED")
    earlier, rest = cancelled["refunds"]
    assert earlier["id"] == first["refund"]["id"]
    assert [(x["quantity"], x["amount"]) for x in rest["breakdown"]["lines"]] == [
        (2, euros("25.00"))
    ]
    assert amount(rest["total"]) == amount(order.order["total"]) - Decimal("12.50")
    assert sum(refund_transactions(cancelled)) == amount(order.order["total"])


# --- permissions -----------------------------------------------------------------------------


async def test_only_staff_with_refund_rights_can_refund(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order = await sold(admin, unique, ship=False)

    for client in (storefront, staff):
        await assert_refund_refused(client, admin, order.id, "FORBIDDEN", shipping=True)
        await assert_refund_refused(
            client, admin, order.id, "FORBIDDEN", dryRun=True, shipping=True
        )


async def test_the_order_lists_its_refunds_oldest_first(admin: GraphQLClient, unique: str) -> None:
    order = await sold(admin, unique, [("12.50", 3)], ship=False)

    first = await refund_ok(admin, order.id, lines=[line(order.line_id(), 1)])
    second = await refund_ok(admin, order.id, appeasement=euros("2.00"))

    done = await read(admin, order.id)
    assert [r["id"] for r in done["refunds"]] == [first["refund"]["id"], second["refund"]["id"]]
    assert [r["total"] for r in done["refunds"]] == [euros("12.50"), euros("2.00")]
    assert all(r["createdBy"] for r in done["refunds"])
