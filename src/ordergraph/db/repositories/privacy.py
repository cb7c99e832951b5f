"""Personal data of one person, for GDPR access (export) and erasure requests.

"The person" is the customer row and everything tied to it: addresses, the customer's orders,
and guest orders placed with the same email. Erasure keeps every order (accounting and stock
history stay true) but anonymizes the person: customer row, contact and address fields on the
orders, free-text notes on returns, and revokes every token the customer had.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import (
    addresses,
    api_tokens,
    customer_tokens,
    customers,
    order_lines,
    orders,
    outbox,
    return_lines,
    returns,
)

ERASED_NAME = "Erased customer"


def erased_email(customer_id: int) -> str:
    return f"erased-{customer_id}@erased.invalid"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _rows(result: sa.CursorResult[Any], drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in m.items() if k not in drop} for m in result.mappings()]


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON: string keys (JSON columns may hold integer-keyed maps), ISO timestamps."""
    loaded: dict[str, Any] = orjson.loads(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=str)
    )
    return loaded


class SqlPrivacyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _person(self, customer_id: int) -> sa.RowMapping | None:
        result = await self._conn.execute(sa.select(customers).where(customers.c.id == customer_id))
        return result.mappings().first()

    def _their_orders(self, customer_id: int, email: str) -> sa.ColumnElement[bool]:
        return sa.or_(
            orders.c.customer_id == customer_id,
            sa.and_(orders.c.customer_id.is_(None), sa.func.lower(orders.c.email) == email.lower()),
        )

    async def personal_data(self, customer_id: int) -> dict[str, Any] | None:
        person = await self._person(customer_id)
        if person is None:
            return None
        conn = self._conn
        mine = self._their_orders(customer_id, person["email"])
        order_rows = _rows(await conn.execute(sa.select(orders).where(mine).order_by(orders.c.id)))
        order_ids = [o["id"] for o in order_rows]
        lines = _rows(
            await conn.execute(sa.select(order_lines).where(order_lines.c.order_id.in_(order_ids)))
        )
        rmas = _rows(
            await conn.execute(sa.select(returns).where(returns.c.order_id.in_(order_ids)))
        )
        events = _rows(
            await conn.execute(
                sa.select(outbox.c.id, outbox.c.order_id, outbox.c.type, outbox.c.occurred_at)
                .where(outbox.c.order_id.in_(order_ids))
                .order_by(outbox.c.id)
            )
        )
        for order in order_rows:
            order["lines"] = [line for line in lines if line["order_id"] == order["id"]]
            order["returns"] = [r for r in rmas if r["order_id"] == order["id"]]
            order["timeline"] = [e for e in events if e["order_id"] == order["id"]]
        profile = {k: _plain(v) for k, v in person.items() if k != "password_hash"}
        profile["hasPassword"] = person["password_hash"] is not None
        return _json_ready(
            {
                "customer": profile,
                "addresses": _rows(
                    await conn.execute(
                        sa.select(addresses).where(addresses.c.customer_id == customer_id)
                    )
                ),
                "orders": order_rows,
                "apiTokens": _rows(
                    await conn.execute(
                        sa.select(api_tokens).where(api_tokens.c.customer_id == customer_id)
                    ),
                    drop=("token_hash",),
                ),
            }
        )

    async def erase(self, customer_id: int, now: datetime) -> list[int] | None:
        person = await self._person(customer_id)
        if person is None:
            return None
        conn = self._conn
        mine = self._their_orders(customer_id, person["email"])
        order_ids = list(
            (await conn.execute(sa.select(orders.c.id).where(mine).order_by(orders.c.id))).scalars()
        )
        placeholder = erased_email(customer_id)
        for order_id, country, region in (
            await conn.execute(
                sa.select(orders.c.id, orders.c.shipping_country, orders.c.shipping_region).where(
                    orders.c.id.in_(order_ids)
                )
            )
        ).all():
            await conn.execute(
                sa.update(orders)
                .where(orders.c.id == order_id)
                .values(
                    email=placeholder,
                    contact_name=None,
                    phone=None,
                    # routing and analytics keep the country and region; the person goes
                    shipping_address={
                        "name": ERASED_NAME,
                        "line1": "erased",
                        "line2": None,
                        "city": "erased",
                        "region": region,
                        "postal_code": None,
                        "country_code": country or "ZZ",
                        "phone": None,
                    },
                    updated_at=now,
                )
            )
        if order_ids:
            return_ids = sa.select(returns.c.id).where(returns.c.order_id.in_(order_ids))
            await conn.execute(
                sa.update(returns).where(returns.c.order_id.in_(order_ids)).values(note=None)
            )
            await conn.execute(
                sa.update(return_lines)
                .where(return_lines.c.return_id.in_(return_ids))
                .values(note=None)
            )
        await conn.execute(sa.delete(addresses).where(addresses.c.customer_id == customer_id))
        await conn.execute(
            sa.delete(customer_tokens).where(customer_tokens.c.customer_id == customer_id)
        )
        await conn.execute(
            sa.update(api_tokens)
            .where(api_tokens.c.customer_id == customer_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await conn.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id)
            .values(
                email=placeholder,
                name=ERASED_NAME,
                phone=None,
                password_hash=None,
                erased_at=now,
            )
        )
        return order_ids
