"""Payments: the gateway port, its results, and the recorded transactions."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money


class TransactionKind(enum.StrEnum):
    AUTHORIZE = "AUTHORIZE"
    CAPTURE = "CAPTURE"
    SALE = "SALE"  # authorize and capture in one step
    VOID = "VOID"
    REFUND = "REFUND"


class TransactionStatus(enum.StrEnum):
    SUCCESS = "SUCCESS"
    DECLINED = "DECLINED"
    ERROR = "ERROR"  # the gateway failed; trying again may work


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

    @property
    def succeeded(self) -> bool:
        return self.status is TransactionStatus.SUCCESS


class PaymentGateway(Protocol):
    """A payment provider. ``idempotency_key`` lets a real provider drop duplicate calls."""

    name: str

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str
    ) -> GatewayResult: ...

    async def sale(self, *, amount: Money, token: str, idempotency_key: str) -> GatewayResult: ...

    async def capture(
        self, *, amount: Money, authorization: str, idempotency_key: str
    ) -> GatewayResult: ...

    async def void(self, *, authorization: str, idempotency_key: str) -> GatewayResult: ...

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str
    ) -> GatewayResult: ...


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


def latest_authorization(transactions: Sequence[PaymentTransaction]) -> str | None:
    """The gateway reference of the newest successful authorization, if any."""
    for transaction in reversed(transactions):
        if (
            transaction.kind is TransactionKind.AUTHORIZE
            and transaction.status is TransactionStatus.SUCCESS
        ):
            return transaction.reference
    return None
