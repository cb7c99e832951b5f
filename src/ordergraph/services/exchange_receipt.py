"""What receiving an exchange's return settles: the replacement's hold and a refund owed.

``receive_return`` calls ``release_replacement`` inside the receipt's transaction (the
replacement may ship once the units are back) and ``refund_difference`` after it commits:
the difference the customer is owed is refunded once, under a key of the exchange.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.exchanges import ExchangeSettlement
from ordergraph.domain.money import Money
from ordergraph.domain.orders import HoldType
from ordergraph.domain.payments import PaymentGatewayError
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.domain.refunds import RefundNotPossible
from ordergraph.domain.returns import Return, ReturnStatus
from ordergraph.services import refunds
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish


async def release_replacement(
    uow: UnitOfWork, rma: Return, actor: Principal, now: datetime
) -> None:
    """The return is in: lift the replacement's AWAITING_RETURN hold, if it still has one."""
    if rma.status is not ReturnStatus.RECEIVED or rma.id is None:
        return
    exchange = await uow.exchanges.for_return(rma.id)
    if exchange is None:
        return
    replacement = await uow.orders.get(exchange.replacement_order_id, for_update=True)
    assert replacement is not None
    if any(h.type is HoldType.AWAITING_RETURN for h in replacement.active_holds):
        replacement.release_hold(HoldType.AWAITING_RETURN, now, actor.actor)
        await uow.orders.save(replacement)
        publish(uow, replacement)


async def refund_difference(deps: Deps, rma: Return) -> None:
    """After the receipt commits: refund what an exchange owes the customer, exactly once
    (the key is the exchange's; a failure stays a FAILED refund to retry with refundOrder)."""
    if rma.status is not ReturnStatus.RECEIVED or rma.id is None:
        return
    async with deps.uow() as uow:
        exchange = await uow.exchanges.for_return(rma.id)
    if exchange is None or exchange.settlement is not ExchangeSettlement.REFUND_ON_RECEIPT:
        return
    owed = Money(-exchange.difference.minor_units, exchange.difference.currency)
    with contextlib.suppress(PaymentGatewayError, RefundNotPossible, InvalidInput):
        await refunds.refund_order(
            deps,
            SYSTEM,
            order_id=exchange.original_order_id,
            appeasement=owed,
            reason=f"exchange {exchange.id}: return {rma.number} received",
            idempotency_key=f"exchange-refund:{exchange.id}",
        )
