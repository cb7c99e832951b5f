"""Return and refund mutations."""

from __future__ import annotations

import strawberry

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.returns import RequestedReturnLine, ReturnLabel
from ordergraph.domain.validation import optional_text
from ordergraph.resolvers.common import attempt, deps_of, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.returns_io import (
    ReceiveReturnInput,
    RefundOrderInput,
    RefundOrderPayload,
    RequestReturnInput,
    RequestReturnPayload,
    ReturnInput,
    ReturnLineInput,
    ReturnPayload,
)
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.returns import RefundBreakdownType, RefundType, ReturnType
from ordergraph.services import refunds, returns
from ordergraph.services.returns import Receipt, ReturnOutcome

MAX_LINES = 250


def requested_return_lines(lines: list[ReturnLineInput], at: str) -> list[RequestedReturnLine]:
    """Return lines of an input (requestReturn, createExchange); errors point into ``at``."""
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", field=[at], code="TOO_MANY_LINES")
    return [
        RequestedReturnLine(
            input_id(line.order_line_id, "OrderLine", [at, str(i), "orderLineId"]),
            line.quantity,
            line.reason,
            line.note,
        )
        for i, line in enumerate(lines)
    ]


def _payload(outcome: ReturnOutcome | None, errors: list[UserError]) -> ReturnPayload:
    if outcome is None:
        return ReturnPayload(user_errors=errors)
    return ReturnPayload(
        return_=ReturnType.from_domain(outcome.rma), order=OrderType.from_domain(outcome.order)
    )


@strawberry.type
class ReturnsMutation:
    @strawberry.mutation(
        description="Ask to send delivered units back (staff, or the customer who owns the "
        "order). Policy: within the return window, returnable products, no more than delivered "
        "minus already returned. Some reasons are approved at once."
    )
    async def request_return(self, info: Info, input: RequestReturnInput) -> RequestReturnPayload:
        actor = authenticated(info)

        async def run() -> ReturnOutcome:
            return await returns.request_return(
                info.context.deps,
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                lines=requested_return_lines(input.lines, "lines"),
                note=input.note,
                idempotency_key=input.idempotency_key,
            )

        done, errors = await attempt(run)
        if done is None:
            return RequestReturnPayload(user_errors=errors)
        return RequestReturnPayload(
            return_=ReturnType.from_domain(done.rma), order=OrderType.from_domain(done.order)
        )

    @strawberry.mutation(description="REQUESTED → APPROVED, with an optional return label.")
    async def approve_return(self, info: Info, input: ReturnInput) -> ReturnPayload:
        actor = authenticated(info)

        async def run() -> ReturnOutcome:
            label = None
            if input.label is not None:
                given = input.label
                label = ReturnLabel(
                    optional_text(given.carrier, ["label", "carrier"], max_length=100),
                    optional_text(
                        given.tracking_number, ["label", "trackingNumber"], max_length=100
                    ),
                    optional_text(given.url, ["label", "url"], max_length=500),
                    optional_text(given.instructions, ["label", "instructions"], max_length=2000),
                )
            return await returns.approve_return(
                deps_of(info, input.notify_customer),
                actor,
                return_id=input_id(input.return_id, "Return", ["returnId"]),
                label=label,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(description="REQUESTED → REJECTED, with a reason.")
    async def reject_return(self, info: Info, input: ReturnInput) -> ReturnPayload:
        actor = authenticated(info)

        async def run() -> ReturnOutcome:
            return await returns.reject_return(
                deps_of(info, input.notify_customer),
                actor,
                return_id=input_id(input.return_id, "Return", ["returnId"]),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Record units that arrived: RESTOCK (back on hand, RESTOCK movement) or "
        "DISCARD (WRITE_OFF movement). Partial receipts are fine; RECEIVED when all arrived."
    )
    async def receive_return(self, info: Info, input: ReceiveReturnInput) -> ReturnPayload:
        actor = authenticated(info)

        async def run() -> ReturnOutcome:
            if len(input.lines) > MAX_LINES:
                raise InvalidInput("at most 250 lines", field=["lines"], code="TOO_MANY_LINES")
            receipts = [
                Receipt(
                    input_id(line.return_line_id, "ReturnLine", ["lines", str(i), "returnLineId"]),
                    line.quantity,
                    line.disposition,
                    input_id(line.warehouse_id, "Warehouse", ["lines", str(i), "warehouseId"])
                    if line.warehouse_id is not None
                    else None,
                )
                for i, line in enumerate(input.lines)
            ]
            return await returns.receive_return(
                deps_of(info, input.notify_customer),
                actor,
                return_id=input_id(input.return_id, "Return", ["returnId"]),
                receipts=receipts,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Refund lines, shipping, a received return or a free amount through the "
        "payment gateway; never more than captured minus refunded. dryRun: true only shows "
        "the breakdown."
    )
    async def refund_order(self, info: Info, input: RefundOrderInput) -> RefundOrderPayload:
        actor = authenticated(info)

        async def run() -> refunds.RefundResult:
            lines: dict[int, int] = {}
            for i, line in enumerate(input.lines or []):
                key = input_id(line.order_line_id, "OrderLine", ["lines", str(i), "orderLineId"])
                lines[key] = lines.get(key, 0) + line.quantity
            appeasement = (
                Money.parse(input.appeasement.amount, input.appeasement.currency, ["appeasement"])
                if input.appeasement is not None
                else None
            )
            return await refunds.refund_order(
                deps_of(info, input.notify_customer),
                actor,
                order_id=input_id(input.order_id, "Order", ["orderId"]),
                lines=lines,
                shipping=input.shipping,
                appeasement=appeasement,
                return_id=(
                    input_id(input.return_id, "Return", ["returnId"]) if input.return_id else None
                ),
                reason=input.reason,
                dry_run=input.dry_run,
                idempotency_key=input.idempotency_key,
            )

        done, errors = await attempt(run)
        if done is None:
            return RefundOrderPayload(user_errors=errors)
        return RefundOrderPayload(
            refund=RefundType.from_domain(done.refund) if done.refund else None,
            breakdown=RefundBreakdownType.from_domain(done.breakdown),
            order=OrderType.from_domain(done.order),
        )
