"""Payment links: a URL the customer opens to pay what is owed (a draft's invoice, or the
balance an edit left on a paid order). Only the SHA-256 digest of the random token is kept.

A link is OPEN until it is PAID, CANCELLED (replaced, or its draft went away) or EXPIRED; an
open link past ``expires_at`` counts as EXPIRED whether or not that was written down yet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money


class PaymentLinkPurpose(enum.StrEnum):
    DRAFT_INVOICE = "DRAFT_INVOICE"  # pays a draft order: completing it places the order
    BALANCE_DUE = "BALANCE_DUE"  # pays what an edit added to a paid order


class PaymentLinkStatus(enum.StrEnum):
    OPEN = "OPEN"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


LIFETIME: dict[PaymentLinkPurpose, timedelta] = {
    PaymentLinkPurpose.DRAFT_INVOICE: timedelta(days=30),
    PaymentLinkPurpose.BALANCE_DUE: timedelta(days=14),
}
# how long one payment attempt holds the link (longer than any provider call with retries)
PAYING_LEASE = timedelta(minutes=2)


class PaymentLinkNotFound(DomainError):
    """No link has this token (or it was never ours)."""

    code = "NOT_FOUND"


class PaymentLinkNotPayable(DomainError):
    """The link was paid, cancelled or has expired; ``status`` says which."""

    code = "PAYMENT_LINK_NOT_PAYABLE"

    def __init__(self, status: PaymentLinkStatus, message: str | None = None) -> None:
        super().__init__(message or f"this payment link is {status.value}", field=["token"])
        self.status = status


class PaymentInProgress(DomainError):
    """Another payment through this link is under way (a second click, a second tab)."""

    code = "PAYMENT_IN_PROGRESS"


class PayLinkNotPossible(DomainError):
    """A pay link cannot collect this difference (an authorized order: see the README)."""

    code = "PAY_LINK_NOT_POSSIBLE"


class EmailRequired(DomainError):
    """There is nobody to mail: the draft has no email address and none was given."""

    code = "EMAIL_REQUIRED"


@dataclass
class PaymentLink:
    """What is owed through one link; ``summary`` is what the pay page shows (the lines and
    totals as they were when the link was made, nothing more)."""

    id: int | None
    token_hash: str
    purpose: PaymentLinkPurpose
    status: PaymentLinkStatus
    amount: Money
    created_at: datetime
    expires_at: datetime
    order_id: int | None = None
    draft_order_id: int | None = None
    paid_at: datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def status_at(self, now: datetime) -> PaymentLinkStatus:
        """The status as it stands at ``now``: an open link past its expiry is EXPIRED."""
        if self.status is PaymentLinkStatus.OPEN and now >= self.expires_at:
            return PaymentLinkStatus.EXPIRED
        return self.status

    def check_payable(self, now: datetime) -> None:
        status = self.status_at(now)
        if status is not PaymentLinkStatus.OPEN:
            raise PaymentLinkNotPayable(status)

    def mark_paid(self, now: datetime) -> None:
        """Paid: by an attempt that claimed the link while it was open (so even if it
        expired during the provider's call)."""
        if self.status is not PaymentLinkStatus.OPEN:
            raise PaymentLinkNotPayable(self.status)
        self.status = PaymentLinkStatus.PAID
        self.paid_at = now

    def cancel(self) -> None:
        """Withdraw an open link (paid links stay paid)."""
        if self.status is PaymentLinkStatus.OPEN:
            self.status = PaymentLinkStatus.CANCELLED


class PaymentCollection(enum.StrEnum):
    """How an edit that raises a paid order's total collects the difference."""

    PAYMENT_TOKEN = "PAYMENT_TOKEN"  # charged now with the token given (PAYMENT_REQUIRED without)
    PAY_LINK = "PAY_LINK"  # the edit commits; the customer pays a BALANCE_DUE link later
