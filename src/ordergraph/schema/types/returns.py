from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.refunds import Refund, RefundBreakdown
from ordergraph.domain.returns import Return
from ordergraph.schema.context import Info
from ordergraph.schema.enums import RefundStatus, ReturnReason, ReturnStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.exchange import ExchangeType
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.node import Node


@strawberry.type(name="ReturnLine")
class ReturnLineType:
    id: strawberry.ID
    order_line_id: strawberry.ID
    sku: str
    quantity: int
    reason: ReturnReason
    note: str | None
    received_quantity: int
    restocked_quantity: int
    discarded_quantity: int


@strawberry.type(name="ReturnLabel", description="How the parcel comes back to us.")
class ReturnLabelType:
    carrier: str | None
    tracking_number: str | None
    url: str | None
    instructions: str | None


@strawberry.type(name="Return", description="A return (RMA).")
class ReturnType(Node):
    pk: strawberry.Private[int]
    number: str
    status: ReturnStatus
    lines: list[ReturnLineType]
    note: str | None
    label: ReturnLabelType
    requested_by: str
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def from_domain(cls, rma: Return) -> ReturnType:
        assert rma.id is not None
        return cls(
            id=strawberry.ID(encode_id("Return", rma.id)),
            pk=rma.id,
            number=rma.number,
            status=rma.status,
            lines=[
                ReturnLineType(
                    id=strawberry.ID(encode_id("ReturnLine", line.id or 0)),
                    order_line_id=strawberry.ID(encode_id("OrderLine", line.order_line_id)),
                    sku=line.sku,
                    quantity=line.quantity,
                    reason=line.reason,
                    note=line.note,
                    received_quantity=line.received_quantity,
                    restocked_quantity=line.restocked_quantity,
                    discarded_quantity=line.discarded_quantity,
                )
                for line in rma.lines
            ],
            note=rma.note,
            label=ReturnLabelType(
                carrier=rma.label.carrier,
                tracking_number=rma.label.tracking_number,
                url=rma.label.url,
                instructions=rma.label.instructions,
            ),
            requested_by=rma.requested_by,
            rejection_reason=rma.rejection_reason,
            created_at=rma.created_at,
            updated_at=rma.updated_at,
            decided_at=rma.decided_at,
            received_at=rma.received_at,
            refunded_at=rma.refunded_at,
        )

    @strawberry.field(description="The exchange this return belongs to, else null.")
    async def exchange(self, info: Info) -> ExchangeType | None:
        found = await info.context.loaders.exchange_by_return_id.load(self.pk)
        return ExchangeType.from_domain(found) if found else None


@strawberry.type(name="RefundLine")
class RefundLineType:
    order_line_id: strawberry.ID
    quantity: int
    amount: MoneyType


@strawberry.type(
    name="RefundBreakdown",
    description="What a refund pays back, line by line; total never exceeds refundableBefore.",
)
class RefundBreakdownType:
    lines: list[RefundLineType]
    shipping: MoneyType
    appeasement: MoneyType
    adjustment: MoneyType = strawberry.field(
        description="Zero or negative: what a full refund gave up to stay within what is left."
    )
    total: MoneyType
    refundable_before: MoneyType = strawberry.field(
        description="Captured minus already refunded (or pending), before this refund."
    )

    @classmethod
    def from_domain(cls, b: RefundBreakdown) -> RefundBreakdownType:
        return cls(
            lines=[
                RefundLineType(
                    order_line_id=strawberry.ID(encode_id("OrderLine", line.order_line_id)),
                    quantity=line.quantity,
                    amount=MoneyType.from_domain(line.amount),
                )
                for line in b.lines
            ],
            shipping=MoneyType.from_domain(b.shipping),
            appeasement=MoneyType.from_domain(b.appeasement),
            adjustment=MoneyType.from_domain(b.adjustment),
            total=MoneyType.from_domain(b.total),
            refundable_before=MoneyType.from_domain(b.refundable_before),
        )


@strawberry.type(name="Refund")
class RefundType(Node):
    status: RefundStatus
    reason: str | None
    breakdown: RefundBreakdownType
    total: MoneyType
    return_id: strawberry.ID | None
    gateway_reference: str | None
    error: str | None
    created_by: str
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_domain(cls, refund: Refund) -> RefundType:
        assert refund.id is not None
        return cls(
            id=strawberry.ID(encode_id("Refund", refund.id)),
            status=refund.status,
            reason=refund.reason,
            breakdown=RefundBreakdownType.from_domain(refund.breakdown),
            total=MoneyType.from_domain(refund.breakdown.total),
            return_id=(
                strawberry.ID(encode_id("Return", refund.return_id)) if refund.return_id else None
            ),
            gateway_reference=refund.gateway_reference,
            error=refund.error,
            created_by=refund.created_by,
            created_at=refund.created_at,
            completed_at=refund.completed_at,
        )
