"""``editOrder`` and ``cancelOrderLines``: both run the change-set engine."""

from __future__ import annotations

import strawberry

from ordergraph.resolvers.common import attempt, deps_of, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.order_change_io import (
    CancelOrderLinesInput,
    CancelOrderLinesPayload,
    EditOrderInput,
    EditOrderPayload,
    OrderEditChangeInput,
)
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.order_edit import OrderEditType
from ordergraph.services import order_edits
from ordergraph.services.change_sets import ChangeResult
from ordergraph.services.order_edits import EditInput


def _edit_input(i: int, change: OrderEditChangeInput) -> EditInput:
    at = ["changes", str(i)]
    if change.add_line:
        return EditInput(add_sku=change.add_line.sku, add_quantity=change.add_line.quantity)
    if change.remove_line:
        line = input_id(change.remove_line.order_line_id, "OrderLine", [*at, "removeLine"])
        return EditInput(remove_line_id=line)
    if change.set_quantity:
        line = input_id(change.set_quantity.order_line_id, "OrderLine", [*at, "setQuantity"])
        return EditInput(set_line_id=line, set_quantity=change.set_quantity.quantity)
    if change.set_shipping_method:
        return EditInput(shipping_option_id=change.set_shipping_method.shipping_option_id)
    assert change.set_shipping_address  # @oneOf: exactly one is set
    return EditInput(address=change.set_shipping_address.to_fields())


def _payload_parts(
    result: ChangeResult | None, reason: str | None
) -> tuple[OrderType | None, OrderEditType | None]:
    if result is None:
        return None, None
    return OrderType.from_domain(result.order), OrderEditType.from_result(result, reason)


@strawberry.type
class OrderChangeMutation:
    @strawberry.mutation(
        description="Change an order not fully picked: add or remove lines, set quantities, "
        "set the shipping address or method. Only the changed units move; the difference is "
        "charged, held or refunded; a dry run shows all of it and changes nothing. Needs "
        "orders:write."
    )
    async def edit_order(self, info: Info, input: EditOrderInput) -> EditOrderPayload:
        actor = authenticated(info)

        async def run() -> ChangeResult:
            order_id = input_id(input.order_id, "Order", ["orderId"])
            changes = [_edit_input(i, c) for i, c in enumerate(input.changes)]
            return await order_edits.edit_order(
                deps_of(info, input.notify_customer),
                actor,
                order_id=order_id,
                changes=changes,
                expected_version=input.expected_version,
                dry_run=input.dry_run,
                payment_token=input.payment_token,
                reason=input.reason,
                notify_customer=input.notify_customer,
                idempotency_key=input.idempotency_key,
                collect=input.collect_payment,
                base_url=info.context.public_base_url,
            )

        result, errors = await attempt(run)
        order, edit = _payload_parts(result, input.reason)
        url = result.pay_link_url if result is not None else None
        return EditOrderPayload(order=order, edit=edit, pay_link_url=url, user_errors=errors)

    @strawberry.mutation(
        description="Cancel units not yet picked; the rest of the order goes ahead. A paid "
        "order is refunded their share (tax included; shipping is kept), an authorized one "
        "captures less later. Needs orders:write."
    )
    async def cancel_order_lines(
        self, info: Info, input: CancelOrderLinesInput
    ) -> CancelOrderLinesPayload:
        actor = authenticated(info)

        async def run() -> ChangeResult:
            order_id = input_id(input.order_id, "Order", ["orderId"])
            lines = [
                (
                    input_id(line.order_line_id, "OrderLine", ["lines", str(i), "orderLineId"]),
                    line.quantity,
                )
                for i, line in enumerate(input.lines)
            ]
            return await order_edits.cancel_order_lines(
                deps_of(info, input.notify_customer),
                actor,
                order_id=order_id,
                lines=lines,
                reason=input.reason,
                expected_version=input.expected_version,
                dry_run=input.dry_run,
                notify_customer=input.notify_customer,
                idempotency_key=input.idempotency_key,
            )

        result, errors = await attempt(run)
        order, edit = _payload_parts(result, input.reason)
        return CancelOrderLinesPayload(order=order, edit=edit, user_errors=errors)
