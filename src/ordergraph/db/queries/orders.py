"""Read queries for orders: filtered, sorted keyset pages and DataLoader batches."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.json_filters import HasTag, metadata_matches
from ordergraph.db.repositories.fulfillments import load_fulfillments
from ordergraph.db.repositories.order_changes import load_changes
from ordergraph.db.repositories.orders import (
    hold_from_row,
    line_from_row,
    load_price_details,
    order_from_row,
)
from ordergraph.db.repositories.payments import transaction_from_row
from ordergraph.db.repositories.returns import load_refunds, load_returns
from ordergraph.db.repositories.shipments import load_shipments
from ordergraph.db.tables import (
    fulfillment_lines,
    fulfillments,
    order_holds,
    order_lines,
    orders,
    outbox,
    payment_transactions,
    refunds,
    returns,
    shipments,
)
from ordergraph.domain.fulfillments import Fulfillment
from ordergraph.domain.order_pricing import PriceDetails
from ordergraph.domain.orders import Hold, Order, OrderLine
from ordergraph.domain.payments import PaymentTransaction
from ordergraph.domain.ports import OrderChangeRecord
from ordergraph.domain.refunds import Refund
from ordergraph.domain.returns import Return
from ordergraph.domain.shipments import Shipment

T = TypeVar("T")


def by_order(items: Iterable[T], ids: Sequence[int], order_id: Callable[[T], int]) -> list[list[T]]:
    """DataLoader shape: one list per requested order id, in the order of ``ids``."""
    grouped: dict[int, list[T]] = defaultdict(list)
    for item in items:
        grouped[order_id(item)].append(item)
    return [grouped.get(i, []) for i in ids]


class OrderSortField(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NUMBER = "id"  # numbers are issued in id order
    TOTAL = "total_minor"


@dataclass(frozen=True, slots=True)
class OrderFilterSpec:
    statuses: Sequence[str] = ()
    payment_statuses: Sequence[str] = ()
    channels: Sequence[str] = ()
    customer_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    search: str | None = None
    has_hold: bool | None = None
    at_risk: bool | None = None
    sales_rep: str | None = None
    source: str | None = None
    external_id: str | None = None
    tag: str | None = None  # orders with this tag
    metadata: Sequence[tuple[str, str | None]] = ()  # all pairs match (None: key present)
    query: str | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matches_query(text: str) -> sa.ColumnElement[bool]:
    """The broad order search: part of the number, email, contact name, a line's SKU or a
    shipment's tracking number, case-insensitively.

    One ``id IN (… UNION …)`` rather than an OR over the columns and EXISTS subqueries: in an OR
    with a subquery PostgreSQL must scan every order, whereas each arm of the union is an
    ``ILIKE '%x%'`` that a trigram index of migration 0028 answers, and the union is joined
    to orders by primary key."""
    pattern = _like(text)
    o, ol, sh = orders.c, order_lines.c, shipments.c

    def like(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return column.ilike(pattern, escape="\\")

    matching = sa.union(
        sa.select(o.id).where(sa.or_(like(o.number), like(o.email), like(o.contact_name))),
        sa.select(ol.order_id).where(like(ol.sku)),
        sa.select(sh.order_id).where(like(sh.tracking_number)),
    )
    return o.id.in_(matching)


def orders_query(
    spec: OrderFilterSpec, sort: OrderSortField
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    t = orders.c
    stmt = sa.select(orders)
    if spec.statuses:
        stmt = stmt.where(t.status.in_(spec.statuses))
    if spec.payment_statuses:
        stmt = stmt.where(t.payment_status.in_(spec.payment_statuses))
    if spec.channels:
        stmt = stmt.where(t.channel.in_(spec.channels))
    if spec.customer_id is not None:
        stmt = stmt.where(t.customer_id == spec.customer_id)
    if spec.created_after is not None:
        stmt = stmt.where(t.created_at >= spec.created_after)
    if spec.created_before is not None:
        stmt = stmt.where(t.created_at < spec.created_before)
    if spec.has_hold is not None:
        stmt = stmt.where(t.active_holds > 0 if spec.has_hold else t.active_holds == 0)
    if spec.at_risk is not None:
        stmt = stmt.where(t.at_risk.is_(spec.at_risk))
    if spec.sales_rep is not None:
        stmt = stmt.where(t.sales_rep == spec.sales_rep)
    if spec.source is not None:
        stmt = stmt.where(t.source == spec.source)
    if spec.external_id is not None:
        stmt = stmt.where(t.external_id == spec.external_id)
    if spec.search:
        pattern = _like(spec.search)
        stmt = stmt.where(
            sa.or_(
                t.number.ilike(pattern, escape="\\"),
                t.email.ilike(pattern, escape="\\"),
                t.contact_name.ilike(pattern, escape="\\"),
            )
        )
    if spec.tag is not None:
        stmt = stmt.where(HasTag(t.tags, spec.tag))
    if spec.metadata:
        stmt = stmt.where(*metadata_matches(t["metadata"], list(spec.metadata)))
    if spec.query:
        stmt = stmt.where(matches_query(spec.query))
    column = t[sort.value]
    keys: list[sa.ColumnElement[Any]] = [column] if column is t.id else [column, t.id]
    return stmt, keys


async def orders_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Order | None]:
    """Orders with lines and holds: three queries for any number of orders."""
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(orders).where(orders.c.id.in_(ids)))).mappings()
        found = {r["id"]: r for r in rows}
        lines = await _lines(
            conn,
            list(found),
            {i: (r["currency"], r["prices_include_tax"]) for i, r in found.items()},
        )
        holds = await _holds(conn, list(found))
    return [
        order_from_row(found[i], lines.get(i, []), holds.get(i, [])) if i in found else None
        for i in ids
    ]


async def _lines(
    conn: Any, order_ids: list[int], heads: dict[int, tuple[str, bool]]
) -> dict[int, list[OrderLine]]:
    """Lines grouped by order; ``heads`` gives each order's currency and whether its prices
    include tax."""
    grouped: dict[int, list[OrderLine]] = defaultdict(list)
    if order_ids:
        rows = await conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id.in_(order_ids))
            .order_by(order_lines.c.id)
        )
        for m in rows.mappings():
            grouped[m["order_id"]].append(line_from_row(m, *heads[m["order_id"]]))
    return grouped


async def _holds(conn: Any, order_ids: list[int]) -> dict[int, list[Hold]]:
    grouped: dict[int, list[Hold]] = defaultdict(list)
    if order_ids:
        rows = await conn.execute(
            sa.select(order_holds)
            .where(order_holds.c.order_id.in_(order_ids))
            .order_by(order_holds.c.id)
        )
        for m in rows.mappings():
            grouped[m["order_id"]].append(hold_from_row(m))
    return grouped


async def lines_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[OrderLine]]:
    async with engine.connect() as conn:
        heads = {
            r.id: (r.currency, r.prices_include_tax)
            for r in await conn.execute(
                sa.select(orders.c.id, orders.c.currency, orders.c.prices_include_tax).where(
                    orders.c.id.in_(ids)
                )
            )
        }
        grouped = await _lines(conn, list(heads), heads)
    return [grouped.get(i, []) for i in ids]


async def price_details_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[PriceDetails]:
    async with engine.connect() as conn:
        found = await load_price_details(conn, list(ids))
    return [found[i] for i in ids]


async def changes_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[list[OrderChangeRecord]]:
    """Each order's change sets, oldest first: one query."""
    async with engine.connect() as conn:
        found = await load_changes(conn, list(ids))
    return [found[i] for i in ids]


async def holds_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[Hold]]:
    async with engine.connect() as conn:
        grouped = await _holds(conn, list(ids))
    return [grouped.get(i, []) for i in ids]


async def fulfillments_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[list[Fulfillment]]:
    async with engine.connect() as conn:
        found = await load_fulfillments(conn, fulfillments.c.order_id.in_(ids))
    return by_order(found, ids, lambda item: item.order_id)


async def shipments_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[Shipment]]:
    async with engine.connect() as conn:
        found = await load_shipments(conn, shipments.c.order_id.in_(ids))
    return by_order(found, ids, lambda item: item.order_id)


async def shipment_by_code(engine: AsyncEngine, code: str) -> tuple[Shipment, str, str] | None:
    """A shipment by its tracking code, with its order's number and status."""
    async with engine.connect() as conn:
        found = await load_shipments(conn, shipments.c.code == code)
        if not found:
            return None
        row = (
            await conn.execute(
                sa.select(orders.c.number, orders.c.status).where(orders.c.id == found[0].order_id)
            )
        ).one()
    return found[0], row.number, row.status


async def count_tracking_click(engine: AsyncEngine, code: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments)
            .where(shipments.c.code == code)
            .values(clicks=shipments.c.clicks + 1)
        )


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    order_id: int
    sequence: int
    type: str
    payload: dict[str, Any]
    actor: str
    occurred_at: datetime


async def events_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[EventRow]]:
    t = outbox.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox).where(t.order_id.in_(ids)).order_by(t.order_id, t.sequence)
        )
        grouped: dict[int, list[EventRow]] = defaultdict(list)
        for m in rows.mappings():
            grouped[m["order_id"]].append(
                EventRow(
                    m["id"],
                    m["order_id"],
                    m["sequence"],
                    m["type"],
                    m["payload"],
                    m["actor"],
                    m["occurred_at"],
                )
            )
    return [grouped.get(i, []) for i in ids]


async def payments_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[list[PaymentTransaction]]:
    t = payment_transactions.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(payment_transactions).where(t.order_id.in_(ids)).order_by(t.id)
        )
        grouped: dict[int, list[PaymentTransaction]] = defaultdict(list)
        for m in rows.mappings():
            grouped[m["order_id"]].append(transaction_from_row(m))
    return [grouped.get(i, []) for i in ids]


@dataclass(frozen=True, slots=True)
class PickRow:
    sku: str
    name: str
    quantity: int
    order_numbers: tuple[str, ...]
    fulfillment_ids: tuple[int, ...]


async def pick_list(
    engine: AsyncEngine, warehouse_id: int, statuses: Sequence[str]
) -> list[PickRow]:
    """What to pick in a warehouse, one row per SKU: units still to ship, and for which orders."""
    f, fl, o, ol = fulfillments.c, fulfillment_lines.c, orders.c, order_lines.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                fl.sku,
                ol.name,
                (fl.quantity - fl.shipped_quantity).label("remaining"),
                o.number,
                f.id,
            )
            .select_from(
                fulfillment_lines.join(fulfillments, f.id == fl.fulfillment_id)
                .join(orders, o.id == f.order_id)
                .join(order_lines, ol.id == fl.order_line_id)
            )
            .where(f.warehouse_id == warehouse_id, f.status.in_(statuses))
            .where(fl.quantity > fl.shipped_quantity)
            .order_by(fl.sku, o.number)
        )
        grouped: dict[str, list[Any]] = defaultdict(list)
        names: dict[str, str] = {}
        for sku, name, remaining, number, fulfillment_id in rows:
            grouped[sku].append((remaining, number, fulfillment_id))
            names[sku] = name
    return [
        PickRow(
            sku=sku,
            name=names[sku],
            quantity=sum(r for r, _, _ in entries),
            order_numbers=tuple(dict.fromkeys(n for _, n, _ in entries)),
            fulfillment_ids=tuple(dict.fromkeys(i for _, _, i in entries)),
        )
        for sku, entries in grouped.items()
    ]


async def fulfillments_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Fulfillment | None]:
    async with engine.connect() as conn:
        found = {f.id: f for f in await load_fulfillments(conn, fulfillments.c.id.in_(ids))}
    return [found.get(i) for i in ids]


async def shipments_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Shipment | None]:
    async with engine.connect() as conn:
        found = {s.id: s for s in await load_shipments(conn, shipments.c.id.in_(ids))}
    return [found.get(i) for i in ids]


async def returns_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[Return]]:
    async with engine.connect() as conn:
        found = await load_returns(conn, returns.c.order_id.in_(ids))
    return by_order(found, ids, lambda item: item.order_id)


async def returns_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Return | None]:
    async with engine.connect() as conn:
        found = {r.id: r for r in await load_returns(conn, returns.c.id.in_(ids))}
    return [found.get(i) for i in ids]


async def refunds_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[Refund]]:
    async with engine.connect() as conn:
        found = await load_refunds(conn, refunds.c.order_id.in_(ids))
    return by_order(found, ids, lambda item: item.order_id)


def returns_query(
    status: str | None, order_id: int | None, customer_id: int | None = None
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(returns.c.id)
    if customer_id is not None:  # a customer's own returns: those of its orders
        stmt = stmt.join(orders, orders.c.id == returns.c.order_id).where(
            orders.c.customer_id == customer_id
        )
    if status is not None:
        stmt = stmt.where(returns.c.status == status)
    if order_id is not None:
        stmt = stmt.where(returns.c.order_id == order_id)
    return stmt, [returns.c.id]
