"""The change-set engine: ``editOrder`` and ``cancelOrderLines`` run here; ``createExchange``
(``services.exchanges``) is built from the same parts — the change record of a new version, the
dry run as the same transaction rolled back, money taken first and given back by
``change_payment``, ``run_command``'s keys — around a return and a replacement order.

A change set is planned (``domain.order_changes.plan_changes``), priced (``change_pricing``),
its stock moved (``change_stock``) and the order saved with a new version and a numbered change
record — all in one transaction. The dry run is the same transaction rolled back, so a preview
can never disagree with the real thing. Money follows ``money_action``:

- a higher total on a paid or authorized order is taken first (a sale of the difference, or a
  new hold for what is left to capture), with the ``paymentToken`` given; declined → nothing
  changes (``PAYMENT_DECLINED``); no token → ``PAYMENT_REQUIRED`` with the amount;
- a lower total on a paid order is refunded after the change commits (a failed refund stays
  FAILED, to be retried with ``refundOrder``); on an authorized one later captures simply take
  less.
If the change cannot commit after money was taken, that money is given back at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import Conflict, VersionConflict
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import (
    Change,
    ChangeKind,
    ChangePlan,
    LineNotEditable,
    LineState,
    MoneyAction,
    check_editable,
    line_states,
    money_action,
    plan_changes,
)
from ordergraph.domain.order_pricing import price_details
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.payment_links import PayLinkNotPossible, PaymentCollection
from ordergraph.domain.ports import OrderChangeRecord, UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.promises import Lane, promise_from
from ordergraph.services.change_payment import Taken, give_back, settle_after, take_money
from ordergraph.services.change_pricing import reprice
from ordergraph.services.change_shipping import MethodChange, change_shipping_method, summarize
from ordergraph.services.change_stock import StockMove, held_units, move_stock
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_to_act, publish
from ordergraph.services.payment_links import open_balance_due

MakeChanges = Callable[[Sequence[LineState]], Sequence[Change]]


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Money
    discount: Money
    tax: Money
    shipping: Money
    total: Money

    @classmethod
    def of(cls, order: Order) -> Totals:
        return cls(
            order.subtotal,
            order.discount_total,
            order.tax_total,
            order.shipping_charged,
            order.total,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "subtotal": self.subtotal.minor_units,
            "discount": self.discount.minor_units,
            "tax": self.tax.minor_units,
            "shipping": self.shipping.minor_units,
            "total": self.total.minor_units,
        }


@dataclass(frozen=True, slots=True)
class ChangeResult:
    order: Order
    kind: ChangeKind
    before: Totals
    after: Totals
    moves: tuple[StockMove, ...]
    diff: list[dict[str, Any]]
    routing: dict[str, Any]
    promised_delivery_at: datetime | None
    money: MoneyAction
    dry_run: bool
    number: int | None = None  # the change's number on the order; None on a dry run
    version_before: int = 0
    shipping_method: dict[str, Any] | None = None  # {before, after} when the change set it
    pay_link_url: str | None = None  # collectPayment PAY_LINK: where the balance is paid

    @property
    def difference(self) -> Money:
        return self.after.total - self.before.total


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    kind: ChangeKind
    order_id: int
    make_changes: MakeChanges
    expected_version: int | None = None
    reason: str | None = None
    payment_token: str | None = None
    notify_customer: bool = True
    fingerprint: dict[str, Any] | None = None  # the request, for idempotency
    collect: PaymentCollection = PaymentCollection.PAYMENT_TOKEN
    base_url: str = ""  # for the pay link's URL (collect PAY_LINK)


async def _apply_in(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    request: ChangeRequest,
    *,
    dry_run: bool,
    taken: Taken | None = None,
) -> ChangeResult:
    now = deps.clock.now()
    order = await load_order_to_act(uow, request.order_id, actor)
    assert order.id is not None
    if request.expected_version is not None and order.version != request.expected_version:
        raise VersionConflict(
            f"order {order.number} is at version {order.version}, not {request.expected_version}",
            current_version=order.version,
            field=["expectedVersion"],
        )
    check_editable(order.number, order.status)
    version_before = order.version
    fulfillments = await uow.fulfillments.for_order(order.id)
    locked, shipped = held_units(fulfillments)
    states = line_states(
        [(line.id or 0, line.sku, line.quantity) for line in order.lines], locked, shipped
    )
    plan = plan_changes(states, request.make_changes(states))
    before = Totals.of(order)
    repriced = await reprice(uow, deps, order, plan, now)
    line_ids = await _store_lines(uow, order, plan, repriced.lines)
    stock = await move_stock(uow, order, plan, line_ids, fulfillments, actor, now, repriced.address)
    await _drop_removed(uow, plan)
    method = await change_shipping_method(uow, deps, order, plan, repriced, stock.warehouses, now)
    if method is not None:
        repriced = method.repriced
    order.lines = repriced.lines
    order.shipping_discount = repriced.breakdown.shipping.discount
    order.shipping_tax = repriced.breakdown.shipping.tax
    if plan.address is not None:
        order.shipping_address = plan.address
        await uow.order_changes.set_address(order.id, plan.address)
    order.promised_delivery_at = _promise(deps, order, stock.warehouses, plan, now, method)
    order.routing = stock.routing
    await uow.order_changes.set_routing(order.id, stock.routing)
    await uow.order_changes.clear_price_details(order.id)
    await uow.orders.add_price_details(order.id, price_details(order.lines, repriced.breakdown))
    after = Totals.of(order)
    difference = after.total - before.total
    action = money_action(order.payment_status, difference.minor_units)
    if taken is not None and taken.amount_for(order, action, difference) is None:
        raise Conflict("the order changed while the payment was taken; nothing was changed")
    order.updated_at = now
    order.version += 1
    if plan.everything_shipped and order.status is OrderStatus.PARTIALLY_SHIPPED:
        order.shipped(True, now, actor.actor)  # the last open units were cancelled
    result = ChangeResult(
        order,
        request.kind,
        before,
        after,
        stock.moves,
        plan.diff(),
        stock.routing,
        order.promised_delivery_at,
        action,
        dry_run,
        version_before=version_before,
        shipping_method=method.as_dict() if method is not None else None,
    )
    if dry_run:
        return result
    record = await uow.order_changes.add(
        OrderChangeRecord(
            order_id=order.id,
            number=0,
            kind=request.kind,
            order_version=order.version,
            diff=plan.diff(),
            summary=_summary(result),
            difference=difference,
            reason=request.reason,
            actor=actor.actor,
            created_at=now,
        )
    )
    if taken is not None:
        await uow.payments.save(replace(taken.transaction, settled_at=now))
    for fulfillment_id in stock.created_fulfillments:
        order.record("fulfillment.created", actor.actor, {"fulfillmentId": fulfillment_id})
    event_type, event_actor, payload = _event(request, record, result)
    order.record(event_type, event_actor, payload)
    url = None
    if taken is None and _by_link(request, action):
        mail = payload if request.notify_customer else None
        url = await open_balance_due(
            uow, deps, order, difference, base_url=request.base_url, mail=mail
        )
    await uow.orders.save(order)
    publish(uow, order)
    return replace(result, number=record.number, pay_link_url=url)


def _by_link(request: ChangeRequest, money: MoneyAction) -> bool:
    """True when the difference is left to a BALANCE_DUE link instead of charged now."""
    if request.collect is not PaymentCollection.PAY_LINK:
        return False
    if money is MoneyAction.AUTHORIZE:
        # a sale through a link beside the hold would be captured again with the new total
        raise PayLinkNotPossible(
            "the order's payment is authorized, not captured: give a paymentToken for a new "
            "hold, or capture the payment first",
            field=["collectPayment"],
        )
    return money is MoneyAction.CHARGE


def _event(
    request: ChangeRequest, record: OrderChangeRecord, result: ChangeResult
) -> tuple[str, str, dict[str, Any]]:
    payload: dict[str, Any] = {
        "changeId": record.id,
        "changeNumber": record.number,
        "kind": request.kind.value,
        "version": record.order_version,
        "lines": [{**d, "quantity": int(d["before"]) - int(d["after"])} for d in record.diff]
        if request.kind is ChangeKind.CANCELLATION
        else record.diff,
        "differenceMinor": result.difference.minor_units,
        "total": str(result.after.total.amount),
        "reason": request.reason,
        "summary": [f"{d['sku']}: {d['before']} → {d['after']}" for d in record.diff],
    }
    if result.shipping_method is not None:
        payload["shippingMethod"] = result.shipping_method
        payload["summary"].append(summarize(result.shipping_method))
    kind = "order.lines_cancelled" if request.kind is ChangeKind.CANCELLATION else "order.edited"
    return kind, record.actor, payload


def _summary(result: ChangeResult) -> dict[str, Any]:
    return {
        "before": result.before.as_dict(),
        "after": result.after.as_dict(),
        "stock": [m.as_dict() for m in result.moves],
        "money": result.money.value,
        "promisedDeliveryAt": (
            result.promised_delivery_at.isoformat() if result.promised_delivery_at else None
        ),
        **({"shippingMethod": result.shipping_method} if result.shipping_method else {}),
    }


async def _store_lines(
    uow: UnitOfWork, order: Order, plan: ChangePlan, lines: list[Any]
) -> dict[str, int]:
    """Insert new lines, update kept ones; SKU → line id for every line in the plan."""
    assert order.id is not None
    ids = {line.sku: line.line_id for line in plan.lines if line.line_id is not None}
    for line in lines:
        if line.id is None:
            line.id = await uow.order_changes.add_line(order.id, line)
            ids[line.sku] = line.id
        else:
            await uow.order_changes.update_line(line)
    return ids


async def _drop_removed(uow: UnitOfWork, plan: ChangePlan) -> None:
    for line in plan.lines:
        if line.line_id is not None and line.after == 0:
            if await uow.order_changes.line_referenced(line.line_id):
                raise LineNotEditable(
                    f"{line.sku} has been shipped, returned or refunded: it stays on the order",
                    field=["changes"],
                )
            await uow.order_changes.delete_line(line.line_id)


def _promise(
    deps: Deps,
    order: Order,
    warehouses: Sequence[Any],
    plan: ChangePlan,
    now: datetime,
    method: MethodChange | None = None,
) -> datetime | None:
    """A new promise only when the order ships from somewhere new or to somewhere new; never
    earlier than the one given — unless the change sets the shipping method: then the promise
    is the new option's window, as placeOrder would give it."""
    if method is not None:
        return method.after.window.latest
    old = order.promised_delivery_at
    before = {a.get("warehouse_id") for a in (order.routing or {}).get("allocations", [])}
    if plan.address is None and {w.id for w in warehouses} <= before:
        return old
    address = plan.address or order.shipping_address
    new = promise_from(
        now,
        (Lane(w.region, w.country_code) for w in warehouses),
        Lane(address.region, address.country_code),
        deps.policy.transit,
        deps.policy.handling_time,
    )
    return max(new, old) if old is not None else new


async def _recall(
    uow: UnitOfWork, preview: ChangeResult, remembered: dict[str, Any]
) -> ChangeResult:
    """The answer to a replayed request: the change it made, the order as it is now."""
    assert preview.order.id is not None
    order = await uow.orders.get(preview.order.id)
    assert order is not None
    number = remembered.get("number")
    for record in await uow.order_changes.for_order(preview.order.id):
        if record.number == number:
            return _from_record(order, record)
    return replace(preview, order=order, dry_run=False, number=number)


def _from_record(order: Order, record: OrderChangeRecord) -> ChangeResult:
    summary = record.summary
    currency = record.difference.currency

    def totals(d: dict[str, int]) -> Totals:
        return Totals(
            *(Money(d[k], currency) for k in ("subtotal", "discount", "tax", "shipping", "total"))
        )

    return ChangeResult(
        order,
        record.kind,
        totals(summary["before"]),
        totals(summary["after"]),
        tuple(StockMove(m["sku"], m["warehouseId"], m["delta"]) for m in summary["stock"]),
        record.diff,
        order.routing or {},
        order.promised_delivery_at,
        MoneyAction(summary["money"]),
        False,
        number=record.number,
        version_before=record.order_version - 1,
        shipping_method=summary.get("shippingMethod"),
    )


async def run_change(
    deps: Deps,
    actor: Principal,
    request: ChangeRequest,
    *,
    dry_run: bool,
    idempotency_key: str | None = None,
) -> ChangeResult:
    """Preview the change set; unless ``dry_run``, settle the money it needs and commit it."""
    async with deps.uow() as uow:  # the preview: the real change, rolled back
        preview = await _apply_in(uow, deps, actor, request, dry_run=True)
        await uow.rollback()
    if dry_run:  # the order as it stands: the preview's is the one it would become
        async with deps.uow() as uow:
            current = await uow.orders.get(request.order_id)
        assert current is not None
        return replace(preview, order=current)
    if idempotency_key is not None:
        async with deps.uow() as uow:  # a replay answers before any money moves again
            record = await uow.idempotency.get(actor.idempotency_scope, idempotency_key)
        if record is not None:
            return await run_command(
                deps,
                actor,
                operation=f"changeOrder:{request.kind.value}",
                request=request.fingerprint or {"order": request.order_id},
                run=lambda uow: _apply_in(uow, deps, actor, request, dry_run=False),
                remember=lambda r: {"number": r.number},
                recall=lambda uow, remembered: _recall(uow, preview, remembered),
                idempotency_key=idempotency_key,
            )
    by_link = _by_link(request, preview.money)
    taken = None if by_link else await take_money(deps, actor, preview, request.payment_token)
    # money was taken for the order as previewed: it must still be that order (else CONFLICT,
    # and the money goes back); without money the change is simply planned again from fresh
    locked = replace(request, expected_version=preview.version_before) if taken else request

    async def run(uow: UnitOfWork) -> ChangeResult:
        return await _apply_in(uow, deps, actor, locked, dry_run=False, taken=taken)

    async def recall(uow: UnitOfWork, remembered: dict[str, Any]) -> ChangeResult:
        return await _recall(uow, preview, remembered)

    try:
        result = await run_command(
            deps,
            actor,
            operation=f"changeOrder:{request.kind.value}",
            request=request.fingerprint or {"order": request.order_id},
            run=run,
            remember=lambda r: {"number": r.number},
            recall=recall,
            idempotency_key=idempotency_key,
        )
    except Exception:
        if taken is not None:
            await give_back(deps, taken)
        raise
    return await settle_after(deps, actor, result, taken)
