"""Payments: the gateway port, its results, and the recorded transactions.

Every call to a provider is one ``PaymentTransaction``: recorded PENDING before the call,
given the provider's answer right after it (each in its own database transaction), and only
then *settled* against the order (see ``services/settlement.py``). A transaction that
``compensates`` another undid it at the provider: the void of an authorization, or the refund
of a charge, that landed on an order that had moved on.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money


class TransactionKind(enum.StrEnum):
    AUTHORIZE = "AUTHORIZE"
    CAPTURE = "CAPTURE"
    SALE = "SALE"  # authorize and capture in one step
    VOID = "VOID"
    REFUND = "REFUND"


CHARGES = frozenset({TransactionKind.SALE, TransactionKind.CAPTURE})


class TransactionStatus(enum.StrEnum):
    SUCCESS = "SUCCESS"
    DECLINED = "DECLINED"
    ERROR = "ERROR"  # the gateway failed; trying again may work
    PENDING = "PENDING"  # asked, no answer recorded yet (a crash in between leaves it so)
    ACTION_REQUIRED = "ACTION_REQUIRED"  # the customer must authenticate (3-D Secure)

    @property
    def final(self) -> bool:
        return self in {TransactionStatus.SUCCESS, TransactionStatus.DECLINED}


class PaymentDeclined(DomainError):
    code = "PAYMENT_DECLINED"


class PaymentGatewayError(DomainError):
    """The gateway could not be reached or failed; nothing was charged, retry later."""

    code = "PAYMENT_GATEWAY_ERROR"


@dataclass(frozen=True, slots=True)
class GatewayResult:
    status: TransactionStatus
    reference: str | None = None
    error_code: str | None = None
    message: str | None = None
    client_secret: str | None = None  # ACTION_REQUIRED: what the client needs to finish
    next_action: dict[str, Any] | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is TransactionStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class ProviderPayment:
    """What the provider says about one payment (for reconciliation), in minor units."""

    reference: str
    status: str  # the provider's own word, e.g. "requires_capture", "succeeded", "canceled"
    currency: str
    amount: int
    capturable: int
    captured: int
    refunded: int  # by refunds that carry our transaction id
    refunded_elsewhere: int  # by refunds made outside ordergraph


@dataclass(frozen=True, slots=True)
class CallContext:
    """Sent with every call, so a provider's records point back at ours."""

    order_number: str
    transaction_id: int


class PaymentGateway(Protocol):
    """A payment provider. ``idempotency_key`` lets a real provider drop duplicate calls;
    ``authorization_validity`` is how long it holds authorized funds."""

    name: str
    authorization_validity: timedelta

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult: ...

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult: ...

    async def capture(
        self,
        *,
        amount: Money,
        authorization: str,
        idempotency_key: str,
        context: CallContext,
        final: bool = True,
    ) -> GatewayResult:
        """Capture ``amount`` of the authorization; ``final=False`` keeps the rest capturable
        (one shipment of several)."""
        ...

    async def void(
        self, *, authorization: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult: ...

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult: ...

    async def refresh(self, *, reference: str, kind: TransactionKind) -> GatewayResult:
        """Ask again how a payment that needed customer action stands now."""
        ...

    async def lookup(self, reference: str) -> ProviderPayment | None:
        """The provider's record of a payment; None if it keeps none (the test gateway)."""
        ...


@dataclass(frozen=True, slots=True)
class PaymentTransaction:
    id: int | None
    order_id: int
    gateway: str
    kind: TransactionKind
    status: TransactionStatus
    amount: Money
    reference: str | None
    error_code: str | None
    message: str | None
    created_at: datetime
    idempotency_key: str | None = None
    target_reference: str | None = None  # the authorization or charge this call acted on
    compensates_id: int | None = None  # the transaction this one undid
    client_secret: str | None = None
    next_action: dict[str, Any] | None = None
    settled_at: datetime | None = None  # applied to the order (or found to need nothing)

    def answered(self, result: GatewayResult) -> PaymentTransaction:
        return replace(
            self,
            status=result.status,
            reference=result.reference or self.reference,
            error_code=result.error_code,
            message=result.message,
            client_secret=result.client_secret,
            next_action=result.next_action,
        )


def latest_authorization(transactions: Sequence[PaymentTransaction]) -> str | None:
    """The gateway reference of the newest successful authorization, if any."""
    for transaction in reversed(transactions):
        if (
            transaction.kind is TransactionKind.AUTHORIZE
            and transaction.status is TransactionStatus.SUCCESS
        ):
            return transaction.reference
    return None


def open_holds(transactions: Sequence[PaymentTransaction]) -> list[PaymentTransaction]:
    """Successful authorizations still held: not voided, not captured in full."""
    voided: set[str | None] = set()
    captured: dict[str | None, int] = {}
    for t in transactions:
        if t.status is not TransactionStatus.SUCCESS:
            continue
        if t.kind is TransactionKind.VOID:
            voided.add(t.target_reference)
        elif t.kind is TransactionKind.CAPTURE:
            captured[t.target_reference] = (
                captured.get(t.target_reference, 0) + t.amount.minor_units
            )
    return [
        t
        for t in transactions
        if t.kind is TransactionKind.AUTHORIZE
        and t.status is TransactionStatus.SUCCESS
        and t.reference not in voided
        and captured.get(t.reference, 0) < t.amount.minor_units
    ]


def compensated_ids(transactions: Sequence[PaymentTransaction]) -> set[int]:
    """Ids of transactions undone at the provider by a compensation, or being undone (a
    compensation in flight has spoken for the money; if it fails the money is free again)."""
    return {
        t.compensates_id
        for t in transactions
        if t.compensates_id is not None
        and t.status in {TransactionStatus.SUCCESS, TransactionStatus.PENDING}
    }


def captured_total(transactions: Sequence[PaymentTransaction], currency: str) -> Money:
    """Money taken and kept: successful charges, less those refunded as compensation."""
    undone = compensated_ids(transactions)
    return sum(
        (
            t.amount
            for t in transactions
            if t.kind in CHARGES and t.status is TransactionStatus.SUCCESS and t.id not in undone
        ),
        Money(0, currency),
    )


def latest_charge_reference(transactions: Sequence[PaymentTransaction]) -> str | None:
    undone = compensated_ids(transactions)
    for t in reversed(transactions):
        if t.kind in CHARGES and t.status is TransactionStatus.SUCCESS and t.id not in undone:
            return t.reference
    return None


class ProviderEventKind(enum.StrEnum):
    """What a provider's webhook says happened to a payment."""

    SUCCEEDED = "SUCCEEDED"  # charged (a sale, a capture, a 3-D Secure sale completed)
    AUTHORIZED = "AUTHORIZED"  # funds held, ready to capture (3-D Secure authorization done)
    FAILED = "FAILED"  # declined, or the customer failed to authenticate
    CANCELED = "CANCELED"  # the hold was released at the provider (or expired)
    REFUNDED = "REFUNDED"  # money went back; ``refunded`` is the total so far
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    provider: str
    id: str  # deduplicated on
    type: str  # the provider's own name, e.g. "payment_intent.succeeded"
    kind: ProviderEventKind
    reference: str | None  # the payment it concerns
    transaction_id: int | None = None  # ours, when the provider echoes our metadata
    refunded: int = 0
    error_code: str | None = None
    message: str | None = None
