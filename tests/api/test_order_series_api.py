"""analytics.orders over real HTTP on PostgreSQL and SQLite: a hand-built set of imported orders
(importOrder's placedAt puts each at a chosen instant) and hand-checked figures per bucket.

Every test imports its own orders under its own sales rep (``unique``) and filters on it, so the
module's other orders never count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.api.test_import_order_api import imported
from tests.api.test_place_order_api import address, stock
from tests.api.test_refunds_api import CANCEL, line
from tests.api.test_returns_api import refund_ok, sold
from tests.support.graphql import GraphQLClient

SERIES = """
query($from: DateTime!, $to: DateTime!, $bucket: Bucket!, $timezone: String!,
      $groupBy: AnalyticsGroupBy, $filter: AnalyticsFilter) {
  analytics {
    orders(from: $from, to: $to, bucket: $bucket, timezone: $timezone, groupBy: $groupBy,
           filter: $filter) {
      bucketStart bucketEnd group orders units cancellations
      revenue { amount currency } averageOrderValue { amount currency }
      refunds { amount currency }
    }
  }
}"""


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


async def order_at(
    admin: GraphQLClient,
    rep: str,
    sku: str,
    placed_at: str,
    *,
    quantity: int = 1,
    price: str = "10.00",
    currency: str = "EUR",
    channel: str = "MARKETPLACE",
    country: str = "DE",
    region: str | None = "EU-WEST",
    paid: bool = True,
    extra_lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An order of ``quantity`` x ``sku`` at ``price`` placed at ``placed_at``, no shipping."""
    lines: list[dict[str, Any]] = [
        {"sku": sku, "quantity": quantity, "unitPrice": money(price, currency)}
    ]
    lines += extra_lines or []
    total = sum(int(li["quantity"]) * float(li["unitPrice"]["amount"]) for li in lines)
    values: dict[str, Any] = {
        "source": "test",
        "externalId": f"{rep}-{placed_at}-{sku}-{len(lines)}-{price}",
        "channel": channel,
        "lines": lines,
        "shippingAddress": address(region=region, country=country),
        "shippingTotal": money("0.00", currency),
        "placedAt": placed_at,
        "salesRep": rep,
    }
    if paid:
        values["paidAmount"] = money(f"{total:.2f}", currency)
    return await imported(admin, values)


async def series(
    client: GraphQLClient,
    start: str,
    end: str,
    bucket: str,
    timezone: str = "UTC",
    group_by: str | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    data = await client.data(
        SERIES,
        {
            "from": start,
            "to": end,
            "bucket": bucket,
            "timezone": timezone,
            "groupBy": group_by,
            "filter": filters or None,
        },
    )
    points = data["analytics"]["orders"]
    assert isinstance(points, list)
    return points


def counts(points: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(p["bucketStart"], p["orders"]) for p in points]


async def test_amsterdam_days_across_spring_forward_start_at_local_midnight(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    for moment in (
        "2026-03-27T12:00:00Z",  # Fri 13:00 CET
        "2026-03-28T23:30:00Z",  # Sun 29 00:30 CET: Sunday, though still the 28th in UTC
        "2026-03-29T21:30:00Z",  # Sun 23:30 CEST
        "2026-03-29T22:30:00Z",  # Mon 30 00:30 CEST
    ):
        await order_at(admin, unique, item.sku, moment, quantity=2, price="7.25")

    points = await series(
        admin,
        "2026-03-27T00:00:00+01:00",
        "2026-03-31T00:00:00+02:00",
        "DAY",
        "Europe/Amsterdam",
        salesRep=unique,
    )

    assert counts(points) == [
        ("2026-03-27T00:00:00+01:00", 1),
        ("2026-03-28T00:00:00+01:00", 0),
        ("2026-03-29T00:00:00+01:00", 2),
        ("2026-03-30T00:00:00+02:00", 1),
    ]
    sunday = points[2]
    assert sunday["bucketEnd"] == "2026-03-30T00:00:00+02:00"  # a 23-hour day
    assert (sunday["units"], sunday["revenue"], sunday["averageOrderValue"]) == (
        4,
        money("29.00"),
        money("14.50"),
    )
    empty = points[1]
    assert (empty["units"], empty["revenue"], empty["averageOrderValue"]) == (
        0,
        money("0.00"),
        None,
    )
    # the same orders in UTC days: the 23:30Z order falls on Saturday the 28th
    utc = await series(
        admin, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", "DAY", salesRep=unique
    )
    assert [p["orders"] for p in utc] == [1, 1, 2, 0]


async def test_amsterdam_weeks_across_fall_back_run_monday_to_monday(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    for moment in (
        "2026-10-18T21:30:00Z",  # Sun 18 23:30 CEST: the week of 12 Oct
        "2026-10-18T22:30:00Z",  # Mon 19 00:30 CEST
        "2026-10-25T22:30:00Z",  # Sun 25 23:30 CET, after the clocks went back
        "2026-10-25T23:30:00Z",  # Mon 26 00:30 CET
    ):
        await order_at(admin, unique, item.sku, moment)

    points = await series(
        admin,
        "2026-10-12T00:00:00+02:00",
        "2026-11-02T00:00:00+01:00",
        "WEEK",
        "Europe/Amsterdam",
        salesRep=unique,
    )

    assert counts(points) == [
        ("2026-10-12T00:00:00+02:00", 1),
        ("2026-10-19T00:00:00+02:00", 2),
        ("2026-10-26T00:00:00+01:00", 1),
    ]
    assert points[1]["bucketEnd"] == "2026-10-26T00:00:00+01:00"
    assert points[1]["revenue"] == money("20.00")


async def test_hours_across_the_dst_hour_in_new_york_and_amsterdam(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    for moment in (
        "2026-03-08T06:30:00Z",  # NY 01:30 EST
        "2026-03-08T07:10:00Z",  # NY 03:10 EDT: 02:xx never happened
        "2026-10-25T00:30:00Z",  # Amsterdam 02:30 CEST
        "2026-10-25T01:30:00Z",  # Amsterdam 02:30 CET, the repeated hour
        "2026-10-25T01:45:00Z",
    ):
        await order_at(admin, unique, item.sku, moment)

    spring = await series(
        admin,
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T05:00:00-04:00",
        "HOUR",
        "America/New_York",
        salesRep=unique,
    )
    assert counts(spring) == [
        ("2026-03-08T00:00:00-05:00", 0),
        ("2026-03-08T01:00:00-05:00", 1),
        ("2026-03-08T03:00:00-04:00", 1),
        ("2026-03-08T04:00:00-04:00", 0),
    ]
    autumn = await series(
        admin,
        "2026-10-25T00:00:00Z",
        "2026-10-25T02:00:00Z",
        "HOUR",
        "Europe/Amsterdam",
        salesRep=unique,
    )
    assert counts(autumn) == [
        ("2026-10-25T02:00:00+02:00", 1),
        ("2026-10-25T02:00:00+01:00", 2),
    ]


async def test_new_york_fall_back_day_has_25_hours(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=50)
    for moment in (
        "2026-11-01T04:30:00Z",  # Sun 1 Nov 00:30 EDT
        "2026-11-02T04:30:00Z",  # Sun 1 Nov 23:30 EST (a UTC day would put it on the 2nd)
        "2026-11-02T05:30:00Z",  # Mon 2 Nov 00:30 EST
    ):
        await order_at(admin, unique, item.sku, moment, currency="USD", price="3.00")

    points = await series(
        admin,
        "2026-11-01T00:00:00-04:00",
        "2026-11-03T00:00:00-05:00",
        "DAY",
        "America/New_York",
        salesRep=unique,
    )
    assert [(p["bucketStart"], p["bucketEnd"], p["orders"], p["revenue"]) for p in points] == [
        ("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 2, money("6.00", "USD")),
        ("2026-11-02T00:00:00-05:00", "2026-11-03T00:00:00-05:00", 1, money("3.00", "USD")),
    ]


async def test_two_currencies_are_two_series_never_added_up(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    await order_at(admin, unique, item.sku, "2026-01-05T10:00:00Z", price="10.00")
    await order_at(admin, unique, item.sku, "2026-01-06T10:00:00Z", price="5.00", quantity=2)
    await order_at(admin, unique, item.sku, "2026-01-07T10:00:00Z", price="0.01")
    await order_at(admin, unique, item.sku, "2026-02-10T10:00:00Z", price="20.00", currency="USD")

    points = await series(
        admin, "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "MONTH", salesRep=unique
    )

    assert [
        (p["bucketStart"], p["revenue"], p["orders"], p["units"], p["averageOrderValue"])
        for p in points
    ] == [
        ("2026-01-01T00:00:00+00:00", money("20.01"), 3, 4, money("6.67")),
        ("2026-01-01T00:00:00+00:00", money("0.00", "USD"), 0, 0, None),
        ("2026-02-01T00:00:00+00:00", money("0.00"), 0, 0, None),
        ("2026-02-01T00:00:00+00:00", money("20.00", "USD"), 1, 1, money("20.00", "USD")),
    ]


async def test_cancelled_orders_are_counted_apart_from_revenue(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    await order_at(admin, unique, item.sku, "2026-05-04T10:00:00Z", price="8.00")
    dropped = await order_at(
        admin, unique, item.sku, "2026-05-04T11:00:00Z", price="100.00", paid=False
    )
    payload = await admin.mutate(CANCEL, {"input": {"orderId": dropped["id"], "reason": "test"}})
    assert payload["userErrors"] == []

    (day,) = await series(
        admin, "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", "DAY", salesRep=unique
    )
    assert (day["orders"], day["units"], day["revenue"], day["cancellations"]) == (
        1,
        1,
        money("8.00"),
        1,
    )


async def test_group_by_each_dimension(admin: GraphQLClient, unique: str) -> None:
    a = await stock(admin, f"{unique}A", on_hand=50)
    b = await stock(admin, f"{unique}B", on_hand=50)
    day = "2026-06-01T10:00:00Z"
    await order_at(admin, unique, a.sku, day, quantity=2, price="10.00", channel="WEB")
    await order_at(
        admin,
        unique,
        b.sku,
        day,
        quantity=1,
        price="4.00",
        channel="PHONE",
        country="FR",
        region=None,
        extra_lines=[{"sku": a.sku, "quantity": 3, "unitPrice": money("1.00")}],
    )
    start, end = "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"

    def figures(points: list[dict[str, Any]]) -> dict[str | None, tuple[int, int, str]]:
        return {p["group"]: (p["orders"], p["units"], p["revenue"]["amount"]) for p in points}

    assert figures(await series(admin, start, end, "DAY", "UTC", "CHANNEL", salesRep=unique)) == {
        "WEB": (1, 2, "20.00"),
        "PHONE": (1, 4, "7.00"),
    }
    assert figures(await series(admin, start, end, "DAY", "UTC", "COUNTRY", salesRep=unique)) == {
        "DE": (1, 2, "20.00"),
        "FR": (1, 4, "7.00"),
    }
    # an address without a region counts under its country
    assert figures(await series(admin, start, end, "DAY", "UTC", "REGION", salesRep=unique)) == {
        "EU-WEST": (1, 2, "20.00"),
        "FR": (1, 4, "7.00"),
    }
    assert figures(await series(admin, start, end, "DAY", "UTC", "SALES_REP", salesRep=unique)) == {
        unique: (2, 6, "27.00")
    }
    # lines: units and line totals per SKU
    assert figures(await series(admin, start, end, "DAY", "UTC", "PRODUCT", salesRep=unique)) == {
        a.sku: (2, 5, "23.00"),
        b.sku: (1, 1, "4.00"),
    }
    # paid imports are routed: each SKU's units come from the warehouse that stocks it
    assert figures(await series(admin, start, end, "DAY", "UTC", "WAREHOUSE", salesRep=unique)) == {
        a.warehouse_code: (2, 5, "23.00"),
        b.warehouse_code: (1, 1, "4.00"),
    }

    # filters
    assert figures(
        await series(admin, start, end, "DAY", "UTC", salesRep=unique, channel="PHONE")
    ) == {None: (1, 4, "7.00")}
    assert figures(
        await series(admin, start, end, "DAY", "UTC", salesRep=unique, countryCode="de")
    ) == {None: (1, 2, "20.00")}
    assert figures(await series(admin, start, end, "DAY", "UTC", salesRep=unique, sku=b.sku)) == {
        None: (1, 4, "7.00")
    }
    assert figures(
        await series(admin, start, end, "DAY", "UTC", "PRODUCT", salesRep=unique, sku=a.sku)
    ) == {a.sku: (2, 5, "23.00")}
    assert figures(
        await series(admin, start, end, "DAY", "UTC", salesRep=unique, warehouseId=b.warehouse_id)
    ) == {None: (1, 4, "7.00")}
    assert figures(
        await series(
            admin, start, end, "DAY", "UTC", "PRODUCT", salesRep=unique, warehouseId=a.warehouse_id
        )
    ) == {a.sku: (2, 5, "23.00")}


async def test_refunds_count_when_they_complete(admin: GraphQLClient, unique: str) -> None:
    began = datetime.now(UTC) - timedelta(minutes=1)
    order = await sold(admin, unique, [("2.50", 4), ("9.99", 1)], ship=False)
    await refund_ok(admin, order.id, lines=[line(order.line_id(0), 3)])
    await refund_ok(admin, order.id, lines=[line(order.line_id(1), 1)])
    sku = order.skus[0]
    start, end = began.isoformat(), (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    def summed(points: list[dict[str, Any]], figure: str) -> Decimal:
        assert {p[figure]["currency"] for p in points} == {"EUR"}
        return sum((Decimal(p[figure]["amount"]) for p in points), Decimal(0))

    points = await series(admin, start, end, "HOUR", sku=sku)
    assert summed(points, "refunds") == Decimal("17.49")
    assert summed(points, "revenue") == Decimal(order.order["total"]["amount"])
    assert sum(p["orders"] for p in points) == 1
    # by product: the refund lines of that SKU only (the 9.99 line is another SKU)
    by_product = await series(admin, start, end, "HOUR", "UTC", "PRODUCT", sku=sku)
    assert {p["group"] for p in by_product} == {sku}
    assert summed(by_product, "refunds") == Decimal("7.50")
    assert summed(by_product, "revenue") == Decimal("10.00")


async def test_an_empty_range_has_a_zero_point_per_bucket(
    admin: GraphQLClient, unique: str
) -> None:
    points = await series(
        admin, "2030-01-01T00:00:00Z", "2030-01-04T00:00:00Z", "DAY", salesRep=unique
    )
    assert [(p["group"], p["orders"], p["revenue"]["amount"]) for p in points] == [
        (None, 0, "0.00")
    ] * 3


async def test_bad_arguments_are_bad_user_input_with_a_reason(admin: GraphQLClient) -> None:
    cases = [
        ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "DAY", "Nowhere/City", "INVALID_TIMEZONE"),
        ("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "DAY", "UTC", "INVALID_RANGE"),
        ("2020-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "HOUR", "UTC", "TOO_MANY_BUCKETS"),
    ]
    for start, end, bucket, zone, reason in cases:
        result = await admin.execute(
            SERIES, {"from": start, "to": end, "bucket": bucket, "timezone": zone}
        )
        assert result.status == 200
        assert result.error_codes == ["BAD_USER_INPUT"], (reason, result)
        assert result.errors[0]["extensions"]["reason"] == reason
        assert (result.body.get("data") or {}).get("analytics") is None


async def test_the_series_needs_orders_read(storefront: GraphQLClient) -> None:
    result = await storefront.execute(
        SERIES,
        {
            "from": "2026-01-01T00:00:00Z",
            "to": "2026-01-02T00:00:00Z",
            "bucket": "DAY",
            "timezone": "UTC",
        },
    )
    assert result.error_codes == ["FORBIDDEN"]


async def test_the_largest_series_allowed_runs_on_both_backends(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    await order_at(admin, unique, item.sku, "2026-08-10T05:15:00Z", price="1.50")
    # 2000 hourly buckets: 6000 boundary parameters in one statement
    points = await series(
        admin, "2026-07-01T00:00:00Z", "2026-09-22T08:00:00Z", "HOUR", salesRep=unique
    )
    assert len(points) == 2000
    (busy,) = [p for p in points if p["orders"]]
    assert (busy["bucketStart"], busy["revenue"]) == ("2026-08-10T05:00:00+00:00", money("1.50"))


async def test_a_bad_warehouse_id_in_the_filter_is_bad_user_input(admin: GraphQLClient) -> None:
    result = await admin.execute(
        SERIES,
        {
            "from": "2026-01-01T00:00:00Z",
            "to": "2026-01-02T00:00:00Z",
            "bucket": "DAY",
            "timezone": "UTC",
            "filter": {"warehouseId": "not-an-id"},
        },
    )
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["reason"] == "INVALID_ID"
