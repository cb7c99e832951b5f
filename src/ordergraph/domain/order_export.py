"""The finance export of orders: its columns, one row per order, and its two encodings.

One function (``export_row``) turns an order's stored values into the exported strings, and
every path uses it: ``ordergraph export orders`` and ``GET /exports/orders.csv|.jsonl``, CSV
and JSON Lines alike. Amounts are decimal strings in major units with the currency's exponent
("12.50", "1200" for yen), as ``Money.amount`` gives them; times are ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ordergraph.domain.money import Money

COLUMNS = (
    "number",
    "created_at",
    "confirmed_at",
    "cancelled_at",
    "status",
    "payment_status",
    "customer_email",
    "customer_name",
    "channel",
    "currency",
    "subtotal",
    "discounts",
    "tax",
    "shipping",
    "total",
    "refunded",
)

ExportRow = dict[str, str | None]


class ExportFormat(enum.Enum):
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is ExportFormat.CSV else "application/x-ndjson"


def parse_moment(value: str, name: str) -> datetime:
    """An ISO 8601 date or time for ``--since``/``--until``; without an offset it is UTC.
    Raises ``ValueError`` with a message naming the parameter."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{name} must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_range(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and until < since:
        raise ValueError("until must not be before since")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def export_row(order: Mapping[str, Any]) -> ExportRow:
    """One order as exported, from its stored values: the ``orders`` columns plus
    ``customer_name`` (the contact name, else the customer's) and ``refunded_minor`` (the sum of
    its succeeded refunds)."""
    currency = str(order["currency"])

    def amount(minor: int | None) -> str:
        return str(Money(int(minor or 0), currency).amount)

    return {
        "number": order["number"],
        "created_at": _time(order["created_at"]),
        "confirmed_at": _time(order["confirmed_at"]),
        "cancelled_at": _time(order["cancelled_at"]),
        "status": order["status"],
        "payment_status": order["payment_status"],
        "customer_email": order["email"],
        "customer_name": order["customer_name"],
        "channel": order["channel"],
        "currency": currency,
        "subtotal": amount(order["subtotal_minor"]),
        "discounts": amount(order["discount_minor"]),
        "tax": amount(order["tax_minor"]),
        "shipping": amount(order["shipping_minor"]),
        "total": amount(order["total_minor"]),
        "refunded": amount(order["refunded_minor"]),
    }


def encode_header(fmt: ExportFormat) -> str:
    """The first line of an export: CSV's column names; JSON Lines has none."""
    return _csv_line(list(COLUMNS)) if fmt is ExportFormat.CSV else ""


# Text a customer typed: a spreadsheet would run a cell starting with one of these as a formula.
_FREE_TEXT = frozenset({"customer_email", "customer_name"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value: str | None) -> str:
    if value is None:
        return ""
    if column in _FREE_TEXT and value.startswith(_FORMULA_START):
        return "'" + value  # shown as typed, never evaluated
    return value


def encode_row(fmt: ExportFormat, row: ExportRow) -> str:
    if fmt is ExportFormat.CSV:
        return _csv_line([_cell(c, row[c]) for c in COLUMNS])
    return json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n"


def _csv_line(values: list[str | None]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()
