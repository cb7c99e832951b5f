"""``GET /exports/orders.csv`` and ``/exports/orders.jsonl`` over real HTTP on both backends.

Staff tokens only; the rows carry what GraphQL shows for the same orders; ``since`` is
inclusive and ``until`` exclusive on ``createdAt``. Tests run one after another on one shared
database, so each exports only the time window around the orders it placed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ordergraph.domain.order_export import COLUMNS
from tests.api.test_customer_login_api import customer, login
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.api.test_refunds_api import euros
from tests.api.test_returns_api import refund_ok, sold
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

ORDER = """
query($id: ID!) {
  order(id: $id) {
    number createdAt confirmedAt cancelledAt status paymentStatus email contactName channel
    subtotal { amount currency } discountTotal { amount } taxTotal { amount }
    shippingTotal { amount } total { amount } refunds { status total { amount } }
  }
}"""


def now() -> datetime:
    return datetime.now(UTC)


async def export(
    http: httpx.AsyncClient, token: str | None, fmt: str = "csv", **params: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.get(f"/exports/orders.{fmt}", params=params, headers=headers)


def csv_rows(response: httpx.Response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(response.text))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


async def window(admin: GraphQLClient, unique: str) -> tuple[datetime, list[str], datetime]:
    """Three orders placed inside [start, end): ids, first to last."""
    start = now() - timedelta(milliseconds=1)
    item = await stock(admin, unique)
    ids = []
    for index in range(3):
        email = f"export{index}-{unique.lower()}@example.com"
        order = await place_ok(admin, order_input([(item.sku, index + 1)], email=email))
        ids.append(order["id"])
    await asyncio.sleep(0.01)
    return start, ids, now()


async def test_a_staff_export_has_the_finance_columns_and_the_graphql_values(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    start = now() - timedelta(milliseconds=1)
    paid = await sold(admin, unique, (("12.50", 2), ("3.10", 1)), ship=False)
    await refund_ok(admin, paid.id, appeasement=euros("5.00"), reason="sorry")
    end = now() + timedelta(seconds=1)
    shown = (await admin.data(ORDER, {"id": paid.id}))["order"]

    header, rows = csv_rows(
        await export(http, live.staff_token, since=start.isoformat(), until=end.isoformat())
    )

    assert header == list(COLUMNS)
    (row,) = rows
    assert row == {
        "number": shown["number"],
        "created_at": datetime.fromisoformat(shown["createdAt"]).isoformat(),
        "confirmed_at": datetime.fromisoformat(shown["confirmedAt"]).isoformat(),
        "cancelled_at": "",
        "status": shown["status"],
        "payment_status": shown["paymentStatus"],
        "customer_email": shown["email"],
        "customer_name": shown["contactName"] or row["customer_name"],
        "channel": shown["channel"],
        "currency": "EUR",
        "subtotal": shown["subtotal"]["amount"],
        "discounts": shown["discountTotal"]["amount"],
        "tax": shown["taxTotal"]["amount"],
        "shipping": shown["shippingTotal"]["amount"],
        "total": shown["total"]["amount"],
        "refunded": "5.00",
    }
    assert row["subtotal"] == "28.10"
    assert [r["status"] for r in shown["refunds"]] == ["SUCCEEDED"]


async def test_jsonl_has_the_same_rows_as_csv(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    start, ids, end = await window(admin, unique)
    span = {"since": start.isoformat(), "until": end.isoformat()}

    _header, from_csv = csv_rows(await export(http, live.staff_token, **span))
    response = await export(http, live.staff_token, "jsonl", **span)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    from_jsonl = [json.loads(line) for line in response.text.splitlines()]
    assert len(from_jsonl) == len(ids) == 3
    assert [list(r) for r in from_jsonl] == [list(COLUMNS)] * 3
    nullable = {"confirmed_at", "cancelled_at", "customer_name"}
    assert [{k: v or "" for k, v in r.items()} for r in from_jsonl] == from_csv
    assert all(r[k] is None for r in from_jsonl for k in nullable - {"customer_name"})


async def test_since_is_inclusive_until_is_exclusive_and_an_empty_range_is_the_header(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    start, placed, end = await window(admin, unique)
    _header, rows = csv_rows(
        await export(http, live.staff_token, since=start.isoformat(), until=end.isoformat())
    )
    created = [r["created_at"] for r in rows]
    assert len(created) == len(placed) == 3

    _h, from_second = csv_rows(await export(http, live.staff_token, since=created[1]))
    _h, before_second = csv_rows(
        await export(http, live.staff_token, since=start.isoformat(), until=created[1])
    )
    empty = await export(http, live.staff_token, since=end.isoformat(), until=end.isoformat())

    assert [r["number"] for r in from_second] == [r["number"] for r in rows[1:]]
    assert [r["number"] for r in before_second] == [rows[0]["number"]]
    assert empty.text == ",".join(COLUMNS) + "\r\n"
    assert (await export(http, live.staff_token, "jsonl", since=end.isoformat())).text == ""


async def test_without_a_staff_token_it_is_a_json_401_or_403(
    admin: GraphQLClient,
    anonymous: GraphQLClient,
    http: httpx.AsyncClient,
    live: LiveApi,
    unique: str,
) -> None:
    email = f"exp-{unique.lower()}@example.com"
    await customer(admin, email, "correct horse battery")
    customer_token = (await login(anonymous, email, "correct horse battery"))["token"]

    cases: list[tuple[str | None, int, str]] = [
        (None, 401, "UNAUTHENTICATED"),
        ("og_not_a_real_token", 401, "UNAUTHENTICATED"),
        (customer_token, 403, "FORBIDDEN"),
        (live.storefront_token, 403, "FORBIDDEN"),
    ]
    for token, status, code in cases:
        for fmt in ("csv", "jsonl"):
            response = await export(http, token, fmt)
            assert response.status_code == status, (token, response.text)
            body: dict[str, Any] = response.json()
            assert body["error"]["code"] == code
    assert (await export(http, live.admin_token)).status_code == 200


async def test_bad_dates_are_a_400_never_a_server_error(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    for params in (
        {"since": "yesterday"},
        {"until": "2026-13-45"},
        {"since": "2026-02-01", "until": "2026-01-01"},
        {"since": "\u0000"},
    ):
        response = await export(http, live.staff_token, **params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["error"]["code"] == "BAD_USER_INPUT"
    dated = await export(http, live.staff_token, since="2000-01-01", until="2000-01-02")
    assert dated.text == ",".join(COLUMNS) + "\r\n"
