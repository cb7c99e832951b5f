"""What a customer mail shows, read for a batch of notification rows in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import (
    customers,
    exchanges,
    order_lines,
    orders,
    refunds,
    return_lines,
    returns,
    shipment_lines,
    shipments,
)
from ordergraph.domain.money import Money
from ordergraph.domain.notifications import revised_delivery_estimate


def _ids(rows: Sequence[Mapping[str, Any]], key: str) -> set[int]:
    return {int(v) for row in rows if (v := (row["data"] or {}).get(key)) is not None}


def _address(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    raw = raw or {}
    names = {"postalCode": "postal_code", "countryCode": "country_code"}
    return {names.get(k, k): v for k, v in raw.items()}


async def load_contexts(
    conn: AsyncConnection,
    rows: Sequence[Mapping[str, Any]],
    *,
    base_url: str,
    shop_name: str,
    feedback_url: Callable[[int], str],
    now: datetime,
    handling: timedelta,
) -> dict[int, dict[str, Any]]:
    """Template context per notification id (see ordergraph/mail/render.py for the keys)."""
    order_ids = {int(r["order_id"]) for r in rows if r["order_id"] is not None}
    found_orders: dict[int, Any] = {}
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    names: dict[int, str] = {}
    if order_ids:
        result = await conn.execute(
            sa.select(orders, customers.c.timezone.label("customer_timezone"))
            .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer_id))
            .where(orders.c.id.in_(order_ids))
        )
        found_orders = {m["id"]: m for m in result.mappings()}
        for m in (
            await conn.execute(
                sa.select(order_lines)
                .where(order_lines.c.order_id.in_(order_ids))
                .order_by(order_lines.c.id)
            )
        ).mappings():
            currency = found_orders[m["order_id"]]["currency"]
            names[m["id"]] = m["name"]
            lines[m["order_id"]].append(
                {
                    "sku": m["sku"],
                    "name": m["name"],
                    "quantity": m["quantity"],
                    "unit_price": Money(m["unit_price_minor"], currency),
                    "total": Money(m["total_minor"], currency),
                }
            )
    shipment_ctx = await _shipments(conn, _ids(rows, "shipment_id"), names, base_url)
    return_ctx = await _returns(conn, _ids(rows, "return_id"), names)
    refund_ctx = await _refunds(conn, _ids(rows, "refund_id"))

    contexts: dict[int, dict[str, Any]] = {}
    for row in rows:
        data = dict(row["data"] or {})
        ctx: dict[str, Any] = {"shop": {"name": shop_name, "url": base_url}, **data}
        order = found_orders.get(row["order_id"]) if row["order_id"] is not None else None
        if order is not None:
            currency = order["currency"]
            address = _address(order["shipping_address"])
            ctx["customer"] = {
                "name": order["contact_name"] or address.get("name"),
                "email": order["email"],
            }
            ctx["timezone"] = order["timezone"] or order["customer_timezone"]
            ctx["order"] = {
                "number": order["number"],
                "placed_at": order["created_at"],
                "status": order["status"],
                "subtotal": Money(order["subtotal_minor"], currency),
                "shipping_total": Money(order["shipping_minor"], currency),
                "total": Money(order["total_minor"], currency),
                "lines": lines.get(order["id"], []),
                "shipping_address": address,
                "promised_delivery_at": order["promised_delivery_at"],
            }
            if row["type"] == "ORDER_DELIVERED":
                ctx["feedback_url"] = feedback_url(order["id"])
            if row["type"] == "ORDER_DELAYED":
                reasons = [str(r) for r in data.get("reasons", [])]
                promised = order["promised_delivery_at"]
                ctx["delay"] = {
                    "reason": reasons[0] if reasons else None,
                    "reasons": reasons,
                    "previous_estimate": promised,
                    "new_estimate": revised_delivery_estimate(
                        reasons, now, promised, order["ship_by_at"], handling
                    ),
                }
            if row["type"] == "ORDER_EDITED":
                difference = int(data.get("differenceMinor") or 0)
                balance = int(data.get("balanceMinor") or 0)
                ctx["edit"] = {
                    "summary": [str(item) for item in data.get("summary") or []],
                    "total_difference": Money(difference, currency) if difference else None,
                    "balance_due": Money(balance, currency) if balance else None,
                    "pay_url": data.get("pay_link_url"),
                }
            if row["type"] == "ORDER_CANCELLED":
                partial = bool(data.get("partial"))
                ctx["cancellation"] = {
                    "reason": data.get("reason") or order["cancel_reason"],
                    "full": not partial,
                    "lines": data.get("lines") or ctx["order"]["lines"],
                    "refund": None,
                }
        if row["type"] == "DRAFT_ORDER_INVOICE":
            ctx.update(invoice_context(data))
        if (sid := data.get("shipment_id")) is not None:
            ctx["shipment"] = shipment_ctx.get(int(sid))
        if (rid := data.get("return_id")) is not None:
            ctx["return"] = return_ctx.get(int(rid))
        if (fid := data.get("refund_id")) is not None:
            ctx["refund"] = refund_ctx.get(int(fid))
        contexts[row["id"]] = ctx
    return contexts


def invoice_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """A draft's invoice mail: no order exists yet; the lines and totals are the ones the pay
    link was made for (``services/payment_links.summary_of``), in minor units."""
    summary = data.get("invoice") or {}
    currency = str(summary.get("currency") or "EUR")

    def money(value: object) -> Money:
        return Money(int(str(value or 0)), currency)

    lines = [
        {
            "sku": line.get("sku"),
            "name": line.get("name"),
            "quantity": line.get("quantity"),
            "total": money(line.get("total")),
        }
        for line in summary.get("lines") or []
    ]
    return {
        "customer": {"name": data.get("name")},
        "order": {
            "lines": lines,
            "subtotal": money(summary.get("subtotal")),
            "shipping_total": money(summary.get("shipping")),
            "total": money(summary.get("total")),
        },
        "draft": {
            "invoice_url": data.get("invoice_url"),
            "total": money(summary.get("total")),
            "message": data.get("message"),
            "expires_at": data.get("expires_at"),
        },
    }


async def _shipments(
    conn: AsyncConnection, ids: set[int], names: Mapping[int, str], base_url: str
) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    for m in (await conn.execute(sa.select(shipments).where(shipments.c.id.in_(ids)))).mappings():
        found[m["id"]] = {
            "carrier": m["carrier_name"],
            "tracking_number": m["tracking_number"],
            "tracking_url": m["tracking_url"],
            "short_link": f"{base_url}/t/{m['code']}",
            "promised_delivery_at": m["promised_delivery_at"],
            "delivered_at": m["delivered_at"],
            "lines": [],
        }
    for m in (
        await conn.execute(sa.select(shipment_lines).where(shipment_lines.c.shipment_id.in_(ids)))
    ).mappings():
        found[m["shipment_id"]]["lines"].append(
            {
                "sku": m["sku"],
                "name": names.get(m["order_line_id"], m["sku"]),
                "quantity": m["quantity"],
            }
        )
    return found


async def _returns(
    conn: AsyncConnection, ids: set[int], names: Mapping[int, str]
) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    for m in (await conn.execute(sa.select(returns).where(returns.c.id.in_(ids)))).mappings():
        found[m["id"]] = {
            "id": m["number"],
            "status": m["status"],
            "instructions": m["instructions"],
            "label_url": m["label_url"],
            "lines": [],
            "exchange": None,
        }
    for rid, exchange in (await _exchanges_of(conn, set(found))).items():
        found[rid]["exchange"] = exchange
    for m in (
        await conn.execute(sa.select(return_lines).where(return_lines.c.return_id.in_(ids)))
    ).mappings():
        found[m["return_id"]]["lines"].append(
            {
                "sku": m["sku"],
                "name": names.get(m["order_line_id"], m["sku"]),
                "quantity": m["quantity"],
                "reason": m["reason"],
            }
        )
    return found


async def _exchanges_of(conn: AsyncConnection, return_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Per return that belongs to an exchange: the replacement and how the money settles."""
    if not return_ids:
        return {}
    e = exchanges.c
    rows = await conn.execute(
        sa.select(exchanges, orders.c.number.label("replacement_number"))
        .join(orders, orders.c.id == e.replacement_order_id)
        .where(e.return_id.in_(return_ids))
    )
    return {
        m["return_id"]: {
            "replacement_number": m["replacement_number"],
            "ships_first": not m["hold_replacement"],
            "settlement": m["settlement"],
            "difference": Money(abs(m["new_total_minor"] - m["returned_minor"]), m["currency"]),
        }
        for m in rows.mappings()
    }


async def _refunds(conn: AsyncConnection, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    result = await conn.execute(sa.select(refunds).where(refunds.c.id.in_(ids)))
    return {
        m["id"]: {"amount": Money(m["total_minor"], m["currency"]), "reason": m["reason"]}
        for m in result.mappings()
    }
