"""Where an order's money stands, and the moves between those states.

``PaymentStatus`` tells the truth about money at the provider: AUTHORIZED means funds are held,
PAID that they were taken, REFUNDED that all of it went back. Every change goes through
``move_payment``, which consults ``PAYMENT_TRANSITIONS``; a move the table does not allow is a
bug in the caller, raised as ``IllegalPaymentTransition``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from ordergraph.domain.errors import DomainError


class PaymentStatus(enum.StrEnum):
    PENDING = "PENDING"  # nothing taken yet
    AUTHORIZED = "AUTHORIZED"  # funds held at the provider
    PAID = "PAID"  # everything captured
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"  # the hold was released
    FAILED = "FAILED"  # the last attempt was declined; pay again
    ACTION_REQUIRED = "ACTION_REQUIRED"  # the customer must act (3-D Secure) to finish paying
    PARTIALLY_CAPTURED = "PARTIALLY_CAPTURED"  # capture on shipment: some shipments captured

    @property
    def holds_or_took_money(self) -> bool:
        return self in {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PAID,
            PaymentStatus.PARTIALLY_CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
        }


UNPAID = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.ACTION_REQUIRED})

PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset(
        {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PAID,
            PaymentStatus.FAILED,
            PaymentStatus.ACTION_REQUIRED,
        }
    ),
    PaymentStatus.FAILED: frozenset(
        {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PAID,
            PaymentStatus.FAILED,
            PaymentStatus.ACTION_REQUIRED,
        }
    ),
    PaymentStatus.ACTION_REQUIRED: frozenset(
        {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PAID,
            PaymentStatus.FAILED,
            PaymentStatus.ACTION_REQUIRED,
        }
    ),
    PaymentStatus.AUTHORIZED: frozenset(
        {PaymentStatus.PAID, PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.VOIDED}
    ),
    PaymentStatus.PARTIALLY_CAPTURED: frozenset(
        {
            PaymentStatus.PARTIALLY_CAPTURED,
            PaymentStatus.PAID,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        }
    ),
    PaymentStatus.PAID: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset(
        {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    ),
    PaymentStatus.REFUNDED: frozenset(),
    # A capture the provider accepted although our void also went through (a provider that
    # does not refuse it): the money was taken after all, and is then refunded.
    PaymentStatus.VOIDED: frozenset({PaymentStatus.PAID}),
}


class IllegalPaymentTransition(DomainError):
    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: PaymentStatus, wanted: PaymentStatus) -> None:
        super().__init__(f"payment is {current.value} and cannot become {wanted.value}")
        self.current = current
        self.wanted = wanted


def can_move_payment(current: PaymentStatus, wanted: PaymentStatus) -> bool:
    return wanted in PAYMENT_TRANSITIONS[current]


def move_payment(current: PaymentStatus, wanted: PaymentStatus) -> PaymentStatus:
    """``wanted``, if the table allows it from ``current``."""
    if not can_move_payment(current, wanted):
        raise IllegalPaymentTransition(current, wanted)
    return wanted
