"""Issuing payment links: a draft's invoice (``sendDraftOrderInvoice``) and the balance an
edit leaves on a paid order (``editOrder`` with ``collectPayment: PAY_LINK``).

The token is random and shown once, in the mail and to the staff member who asked; only its
digest is stored (as for API and account tokens), so a link cannot be rebuilt from the
database: a second invoice is a new link. Older open links of the same draft stay usable while
the amount is the same, and are cancelled when it differs; paying one cancels its siblings.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from ordergraph.auth.tokens import hash_token
from ordergraph.domain.drafts import DraftNotOpen, DraftOrder, DraftStatus
from ordergraph.domain.errors import Conflict
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.notifications import (
    NotificationRequest,
    NotificationType,
    plan_notification,
)
from ordergraph.domain.orders import Order, OrderLine
from ordergraph.domain.payment_links import (
    LIFETIME,
    EmailRequired,
    PaymentLink,
    PaymentLinkPurpose,
    PaymentLinkStatus,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_email, optional_text
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.draft_orders import get_draft_order, quote_draft


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/pay/{token}"


def summary_of(lines: Iterable[OrderLine], currency: str, **totals: Money) -> dict[str, Any]:
    """What the pay page and the mail show: line names, counts and amounts, and the totals
    (minor units) — no address, no customer data."""
    return {
        "currency": currency,
        "lines": [
            {"sku": x.sku, "name": x.name, "quantity": x.quantity, "total": x.total.minor_units}
            for x in lines
        ],
        **{name: money.minor_units for name, money in totals.items()},
    }


async def open_link(
    uow: UnitOfWork,
    deps: Deps,
    *,
    purpose: PaymentLinkPurpose,
    amount: Money,
    summary: dict[str, Any],
    order_id: int | None = None,
    draft_order_id: int | None = None,
) -> tuple[PaymentLink, str]:
    """Store a new OPEN link in ``uow``; the link and its token (never stored)."""
    token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    link = PaymentLink(
        id=None,
        token_hash=hash_token(token),
        purpose=purpose,
        status=PaymentLinkStatus.OPEN,
        amount=amount,
        created_at=now,
        expires_at=now + LIFETIME[purpose],
        order_id=order_id,
        draft_order_id=draft_order_id,
        summary=summary,
    )
    return await uow.payment_links.add(link), token


async def cancel_open(
    uow: UnitOfWork,
    *,
    order_id: int | None = None,
    draft_order_id: int | None = None,
    keep: PaymentLink | None = None,
    unless_amount: Money | None = None,
) -> None:
    """Cancel the open links of an order or a draft, but ``keep`` and those for
    ``unless_amount``."""
    for link in await uow.payment_links.open_for(order_id=order_id, draft_order_id=draft_order_id):
        if (keep is not None and link.id == keep.id) or link.amount == unless_amount:
            continue
        link.cancel()
        await uow.payment_links.save(link)


async def _recipient(deps: Deps, draft: DraftOrder, email: str | None) -> str:
    """The address given, else the draft's, else its customer's (unless erased)."""
    if email is not None:
        return clean_email(email, ["email"])
    saved = draft.request.get("email")
    if saved:
        return str(saved)
    customer_id = draft.request.get("customer_id")
    if customer_id is not None:
        async with deps.uow() as uow:
            customer = await uow.customers.get(int(customer_id))
        if customer is not None and customer.erased_at is None and customer.email:
            return customer.email
    raise EmailRequired(
        "the draft has no email address: give one to send the invoice to", field=["email"]
    )


async def send_draft_invoice(
    deps: Deps,
    actor: Principal,
    draft_id: int,
    *,
    email: str | None,
    message: str | None,
    base_url: str,
    idempotency_key: str | None = None,
) -> tuple[DraftOrder, str | None]:
    """Mail the customer a link to pay the draft (its quote now); the draft and the link's
    URL. A replay of ``idempotency_key`` mails nothing again and answers the draft with no
    URL: the token exists only in the first answer and the mail."""
    actor.require(Scope.ORDERS_WRITE)
    note = optional_text(message, ["message"], max_length=2000)
    draft = await get_draft_order(deps, actor, draft_id)
    if draft is None:
        raise DraftNotOpen("no such draft order", field=["draftOrderId"])
    if draft.status is not DraftStatus.OPEN:
        raise DraftNotOpen(f"this draft order is {draft.status.value}", field=["draftOrderId"])
    recipient = await _recipient(deps, draft, email)
    priced = await quote_draft(deps, actor, draft)  # outside the write transaction
    b = priced.breakdown
    currency = priced.currency
    total = Money(b.total, currency)
    summary = summary_of(
        priced.lines,
        currency,
        subtotal=Money(b.subtotal, currency),
        discount=Money(b.discount_total, currency),
        tax=Money(b.tax_total, currency),
        shipping=priced.shipping_total,
        total=total,
    )

    async def run(uow: UnitOfWork) -> tuple[DraftOrder, str | None]:
        current = await uow.draft_orders.get(draft_id, for_update=True)
        if current is None or current.version != draft.version:
            raise Conflict("the draft changed while the invoice was made; send it again")
        url = await _issue_invoice(uow, deps, actor, current, recipient, summary, note, base_url)
        return current, url

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> tuple[DraftOrder, str | None]:
        current = await uow.draft_orders.get(result["draft"])
        if current is None:
            raise DraftNotOpen("no such draft order", field=["draftOrderId"])
        return current, None

    return await run_command(
        deps,
        actor,
        operation="sendDraftOrderInvoice",
        request={"draft": draft_id, "email": recipient, "message": note},
        run=run,
        remember=lambda done: {"draft": done[0].id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


async def _issue_invoice(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    draft: DraftOrder,
    recipient: str,
    summary: dict[str, Any],
    note: str | None,
    base_url: str,
) -> str:
    """In the caller's transaction: the link (older ones of another amount cancelled), the
    DRAFT_ORDER_INVOICE mail with its URL, and ``draft_order.invoice_sent``; the URL."""
    assert draft.id is not None
    draft_id = draft.id
    currency = str(summary["currency"])
    total = Money(int(summary["total"]), currency)
    await cancel_open(uow, draft_order_id=draft_id, unless_amount=total)
    link, token = await open_link(
        uow,
        deps,
        purpose=PaymentLinkPurpose.DRAFT_INVOICE,
        amount=total,
        summary=summary,
        draft_order_id=draft_id,
    )
    url = link_url(base_url, token)
    await uow.notifications.enqueue(
        NotificationRequest(
            type=NotificationType.DRAFT_ORDER_INVOICE,
            recipient=recipient,
            key=f"{NotificationType.DRAFT_ORDER_INVOICE.value}:{draft_id}:{link.id}",
            customer_id=draft.request.get("customer_id"),
            data={
                "name": draft.request.get("contact_name")
                or (draft.request.get("shipping_address") or {}).get("name"),
                "invoice": summary,
                "invoice_url": url,
                "message": note,
                "expires_at": link.expires_at.isoformat(),
            },
        ),
        deps.clock.now(),
    )
    uow.record(
        DomainEvent(
            "draft_order.invoice_sent",
            "DraftOrder",
            draft_id,
            {"paymentLinkId": link.id, "amount": str(total.amount), "currency": currency},
            actor=actor.actor,
        )
    )
    return url


async def open_balance_due(
    uow: UnitOfWork,
    deps: Deps,
    order: Order,
    balance: Money,
    *,
    base_url: str,
    mail: dict[str, Any] | None,
) -> str:
    """In the edit's transaction: a BALANCE_DUE link for what the edit added to a paid order,
    and, when the customer is told (``mail``: the order.edited payload), the ORDER_EDITED mail
    with the link in it. That mail takes the key the planned one would have, so the customer
    gets one mail about the edit, not two. The link's URL."""
    assert order.id is not None
    summary = summary_of(
        order.lines,
        order.currency,
        subtotal=order.subtotal,
        discount=order.discount_total,
        tax=order.tax_total,
        shipping=order.shipping_charged,
        total=order.total,
        balance=balance,
    )
    summary["order_number"] = order.number
    _, token = await open_link(
        uow,
        deps,
        purpose=PaymentLinkPurpose.BALANCE_DUE,
        amount=balance,
        summary=summary,
        order_id=order.id,
    )
    url = link_url(base_url, token)
    if mail is not None and order.email and uow.notify_customer:
        planned = plan_notification("order.edited", order.id, mail)
        assert planned is not None
        await uow.notifications.enqueue(
            NotificationRequest(
                type=planned.type,
                recipient=order.email,
                key=planned.key(order.email),
                locale=order.locale,
                order_id=order.id,
                customer_id=order.customer_id,
                data={**planned.data, "pay_link_url": url, "balanceMinor": balance.minor_units},
            ),
            deps.clock.now(),
        )
    return url
