"""One path for every call to the payment provider.

1. The attempt is recorded (PENDING, with the idempotency key the provider will see) in its
   own transaction, so even a crash during the call leaves a trace to reconcile.
2. The provider is called outside any transaction: a slow provider never holds row locks.
   Anything the adapter raises counts as an outage (ERROR: nothing known to be charged).
3. The answer is recorded in its own transaction, with nothing else in it: no later failure
   can roll back the record of money that moved. Steps 2 and 3 are shielded from
   cancellation: a request abandoned while the provider works still records its answer.

Applying the answer to the order is the next, separate step: ``settlement.settle``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ordergraph.domain.money import Money
from ordergraph.domain.payments import (
    CallContext,
    GatewayResult,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps

Call = Callable[[CallContext], Awaitable[GatewayResult]]
LOST_AFTER = timedelta(minutes=2)  # longer than any provider call with its retries


@dataclass(frozen=True, slots=True)
class Attempt:
    order_id: int
    order_number: str
    kind: TransactionKind
    amount: Money
    idempotency_key: str
    target_reference: str | None = None  # the authorization or charge acted on
    compensates_id: int | None = None
    # checked in the transaction that records the attempt, under the order's lock: a reason
    # not to call at all (recorded as DECLINED with that message), or None to go ahead
    guard: Callable[[UnitOfWork], Awaitable[str | None]] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    transaction: PaymentTransaction
    fresh: bool  # False: a twin call with the same key was made already; this is its record


async def call_gateway(deps: Deps, attempt: Attempt, call: Call) -> PaymentTransaction:
    """Record, call, record the answer; returns the stored transaction (not yet settled)."""
    return (await call_gateway_once(deps, attempt, call)).transaction


async def call_gateway_once(deps: Deps, attempt: Attempt, call: Call) -> Answer:
    """As ``call_gateway``, but a concurrent or earlier twin (same kind and key, not lost to an
    outage) is not called again: its record is returned, ``fresh=False``."""
    pending = PaymentTransaction(
        id=None,
        order_id=attempt.order_id,
        gateway=deps.gateway.name,
        kind=attempt.kind,
        status=TransactionStatus.PENDING,
        amount=attempt.amount,
        reference=None,
        error_code=None,
        message=None,
        created_at=deps.clock.now(),
        idempotency_key=attempt.idempotency_key,
        target_reference=attempt.target_reference,
        compensates_id=attempt.compensates_id,
    )

    async def record_attempt(uow: UnitOfWork) -> Answer:
        await uow.orders.get(attempt.order_id, for_update=True)  # one attempt at a time
        for earlier in await uow.payments.for_order(attempt.order_id):
            if (
                earlier.idempotency_key == attempt.idempotency_key
                and earlier.kind is attempt.kind
                and earlier.status is not TransactionStatus.ERROR
                and not _lost(earlier, pending.created_at)
            ):
                return Answer(earlier, fresh=False)
        refusal = await attempt.guard(uow) if attempt.guard is not None else None
        if refusal is not None:
            skipped = replace(
                pending,
                status=TransactionStatus.DECLINED,
                error_code="not_needed",
                message=refusal,
                settled_at=pending.created_at,
            )
            return Answer(await uow.payments.add(skipped), fresh=False)
        return Answer(await uow.payments.add(pending), fresh=True)

    recorded = await in_transaction(deps, record_attempt)
    if not recorded.fresh:
        return recorded
    pending = recorded.transaction
    assert pending.id is not None
    # Shielded: a request cancelled while the provider works must not drop the answer.
    return await asyncio.shield(_ask_and_record(deps, pending, attempt.order_number, call))


async def _ask_and_record(
    deps: Deps, pending: PaymentTransaction, order_number: str, call: Call
) -> Answer:
    assert pending.id is not None
    try:
        result = await call(CallContext(order_number, pending.id))
    except Exception as exc:  # noqa: BLE001 - adapters map the provider's errors; the rest is an outage
        result = GatewayResult(
            TransactionStatus.ERROR,
            error_code="gateway_exception",
            message=f"{type(exc).__name__}: {exc}"[:500],
        )
    answered = pending.answered(result)
    await record_answer(deps, answered)
    return Answer(answered, fresh=True)


def _lost(earlier: PaymentTransaction, now: datetime) -> bool:
    """A call still PENDING long after it began died with its process: ask again, same key."""
    return earlier.status is TransactionStatus.PENDING and now - earlier.created_at > LOST_AFTER


async def record_answer(deps: Deps, transaction: PaymentTransaction) -> None:
    """Write the provider's answer in a transaction of its own (retried on conflicts)."""

    async def save(uow: UnitOfWork) -> None:
        await uow.payments.save(transaction)

    await in_transaction(deps, save)
