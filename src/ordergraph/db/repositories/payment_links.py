"""Payment links (domain/payment_links.py), found by the digest of their token."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import payment_links
from ordergraph.domain.money import Money
from ordergraph.domain.payment_links import PaymentLink, PaymentLinkPurpose, PaymentLinkStatus

OPEN = PaymentLinkStatus.OPEN.value


def link_from_row(m: sa.RowMapping) -> PaymentLink:
    return PaymentLink(
        id=m["id"],
        token_hash=m["token_hash"],
        purpose=PaymentLinkPurpose(m["purpose"]),
        status=PaymentLinkStatus(m["status"]),
        amount=Money(m["amount_minor"], m["currency"]),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        order_id=m["order_id"],
        draft_order_id=m["draft_order_id"],
        paid_at=m["paid_at"],
        summary=dict(m["summary"] or {}),
    )


class SqlPaymentLinkRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, link: PaymentLink) -> PaymentLink:
        link.id = await self._conn.scalar(
            sa.insert(payment_links)
            .values(token_hash=link.token_hash, **_values(link))
            .returning(payment_links.c.id)
        )
        return link

    async def by_token_hash(self, token_hash: str) -> PaymentLink | None:
        query = sa.select(payment_links).where(payment_links.c.token_hash == token_hash)
        row = (await self._conn.execute(query)).mappings().first()
        return link_from_row(row) if row is not None else None

    async def open_for(
        self, *, order_id: int | None = None, draft_order_id: int | None = None
    ) -> list[PaymentLink]:
        """The OPEN links of an order or a draft (expired ones included), oldest first."""
        t = payment_links.c
        query = sa.select(payment_links).where(t.status == OPEN)
        if order_id is not None:
            query = query.where(t.order_id == order_id)
        if draft_order_id is not None:
            query = query.where(t.draft_order_id == draft_order_id)
        rows = await self._conn.execute(query.order_by(t.id))
        return [link_from_row(m) for m in rows.mappings()]

    async def save(self, link: PaymentLink) -> None:
        await self._conn.execute(
            sa.update(payment_links).where(payment_links.c.id == link.id).values(**_values(link))
        )

    async def claim(self, link_id: int, now: datetime, until: datetime) -> bool:
        """Take the paying lease of an open, unexpired link no other attempt holds; one
        conditional statement, so of two concurrent attempts exactly one gets it."""
        t = payment_links.c
        claimed = await self._conn.scalar(
            sa.update(payment_links)
            .where(
                t.id == link_id,
                t.status == OPEN,
                t.expires_at > now,
                sa.or_(t.paying_until.is_(None), t.paying_until <= now),
            )
            .values(paying_until=until)
            .returning(t.id)
        )
        return claimed is not None

    async def release(self, link_id: int) -> None:
        await self._conn.execute(
            sa.update(payment_links).where(payment_links.c.id == link_id).values(paying_until=None)
        )


def _values(link: PaymentLink) -> dict[str, object]:
    return {
        "purpose": link.purpose.value,
        "status": link.status.value,
        "order_id": link.order_id,
        "draft_order_id": link.draft_order_id,
        "amount_minor": link.amount.minor_units,
        "currency": link.amount.currency,
        "summary": link.summary,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "paid_at": link.paid_at,
    }
