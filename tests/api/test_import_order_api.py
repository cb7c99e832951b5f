"""importOrder over real HTTP on both backends: orders sold on another channel.

Each refusal is checked twice: a coded userError, and re-reading through the API shows no order
was written and no stock moved.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ordergraph.domain.principals import Role, Scope
from tests.api.test_place_order_api import (
    PLACE_ORDER,
    address,
    global_id,
    level,
    order_count,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

IMPORTED = """
  id number status paymentStatus channel source externalId salesRep email createdAt
  deliveredAt expiresAt
  subtotal { amount currency } shippingTotal { amount currency } total { amount currency }
  lines { sku quantity unitPrice { amount currency } total { amount } }
  customer { id email }
  fulfillments { id status }
  payments { gateway kind status amount { amount currency } reference }
  events { type }
"""

IMPORT_ORDER = f"""
mutation($input: ImportOrderInput!) {{
  importOrder(input: $input) {{
    order {{ {IMPORTED} }}
    replayed
    userErrors {{ field message code }}
  }}
}}"""


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def marketplace(
    sku: str, external_id: str, *, quantity: int = 2, price: str = "9.99", **changes: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "source": "amazon",
        "externalId": external_id,
        "channel": "MARKETPLACE",
        "email": f"buyer-{external_id.lower()}@example.com",
        "name": "Grace Hopper",
        "lines": [{"sku": sku, "quantity": quantity, "unitPrice": eur(price)}],
        "shippingAddress": address(),
        "shippingTotal": eur("4.50"),
    }
    values.update(changes)
    return values


async def imported(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(IMPORT_ORDER, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    order = payload["order"]
    assert isinstance(order, dict)
    return order


@pytest.fixture
def importer(admin: GraphQLClient, live: LiveApi) -> GraphQLClient:
    """A staff token that may write orders (named ``test``)."""
    token = issue_token(live.database_url, Role.STAFF, frozenset({Scope.ORDERS_WRITE}))
    return admin.as_token(token)


async def test_imports_a_paid_marketplace_order_at_the_channels_prices(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10, price="12.50")

    order = await imported(admin, marketplace(item.sku, f"A-{unique}", paidAmount=eur("24.48")))

    assert (order["source"], order["externalId"], order["channel"]) == (
        "amazon",
        f"A-{unique}",
        "MARKETPLACE",
    )
    assert order["lines"][0]["unitPrice"] == eur("9.99")  # the channel's price, not 12.50
    assert order["subtotal"]["amount"] == "19.98"
    assert order["shippingTotal"]["amount"] == "4.50"
    assert order["total"]["amount"] == "24.48"
    assert (order["status"], order["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert [f["status"] for f in order["fulfillments"]] == ["PENDING"]
    assert order["payments"] == [
        {
            "gateway": "external",
            "kind": "SALE",
            "status": "SUCCESS",
            "amount": eur("24.48"),
            "reference": f"amazon:A-{unique}",
        }
    ]
    types = [e["type"] for e in order["events"]]
    assert types[:3] == ["order.placed", "order.imported", "order.confirmed"]
    assert order["customer"]["email"] == f"buyer-a-{unique.lower()}@example.com"
    assert await level(admin, item.sku, item.warehouse_id) == (10, 2, 8)


async def test_an_unpaid_import_waits_placed_with_stock_reserved_and_never_expires(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)

    order = await imported(admin, marketplace(item.sku, f"U-{unique}", quantity=1))

    assert (order["status"], order["paymentStatus"]) == ("PLACED", "PENDING")
    assert order["payments"] == []
    assert order["fulfillments"] == []
    assert order["expiresAt"] is None
    assert await level(admin, item.sku, item.warehouse_id) == (5, 1, 4)


async def test_replaying_an_import_returns_the_first_order_and_changes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    values = marketplace(item.sku, f"R-{unique}")
    first = await imported(admin, values)
    before = await order_count(admin)

    payload = await admin.mutate(IMPORT_ORDER, {"input": values})

    assert payload["userErrors"] == []
    assert payload["replayed"] is True
    assert payload["order"]["id"] == first["id"]
    assert await order_count(admin) == before
    assert await level(admin, item.sku, item.warehouse_id) == (10, 2, 8)


async def test_the_same_external_id_with_other_content_is_refused_with_the_first_order(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    first = await imported(admin, marketplace(item.sku, f"D-{unique}"))
    before = await order_count(admin)

    payload = await admin.mutate(
        IMPORT_ORDER, {"input": marketplace(item.sku, f"D-{unique}", quantity=3)}
    )

    assert [e["code"] for e in payload["userErrors"]] == ["ALREADY_IMPORTED"]
    assert payload["userErrors"][0]["field"] == ["input", "externalId"]
    assert payload["order"]["id"] == first["id"]
    assert payload["order"]["lines"][0]["quantity"] == 2
    assert await order_count(admin) == before
    assert await level(admin, item.sku, item.warehouse_id) == (10, 2, 8)


async def test_five_concurrent_replays_make_exactly_one_order(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    values = marketplace(item.sku, f"C-{unique}", paidAmount=eur("24.48"))
    before = await order_count(admin)

    payloads = await asyncio.gather(
        *(admin.mutate(IMPORT_ORDER, {"input": values}) for _ in range(5))
    )

    assert [p["userErrors"] for p in payloads] == [[]] * 5
    assert len({p["order"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False, True, True, True, True]
    assert await order_count(admin) == before + 1
    assert await level(admin, item.sku, item.warehouse_id) == (20, 2, 18)


async def test_a_shop_sale_already_handed_over_drops_on_hand_at_once_without_fulfillment(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=6)

    order = await imported(
        admin,
        {
            "source": "pos-amsterdam",
            "externalId": f"T-{unique}",
            "channel": "STORE",
            "lines": [{"sku": item.sku, "quantity": 2, "unitPrice": eur("11.00")}],
            "paidAmount": eur("22.00"),
            "alreadyFulfilled": True,
            "warehouseId": item.warehouse_id,
            "placedAt": "2026-12-01T10:30:00+00:00",
            "salesRep": "Marta at the till",
        },
    )

    assert (order["status"], order["paymentStatus"]) == ("DELIVERED", "PAID")
    assert order["fulfillments"] == []
    assert order["customer"] is None  # a walk-in: a guest order
    assert order["createdAt"].startswith("2026-12-01T10:30:00")
    assert order["deliveredAt"].startswith("2026-12-01T10:30:00")
    assert order["salesRep"] == "Marta at the till"
    assert [e["type"] for e in order["events"]][:3] == [
        "order.placed",
        "order.imported",
        "order.delivered",
    ]
    assert await level(admin, item.sku, item.warehouse_id) == (4, 0, 4)


async def test_a_shop_sale_with_too_little_on_hand_is_refused_and_moves_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=1)
    before = await order_count(admin)

    payload = await admin.mutate(
        IMPORT_ORDER,
        {
            "input": {
                "source": "pos-amsterdam",
                "externalId": f"S-{unique}",
                "channel": "STORE",
                "lines": [{"sku": item.sku, "quantity": 2, "unitPrice": eur("11.00")}],
                "alreadyFulfilled": True,
                "warehouseId": item.warehouse_id,
            }
        },
    )

    assert [e["code"] for e in payload["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert payload["order"] is None
    assert await order_count(admin) == before
    assert await level(admin, item.sku, item.warehouse_id) == (1, 0, 1)


async def test_imports_find_the_customer_by_email(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=10)
    email = f"repeat-{unique.lower()}@example.com"

    one = await imported(admin, marketplace(item.sku, f"E1-{unique}", email=email))
    two = await imported(admin, marketplace(item.sku, f"E2-{unique}", email=email))

    assert one["customer"]["id"] == two["customer"]["id"]
    assert one["id"] != two["id"]


async def test_phone_orders_carry_the_staff_member_who_took_them_and_filter_by_it(
    importer: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    placed = await importer.mutate(
        PLACE_ORDER.replace("customer { id email }", "customer { id email } salesRep"),
        {
            "input": {
                "channel": "PHONE",
                "lines": [{"sku": item.sku, "quantity": 1}],
                "shippingAddress": address(),
                "email": "caller@example.com",
            }
        },
    )
    assert placed["userErrors"] == []
    assert placed["order"]["salesRep"] == "test"  # the staff token's name
    rep = f"Rep {unique}"
    taken = await imported(
        importer, marketplace(item.sku, f"P-{unique}", channel="SALES_REP", salesRep=rep)
    )
    assert taken["salesRep"] == rep

    found = await admin.data(
        """query($f: OrderFilter) { orders(filter: $f) { totalCount nodes { id } } }""",
        {"f": {"salesRep": rep}},
    )
    assert found["orders"]["nodes"] == [{"id": taken["id"]}]
    by_source = await admin.data(
        """query($f: OrderFilter) { orders(filter: $f) { nodes { id } } }""",
        {"f": {"source": "AMAZON", "externalId": f"P-{unique}"}},
    )
    assert by_source["orders"]["nodes"] == [{"id": taken["id"]}]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"lines": []}, "REQUIRED", ["input", "lines"]),
        ({"quantity": 0}, "INVALID_QUANTITY", ["input", "lines", "0", "quantity"]),
        ({"price": "-1.00"}, "INVALID_AMOUNT", ["input", "lines", "0", "unitPrice", "amount"]),
        (
            {"shippingTotal": {"amount": "4.50", "currency": "USD"}},
            "MIXED_CURRENCY",
            ["input", "shippingTotal", "currency"],
        ),
        ({"paidAmount": eur("99.00")}, "INVALID_AMOUNT", ["input", "paidAmount", "amount"]),
        ({"paidAmount": eur("5.00")}, "INVALID_AMOUNT", ["input", "paidAmount", "amount"]),
        ({"shippingAddress": None}, "REQUIRED", ["input", "shippingAddress"]),
        ({"placedAt": "2099-01-01T00:00:00Z"}, "INVALID", ["input", "placedAt"]),
        ({"source": "no spaces please"}, "INVALID", ["input", "source"]),
        ({"externalId": " "}, "REQUIRED", ["input", "externalId"]),
        ({"sku": "NO-SUCH-SKU"}, "NOT_FOUND", ["input", "lines", "0", "sku"]),
        ({"quantity": 50}, "OUT_OF_STOCK", ["input", "lines"]),
        ({"customerId": global_id("Customer", 999999)}, "NOT_FOUND", ["input", "customerId"]),
    ],
)
async def test_bad_input_is_a_coded_user_error_and_writes_nothing(
    admin: GraphQLClient,
    unique: str,
    changes: dict[str, Any],
    code: str,
    field: list[str],
) -> None:
    item = await stock(admin, unique, on_hand=5)
    changes = dict(changes)  # the parameters are shared by both backends
    line_changes = {k: changes.pop(k) for k in ("quantity", "price", "sku") if k in changes}
    values = marketplace(
        line_changes.pop("sku", item.sku), f"B-{unique}", **line_changes, **changes
    )
    before = await order_count(admin)

    payload = await admin.mutate(IMPORT_ORDER, {"input": values})

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["order"] is None
    assert await order_count(admin) == before
    assert await level(admin, item.sku, item.warehouse_id) == (5, 0, 5)


@pytest.mark.parametrize("who", ["storefront", "staff"])
async def test_only_staff_with_orders_write_may_import(
    request: pytest.FixtureRequest, admin: GraphQLClient, unique: str, who: str
) -> None:
    client: GraphQLClient = request.getfixturevalue(who)
    item = await stock(admin, unique, on_hand=5)
    before = await order_count(admin)

    payload = await client.mutate(IMPORT_ORDER, {"input": marketplace(item.sku, f"F-{unique}")})

    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert await order_count(admin) == before
    assert await level(admin, item.sku, item.warehouse_id) == (5, 0, 5)


async def test_concurrent_imports_by_one_new_buyer_make_one_customer(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    email = f"burst-{unique.lower()}@example.com"

    payloads = await asyncio.gather(
        *(
            admin.mutate(
                IMPORT_ORDER,
                {"input": marketplace(item.sku, f"N{n}-{unique}", quantity=1, email=email)},
            )
            for n in range(4)
        )
    )

    assert [p["userErrors"] for p in payloads] == [[]] * 4
    assert len({p["order"]["id"] for p in payloads}) == 4
    assert len({p["order"]["customer"]["id"] for p in payloads}) == 1
    assert await level(admin, item.sku, item.warehouse_id) == (20, 4, 16)


async def test_an_imported_order_shows_in_the_outbox_feed_as_order_imported(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=3)
    order = await imported(admin, marketplace(item.sku, f"O-{unique}", quantity=1))

    data = await admin.data(
        """query($id: ID!) { order(id: $id) { events { type actor payload } } }""",
        {"id": order["id"]},
    )

    (event,) = [e for e in data["order"]["events"] if e["type"] == "order.imported"]
    assert event["payload"]["source"] == "amazon"
    assert event["payload"]["externalId"] == f"O-{unique}"
    assert event["actor"] == "admin:test-admin"


async def test_cancelling_a_paid_import_releases_stock_and_leaves_the_refund_to_the_channel(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    order = await imported(admin, marketplace(item.sku, f"X-{unique}", paidAmount=eur("24.48")))

    cancelled = await admin.mutate(
        """mutation($input: CancelOrderInput!) {
             cancelOrder(input: $input) {
               order { status paymentStatus payments { gateway kind } }
               userErrors { code }
             }
           }""",
        {"input": {"orderId": order["id"], "reason": "cancelled on amazon"}},
    )
    refused = await admin.mutate(
        """mutation($input: RefundOrderInput!) {
             refundOrder(input: $input) { refund { id } userErrors { code } }
           }""",
        {"input": {"orderId": order["id"], "shipping": True}},
    )

    assert cancelled["userErrors"] == []
    assert (cancelled["order"]["status"], cancelled["order"]["paymentStatus"]) == (
        "CANCELLED",
        "PAID",
    )
    assert cancelled["order"]["payments"] == [{"gateway": "external", "kind": "SALE"}]
    assert [e["code"] for e in refused["userErrors"]] == ["EXTERNAL_PAYMENT"]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 0, 10)
