"""Returns (RMAs): what a customer sends back, the policy that allows it, and receiving it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ordergraph.domain.errors import DomainError, InvalidInput


class ReturnStatus(enum.StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"


class ReturnReason(enum.StrEnum):
    DAMAGED = "DAMAGED"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"
    SIZE_FIT = "SIZE_FIT"
    OTHER = "OTHER"


class ReturnDisposition(enum.StrEnum):
    RESTOCK = "RESTOCK"  # back into on-hand stock, sellable again
    DISCARD = "DISCARD"  # written off


TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.REJECTED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.REJECTED: frozenset(),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED}),
    ReturnStatus.REFUNDED: frozenset(),
}


class IllegalReturnTransition(DomainError):
    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: ReturnStatus, wanted: ReturnStatus) -> None:
        super().__init__(
            f"return is {current.value} and cannot become {wanted.value}", field=["returnId"]
        )


class ReturnNotAllowed(DomainError):
    """The return policy refuses this line; ``code`` says which rule."""

    def __init__(self, message: str, *, code: str, field: list[str]) -> None:
        super().__init__(message, field=field)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    window_days: int = 30
    auto_approve: frozenset[ReturnReason] = frozenset(
        {ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM}
    )


@dataclass(frozen=True, slots=True)
class Returnable:
    """How many units of an order line may still come back, and until when."""

    order_line_id: int
    sku: str
    delivered: int
    already_returned: int  # requested in returns that were not rejected
    returnable_product: bool
    window_ends_at: datetime | None  # None: nothing delivered yet


@dataclass(frozen=True, slots=True)
class RequestedReturnLine:
    order_line_id: int
    quantity: int
    reason: ReturnReason
    note: str | None = None


@dataclass(slots=True)
class ReturnLine:
    id: int | None
    order_line_id: int
    sku: str
    quantity: int
    reason: ReturnReason
    note: str | None
    received_quantity: int = 0
    restocked_quantity: int = 0
    discarded_quantity: int = 0

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity


@dataclass(slots=True)
class ReturnLabel:
    carrier: str | None = None
    tracking_number: str | None = None
    url: str | None = None
    instructions: str | None = None


@dataclass(slots=True)
class Return:
    id: int | None
    order_id: int
    number: str
    status: ReturnStatus
    lines: list[ReturnLine]
    note: str | None
    requested_by: str
    created_at: datetime
    updated_at: datetime
    label: ReturnLabel = field(default_factory=ReturnLabel)
    decided_at: datetime | None = None
    received_at: datetime | None = None
    refunded_at: datetime | None = None
    rejection_reason: str | None = None

    def _move(self, wanted: ReturnStatus, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise IllegalReturnTransition(self.status, wanted)
        self.status = wanted
        self.updated_at = now

    def approve(self, now: datetime) -> None:
        self._move(ReturnStatus.APPROVED, now)
        self.decided_at = now

    def reject(self, reason: str | None, now: datetime) -> None:
        self._move(ReturnStatus.REJECTED, now)
        self.decided_at = now
        self.rejection_reason = reason

    def receive(self, receipts: Mapping[int, tuple[int, ReturnDisposition]], now: datetime) -> None:
        """Record units that arrived (line id → (units, disposition)); RECEIVED when all did."""
        if self.status is not ReturnStatus.APPROVED:
            raise IllegalReturnTransition(self.status, ReturnStatus.RECEIVED)
        by_id = {line.id: line for line in self.lines}
        for index, (line_id, (units, _)) in enumerate(receipts.items()):
            line = by_id.get(line_id)
            if line is None:
                raise InvalidInput(
                    "is not a line of this return",
                    field=["lines", str(index), "returnLineId"],
                    code="NOT_FOUND",
                )
            if not 1 <= units <= line.outstanding:
                raise InvalidInput(
                    f"must be between 1 and the {line.outstanding} still expected",
                    field=["lines", str(index), "quantity"],
                    code="INVALID_QUANTITY",
                )
        for line_id, (units, disposition) in receipts.items():
            line = by_id[line_id]
            line.received_quantity += units
            if disposition is ReturnDisposition.RESTOCK:
                line.restocked_quantity += units
            else:
                line.discarded_quantity += units
        self.updated_at = now
        if all(line.outstanding == 0 for line in self.lines):
            self._move(ReturnStatus.RECEIVED, now)
            self.received_at = now

    def refunded(self, now: datetime) -> None:
        self._move(ReturnStatus.REFUNDED, now)
        self.refunded_at = now


def check_return(
    requested: list[RequestedReturnLine],
    returnable: Mapping[int, Returnable],
    now: datetime,
) -> None:
    """Apply the policy to every requested line; the first violation is raised."""
    if not requested:
        raise InvalidInput("a return needs at least one line", field=["lines"], code="REQUIRED")
    if len(requested) > 250:
        raise InvalidInput("at most 250 lines", field=["lines"], code="TOO_MANY_LINES")
    wanted: dict[int, int] = {}
    for index, line in enumerate(requested):
        at = ["lines", str(index)]
        info = returnable.get(line.order_line_id)
        if info is None:
            raise InvalidInput(
                "is not a line of this order", field=[*at, "orderLineId"], code="NOT_FOUND"
            )
        if not info.returnable_product:
            raise ReturnNotAllowed(
                f"{info.sku} cannot be returned", code="NOT_RETURNABLE", field=[*at, "orderLineId"]
            )
        if info.delivered == 0 or info.window_ends_at is None:
            raise ReturnNotAllowed(
                f"{info.sku} has not been delivered",
                code="NOT_DELIVERED",
                field=[*at, "orderLineId"],
            )
        if now > info.window_ends_at:
            raise ReturnNotAllowed(
                f"the return window for {info.sku} closed on {info.window_ends_at.date()}",
                code="RETURN_WINDOW_CLOSED",
                field=[*at, "orderLineId"],
            )
        if line.quantity < 1:
            raise InvalidInput(
                "must be at least 1", field=[*at, "quantity"], code="INVALID_QUANTITY"
            )
        wanted[line.order_line_id] = wanted.get(line.order_line_id, 0) + line.quantity
        left = info.delivered - info.already_returned
        if wanted[line.order_line_id] > left:
            raise ReturnNotAllowed(
                f"only {left} of {info.sku} can still be returned",
                code="RETURN_QUANTITY_EXCEEDED",
                field=[*at, "quantity"],
            )


def window_end(delivered_at: datetime, policy: ReturnPolicy) -> datetime:
    return delivered_at + timedelta(days=policy.window_days)
