"""Reconciliation: our payment records against the provider's, payment by payment.

For every authorization or sale we hold (on the configured gateway, since a date), the
provider is asked for its record, and the two must agree: a voided hold is ``canceled``
there; what we captured is what it captured; what we refunded is what it refunded; nothing was
refunded behind our back. Besides: an answer we never recorded (a call still PENDING), a
payment the customer finished that we still think waits for them, and a cancelled order that
still holds money are reported too. Nothing is changed; the report says what to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.payments import (
    PaymentTransaction,
    ProviderPayment,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import LOST_AFTER
from ordergraph.services.settlement import money_left


@dataclass(frozen=True, slots=True)
class Mismatch:
    order_number: str
    reference: str | None
    problem: str
    ours: str
    provider: str

    def line(self) -> str:
        return (
            f"{self.order_number} {self.reference or '-'}: {self.problem} "
            f"(ours: {self.ours}; provider: {self.provider})"
        )


@dataclass
class ReconcileReport:
    gateway: str
    orders: int = 0
    payments: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # references the provider did not answer
    keeps_records: bool = True


@dataclass(frozen=True, slots=True)
class Ours:
    """Our account of one payment at the provider, in minor units."""

    kind: TransactionKind
    amount: int
    captured: int
    refunded: int
    voided: bool

    def expected_status(self) -> set[str]:
        if self.voided:
            return {"canceled"}
        if self.captured > 0 or self.kind is TransactionKind.SALE:
            return {"succeeded"}
        return {"requires_capture"}


def our_account(payment: PaymentTransaction, transactions: list[PaymentTransaction]) -> Ours:
    def acting(kind: TransactionKind) -> list[PaymentTransaction]:
        return [
            t
            for t in transactions
            if t.kind is kind
            and t.status is TransactionStatus.SUCCESS
            and t.target_reference == payment.reference
        ]

    captured = sum(t.amount.minor_units for t in acting(TransactionKind.CAPTURE))
    if payment.kind is TransactionKind.SALE:
        captured += payment.amount.minor_units
    return Ours(
        kind=payment.kind,
        amount=payment.amount.minor_units,
        captured=captured,
        refunded=sum(t.amount.minor_units for t in acting(TransactionKind.REFUND)),
        voided=bool(acting(TransactionKind.VOID)),
    )


def compare(order: Order, reference: str, ours: Ours, theirs: ProviderPayment) -> list[Mismatch]:
    found: list[Mismatch] = []

    def differ(problem: str, mine: object, provider: object) -> None:
        found.append(Mismatch(order.number, reference, problem, str(mine), str(provider)))

    if theirs.status not in ours.expected_status():
        differ("status differs", "/".join(sorted(ours.expected_status())), theirs.status)
    if theirs.amount != ours.amount:
        differ("amount differs", ours.amount, theirs.amount)
    if theirs.captured != ours.captured:
        differ("captured differs", ours.captured, theirs.captured)
    if theirs.refunded != ours.refunded:
        differ("refunded differs", ours.refunded, theirs.refunded)
    if theirs.refunded_elsewhere:
        differ("refunded outside ordergraph", 0, theirs.refunded_elsewhere)
    return found


async def reconcile_payments(deps: Deps, *, since: datetime, limit: int = 1000) -> ReconcileReport:
    gateway = deps.gateway
    report = ReconcileReport(gateway=gateway.name)
    now = deps.clock.now()
    async with deps.uow() as uow:
        order_ids = await uow.payments.order_ids_with_payments(gateway.name, since, limit)
    for order_id in order_ids:
        async with deps.uow() as uow:
            order = await uow.orders.get(order_id)
            transactions = await uow.payments.for_order(order_id)
            left = await money_left(uow, order) if order is not None else 0
        if order is None:
            continue
        report.orders += 1
        mine = [t for t in transactions if t.gateway == gateway.name]
        for t in mine:
            if t.status is TransactionStatus.PENDING and now - t.created_at > LOST_AFTER:
                report.mismatches.append(
                    Mismatch(
                        order.number, t.reference, f"{t.kind.value} never answered", "PENDING", "?"
                    )
                )
        if order.status is OrderStatus.CANCELLED and left > 0:
            report.mismatches.append(
                Mismatch(order.number, None, "cancelled order still holds money", str(left), "-")
            )
        for payment in mine:
            if payment.kind not in {TransactionKind.AUTHORIZE, TransactionKind.SALE}:
                continue
            if payment.reference is None or payment.status not in {
                TransactionStatus.SUCCESS,
                TransactionStatus.ACTION_REQUIRED,
            }:
                continue
            report.payments += 1
            try:
                theirs = await gateway.lookup(payment.reference)
            except Exception:  # noqa: BLE001 - any provider failure: report it, go on
                report.unreachable.append(payment.reference)
                continue
            if theirs is None:
                report.keeps_records = False
                return report
            if payment.status is TransactionStatus.ACTION_REQUIRED:
                if theirs.status in {"requires_capture", "succeeded"}:
                    report.mismatches.append(
                        Mismatch(
                            order.number,
                            payment.reference,
                            "completed at the provider, still waiting here (ask again)",
                            "ACTION_REQUIRED",
                            theirs.status,
                        )
                    )
                continue
            report.mismatches.extend(
                compare(order, payment.reference, our_account(payment, transactions), theirs)
            )
    return report
