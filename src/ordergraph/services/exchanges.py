"""``createExchange``: units sent back for other units, as one change set of the original order.

One transaction (``run_command``, keyed) writes everything: an APPROVED return for the
returned units (the returns service's own steps), the replacement order (``capture_order``:
priced by the one pricing function with free shipping, its stock reserved at once), the
exchange row, a change record of kind EXCHANGE on the original (a new version) and the event
``order.exchange_created`` on both orders. Like every change set it is first run as a dry run
(the same transaction, rolled back), and money follows the terms (``domain.exchanges``):

- the customer owes a difference: it is charged with the ``paymentToken`` BEFORE the exchange
  commits (``change_payment.pay``), then booked as the replacement's payment; no token →
  ``PAYMENT_REQUIRED``, declined → ``PAYMENT_DECLINED``, nothing written; if the exchange
  cannot commit after the charge, the money is given back at once;
- the customer is owed a difference: it is refunded when the return is received
  (``exchange_receipt``);
- no difference: nothing moves.
The replacement is paid (the returned units' value covers it, with any difference charged)
and, unless ``shipBeforeReturnReceived``, waits under an AWAITING_RETURN hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ordergraph.domain.customers import address_fields
from ordergraph.domain.errors import Conflict, DomainError, NotFound
from ordergraph.domain.exchanges import (
    Exchange,
    ExchangeSettlement,
    ExchangeTerms,
    NewLine,
    check_new_lines,
    check_return_lines,
    exchange_terms,
    returned_value,
)
from ordergraph.domain.order_changes import ChangeKind, MoneyAction, PaymentRequired
from ordergraph.domain.orders import Hold, HoldType, Order, PaymentStatus, RequestedLine
from ordergraph.domain.payments import PaymentTransaction, TransactionKind
from ordergraph.domain.ports import OrderChangeRecord, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.refunds import paid_back_units
from ordergraph.domain.returns import RequestedReturnLine, Return
from ordergraph.domain.validation import optional_text
from ordergraph.services.change_payment import Taken, give_back, pay
from ordergraph.services.change_sets import Totals
from ordergraph.services.checkout import Capture, validate_capture
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.orders import capture_order
from ordergraph.services.refund_payback import exchanged_units
from ordergraph.services.returns import (
    clean_return_lines,
    load_order_to_return,
    open_return,
    returnable_lines,
)

OPERATION = "createExchange"


@dataclass(frozen=True, slots=True)
class ExchangeRequest:
    order_id: int
    return_lines: list[RequestedReturnLine]
    new_lines: list[NewLine]
    ship_before_return_received: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class ExchangeOutcome:
    """What ``createExchange`` answers; on a dry run the rows were rolled back."""

    exchange: Exchange
    rma: Return
    original: Order
    replacement: Order
    terms: ExchangeTerms
    dry_run: bool = False


@contextlib.contextmanager
def _errors_under(name: str) -> Iterator[None]:
    """Errors the capture raises about ``lines`` point into ``newLines`` instead."""
    try:
        yield
    except DomainError as error:
        if error.field and error.field[0] == "lines":
            error.field = (name, *error.field[1:])
        raise


def _capture(actor: Principal, original: Order, lines: Sequence[NewLine]) -> Capture:
    """The replacement ships to the original's address, for its customer, channel, market."""
    with _errors_under("newLines"):
        capture = validate_capture(
            actor,
            channel=original.channel,
            lines=[RequestedLine(line.sku, line.quantity) for line in lines],
            shipping_address=address_fields(original.shipping_address),
            customer_id=original.customer_id,
            email=original.email or None,
            contact_name=original.contact_name,
            phone=original.phone,
            locale=original.locale,
            timezone=original.timezone,
            sales_rep=original.sales_rep,
            market_id=original.market_id,
        )
    return replace(capture, free_shipping=True)


async def _refunded_units(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    """Units per line already paid back: refunded, or sent back in an earlier exchange."""
    return paid_back_units(
        await uow.refunds.for_order(order_id), await exchanged_units(uow, order_id)
    )


async def _create_in(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    request: ExchangeRequest,
    charged: PaymentTransaction | None = None,
) -> ExchangeOutcome:
    now = deps.clock.now()
    original = await load_order_to_return(uow, request.order_id, actor)
    assert original.id is not None
    returnable = await returnable_lines(uow, original, deps.policy.returns)
    check_return_lines(request.return_lines, returnable, now)
    returned = returned_value(
        original, request.return_lines, await _refunded_units(uow, original.id)
    )
    with _errors_under("newLines"):
        replacement = await capture_order(
            uow, deps, actor, _capture(actor, original, request.new_lines)
        )
    assert replacement.id is not None
    terms = exchange_terms(
        returned,
        replacement.total,
        ship_before_return_received=request.ship_before_return_received,
    )
    if charged is not None and charged.amount != terms.difference:
        raise Conflict("the exchange's price changed while it was paid; nothing was changed")
    rma = await open_return(
        uow, actor, original, returnable, request.return_lines, request.reason, now, approve=True
    )
    assert rma.id is not None
    replacement.confirm(
        PaymentStatus.PAID, now, actor.actor, ship_by=now + deps.policy.handling_time
    )
    if charged is not None:
        assert charged.id is not None
        await uow.payments.move_to_order(charged.id, replacement.id)
        await uow.payments.save(replace(charged, order_id=replacement.id, settled_at=now))
    if terms.hold_replacement:
        hold = Hold(None, HoldType.AWAITING_RETURN, f"return {rma.number}", now, actor.actor)
        replacement.place_hold(hold, now)
    exchange = await uow.exchanges.add(
        Exchange(
            original_order_id=original.id,
            replacement_order_id=replacement.id,
            return_id=rma.id,
            returned=terms.returned,
            new_total=terms.new_total,
            settlement=terms.settlement,
            hold_replacement=terms.hold_replacement,
            created_by=actor.actor,
            created_at=now,
        )
    )
    await _record_change(uow, original, exchange, rma, request.reason, actor)
    payload = _event(exchange, original, replacement, rma)
    for order in (original, replacement):
        order.record("order.exchange_created", actor.actor, payload)
        await uow.orders.save(order)
        publish(uow, order)
    return ExchangeOutcome(exchange, rma, original, replacement, terms)


_MONEY = {
    ExchangeSettlement.NONE: MoneyAction.NONE,
    ExchangeSettlement.CHARGE: MoneyAction.CHARGE,
    ExchangeSettlement.REFUND_ON_RECEIPT: MoneyAction.REFUND,
}


async def _record_change(
    uow: UnitOfWork,
    original: Order,
    exchange: Exchange,
    rma: Return,
    reason: str | None,
    actor: Principal,
) -> OrderChangeRecord:
    """The exchange in the original's change history: its lines keep what is not returned;
    its own totals do not move (the difference is the replacement's against the return)."""
    assert original.id is not None
    original.version += 1
    original.updated_at = exchange.created_at
    totals = Totals.of(original).as_dict()
    by_id = {line.id: line for line in original.lines}
    diff: list[dict[str, Any]] = [
        {
            "lineId": line.order_line_id,
            "sku": line.sku,
            "before": by_id[line.order_line_id].quantity,
            "after": by_id[line.order_line_id].quantity - line.quantity,
        }
        for line in rma.lines
    ]
    return await uow.order_changes.add(
        OrderChangeRecord(
            order_id=original.id,
            number=0,
            kind=ChangeKind.EXCHANGE,
            order_version=original.version,
            diff=diff,
            summary={
                "before": totals,
                "after": totals,
                "stock": [],
                "money": _MONEY[exchange.settlement].value,
                "promisedDeliveryAt": None,
                "exchange": {
                    "replacementOrderId": exchange.replacement_order_id,
                    "returnId": exchange.return_id,
                    "settlement": exchange.settlement.value,
                },
            },
            difference=exchange.difference,
            reason=reason,
            actor=actor.actor,
            created_at=exchange.created_at,
        )
    )


def _event(exchange: Exchange, original: Order, replacement: Order, rma: Return) -> dict[str, Any]:
    return {
        "exchangeId": exchange.id,
        "originalOrderId": original.id,
        "originalNumber": original.number,
        "replacementOrderId": replacement.id,
        "replacementNumber": replacement.number,
        "returnId": rma.id,
        "returnNumber": rma.number,
        "settlement": exchange.settlement.value,
        "differenceMinor": exchange.difference.minor_units,
        "currency": exchange.difference.currency,
        "holdReplacement": exchange.hold_replacement,
    }


async def _recall(uow: UnitOfWork, remembered: dict[str, Any]) -> ExchangeOutcome:
    exchange = await uow.exchanges.for_return(remembered["return"])
    rma = await uow.returns.get(remembered["return"])
    if exchange is None or rma is None:
        raise NotFound("the exchange this key created no longer exists")
    original = await uow.orders.get(exchange.original_order_id)
    replacement = await uow.orders.get(exchange.replacement_order_id)
    assert original is not None
    assert replacement is not None
    terms = ExchangeTerms(exchange.returned, exchange.new_total, exchange.hold_replacement)
    return ExchangeOutcome(exchange, rma, original, replacement, terms)


async def _already_keyed(deps: Deps, actor: Principal, key: str | None) -> bool:
    """A replayed key answers from its record, before any money moves or lines are checked."""
    if key is None:
        return False
    async with deps.uow() as uow:
        return await uow.idempotency.get(actor.idempotency_scope, key) is not None


async def _charge(
    deps: Deps, terms: ExchangeTerms, original: Order, token: str | None
) -> PaymentTransaction | None:
    """The difference owed, charged before commit (under the original: the replacement does
    not exist yet); None when nothing is owed."""
    if terms.settlement is not ExchangeSettlement.CHARGE:
        return None
    if token is None:
        raise PaymentRequired(
            f"the replacement costs {terms.difference.amount} {terms.difference.currency} more "
            "than the returned units: give a paymentToken to pay it",
            field=["paymentToken"],
        )
    return await pay(deps, original, TransactionKind.SALE, terms.difference, token)


async def create_exchange(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    return_lines: list[RequestedReturnLine],
    new_lines: list[NewLine],
    ship_before_return_received: bool = False,
    dry_run: bool = False,
    payment_token: str | None = None,
    idempotency_key: str | None = None,
    reason: str | None = None,
) -> ExchangeOutcome:
    """Return units of a delivered order for new ones, all or nothing (see the module)."""
    actor.require(Scope.ORDERS_WRITE)
    check_new_lines(new_lines)
    request = ExchangeRequest(
        order_id,
        clean_return_lines(return_lines, "returnLines"),
        list(new_lines),
        ship_before_return_received,
        optional_text(reason, ["reason"], max_length=500),
    )

    async def run(uow: UnitOfWork) -> ExchangeOutcome:
        return await _create_in(uow, deps, actor, request, charged)

    charged: PaymentTransaction | None = None
    fingerprint = {
        "order": order_id,
        "returnLines": [[x.order_line_id, x.quantity, x.reason.value] for x in return_lines],
        "newLines": [[x.sku, x.quantity] for x in new_lines],
        "shipFirst": ship_before_return_received,
        "reason": reason,
    }
    if dry_run or not await _already_keyed(deps, actor, idempotency_key):
        async with deps.uow() as uow:  # the preview: the real exchange, rolled back
            preview = await _create_in(uow, deps, actor, request)
            await uow.rollback()
        if dry_run:
            return replace(preview, dry_run=True)
        charged = await _charge(deps, preview.terms, preview.original, payment_token)
    try:
        return await run_command(
            deps,
            actor,
            operation=OPERATION,
            request=fingerprint,
            run=run,
            remember=lambda o: {"return": o.rma.id},
            recall=_recall,
            idempotency_key=idempotency_key,
        )
    except Exception:
        if charged is not None:
            await give_back(deps, Taken(charged, MoneyAction.CHARGE, charged.amount))
        raise
