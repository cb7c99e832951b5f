"""Paying through a link (``/pay/{token}``): one function, ``pay_link``, for both purposes.

- DRAFT_INVOICE: the draft is completed (``complete_draft_order``: placeOrder with the draft's
  input) and the order is paid through ``payments.capture_payment`` exactly as a checkout
  would be (a sale, or a hold under capture-on-shipment). A decline leaves the order placed
  and unpaid and the link open: paying again through it pays that same order.
- BALANCE_DUE: a sale of the link's amount through the gateway seam, recorded on the order
  (settled by this payment, like the sale of an edit's difference).

One attempt at a time holds the link's lease (one conditional UPDATE), so two clicks or two
tabs never charge twice: the second is told a payment is in progress, then that it is paid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from ordergraph.auth.tokens import hash_token
from ordergraph.domain.drafts import DraftStatus
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.payment_links import (
    PAYING_LEASE,
    PaymentInProgress,
    PaymentLink,
    PaymentLinkNotFound,
    PaymentLinkNotPayable,
    PaymentLinkPurpose,
    PaymentLinkStatus,
)
from ordergraph.domain.payments import (
    PaymentDeclined,
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.validation import clean_text
from ordergraph.services import draft_orders, payments
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway
from ordergraph.services.order_support import publish
from ordergraph.services.payment_links import cancel_open

# who acts when a customer pays through a link: the link is the authority, not a login
PAYER = Principal(role=Role.ADMIN, scopes=frozenset(Scope), name="pay", label="payment-link")


@dataclass(frozen=True, slots=True)
class LinkPayment:
    """How paying went: SUCCESS (the link is PAID) or ACTION_REQUIRED (the bank wants the
    customer to confirm; the link stays open)."""

    link: PaymentLink
    order: Order
    status: TransactionStatus


async def find_link(deps: Deps, token: str) -> PaymentLink:
    """The link for this token, or PaymentLinkNotFound (also for malformed tokens)."""
    if not token or len(token) > 200:
        raise PaymentLinkNotFound("no such payment link", field=["token"])
    async with deps.uow() as uow:
        link = await uow.payment_links.by_token_hash(hash_token(token))
    if link is None:
        raise PaymentLinkNotFound("no such payment link", field=["token"])
    return link


async def pay_link(deps: Deps, token: str, payment_token: str) -> LinkPayment:
    """Pay what the link asks with the gateway's ``payment_token``. PAYMENT_DECLINED or
    PAYMENT_GATEWAY_ERROR leave the link open; PAYMENT_LINK_NOT_PAYABLE when it was paid,
    cancelled or expired; PAYMENT_IN_PROGRESS while another attempt holds it;
    TOO_MANY_ATTEMPTS past 5 attempts in a burst (then 1 a minute, 20 a day) per link."""
    card = clean_text(payment_token, ["paymentToken"], max_length=200)
    link = await find_link(deps, token)
    assert link.id is not None
    now = deps.clock.now()
    link.check_payable(now)
    await deps.throttle.check(
        deps.clock, deps.throttle.rules.pay_link, link.token_hash, field=["paymentToken"]
    )

    async def claim(uow: UnitOfWork) -> bool:
        return await uow.payment_links.claim(link.id or 0, now, now + PAYING_LEASE)

    if not await in_transaction(deps, claim):
        current = await find_link(deps, token)
        current.check_payable(deps.clock.now())  # paid meanwhile: say so
        raise PaymentInProgress("a payment through this link is under way", field=["token"])
    try:
        if link.purpose is PaymentLinkPurpose.DRAFT_INVOICE:
            order, status = await _pay_draft(deps, link, card)
        else:
            order, status = await _pay_balance(deps, link, card)
    finally:

        async def release(uow: UnitOfWork) -> None:
            await uow.payment_links.release(link.id or 0)

        await in_transaction(deps, release)
    if status is TransactionStatus.SUCCESS:
        link = await _mark_paid(deps, link, order, None)
    return LinkPayment(link, order, status)


async def _pay_draft(deps: Deps, link: PaymentLink, card: str) -> tuple[Order, TransactionStatus]:
    assert link.draft_order_id is not None
    async with deps.uow() as uow:
        draft = await uow.draft_orders.get(link.draft_order_id)
    assert draft is not None
    if draft.status is DraftStatus.OPEN:
        quoted = await draft_orders.quote_draft(deps, PAYER, draft)
        if quoted.breakdown.total != link.amount.minor_units:
            await _withdraw(deps, link)
            raise PaymentLinkNotPayable(
                PaymentLinkStatus.CANCELLED,
                "the prices of this order changed since the invoice was sent; ask the shop "
                "for a new invoice",
            )
        _, order = await draft_orders.complete_draft_order(deps, PAYER, draft.id or 0)
    elif draft.status is DraftStatus.COMPLETED and draft.order_id is not None:
        order_id = draft.order_id  # an earlier attempt placed it and was declined
        async with deps.uow() as uow:
            found = await uow.orders.get(order_id)
        assert found is not None
        if found.status is OrderStatus.CANCELLED:  # unpaid too long, or cancelled by staff
            await _withdraw(deps, link)
            raise PaymentLinkNotPayable(
                PaymentLinkStatus.CANCELLED, "this order was cancelled; ask the shop for a new one"
            )
        order = found
    else:
        await _withdraw(deps, link)
        raise PaymentLinkNotPayable(PaymentLinkStatus.CANCELLED, "this order was withdrawn")
    assert order.id is not None
    outcome = await payments.capture_payment(deps, PAYER, order_id=order.id, token=card)
    return outcome.order, outcome.transaction.status


async def _pay_balance(deps: Deps, link: PaymentLink, card: str) -> tuple[Order, TransactionStatus]:
    assert link.order_id is not None
    async with deps.uow() as uow:
        order = await uow.orders.get(link.order_id)
    assert order is not None
    assert order.id is not None
    amount = link.amount
    key = f"paylink:{link.id}:{uuid.uuid4()}"
    gateway = deps.gateway
    transaction = await call_gateway(
        deps,
        Attempt(order.id, order.number, TransactionKind.SALE, amount, key),
        lambda ctx: gateway.sale(amount=amount, token=card, idempotency_key=key, context=ctx),
    )
    if transaction.status is TransactionStatus.SUCCESS:
        await _mark_paid(deps, link, order, transaction)
        return order, transaction.status
    await _settle_failed(deps, transaction)
    if transaction.status is TransactionStatus.ERROR:
        raise PaymentGatewayError(
            f"payment provider failed: {transaction.message or 'error'}; try again",
            field=["paymentToken"],
        )
    raise PaymentDeclined(
        f"the payment was declined ({transaction.error_code or 'declined'})",
        field=["paymentToken"],
    )


async def _mark_paid(
    deps: Deps, link: PaymentLink, order: Order, sale: PaymentTransaction | None
) -> PaymentLink:
    """The link PAID, its open siblings cancelled, the sale (of a balance) settled by it, and
    ``order.paid_by_link`` on the timeline — one transaction. Idempotent."""

    async def run(uow: UnitOfWork) -> PaymentLink:
        now = deps.clock.now()
        assert order.id is not None
        current = await uow.orders.get(order.id, for_update=True)
        assert current is not None
        stored = await uow.payment_links.by_token_hash(link.token_hash)
        assert stored is not None
        if stored.status is PaymentLinkStatus.PAID:
            return stored
        stored.mark_paid(now)
        stored.order_id = order.id
        await uow.payment_links.save(stored)
        if stored.draft_order_id is not None:  # the draft's other invoices pay nothing now
            await cancel_open(uow, draft_order_id=stored.draft_order_id, keep=stored)
        if sale is not None:
            await uow.payments.save(replace(sale, settled_at=now))
        current.record(
            "order.paid_by_link",
            PAYER.actor,
            {
                "paymentLinkId": stored.id,
                "purpose": stored.purpose.value,
                "amount": str(stored.amount.amount),
                "currency": stored.amount.currency,
            },
        )
        publish(uow, current)
        return stored

    return await in_transaction(deps, run)


async def _settle_failed(deps: Deps, transaction: PaymentTransaction) -> None:
    async def run(uow: UnitOfWork) -> None:
        await uow.payments.save(replace(transaction, settled_at=deps.clock.now()))

    await in_transaction(deps, run)


async def _withdraw(deps: Deps, link: PaymentLink) -> None:
    async def run(uow: UnitOfWork) -> None:
        stored = await uow.payment_links.by_token_hash(link.token_hash)
        if stored is not None:
            stored.cancel()
            await uow.payment_links.save(stored)

    await in_transaction(deps, run)
