"""Use cases for capturing an order: price it, reserve its stock, route it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from ordergraph.domain.customers import AddressFields
from ordergraph.domain.discounts import customer_key
from ordergraph.domain.errors import NotFound
from ordergraph.domain.order_pricing import price_details
from ordergraph.domain.orders import Channel, Order, OrderStatus, PaymentStatus, RequestedLine
from ordergraph.domain.ports import RetryableConflict, StoredAllocation, UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.routing import Allocation, RoutingPlan
from ordergraph.services import stock_ledger
from ordergraph.services.checkout import Capture, order_email, validate_capture
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.discounts import take_uses
from ordergraph.services.order_support import publish
from ordergraph.services.pricing import price_order


class ReservationLost(RetryableConflict):
    """Stock seen in the snapshot was taken before our UPDATE: plan again from fresh numbers."""


async def reserve_plan(
    uow: UnitOfWork, plan: RoutingPlan, actor: Principal, reference: str, now: datetime
) -> list[Allocation]:
    """Reserve the plan's allocations through the stock ledger in a fixed (sku, warehouse)
    order, so concurrent writers never deadlock on each other; ``ReservationLost`` when a
    level no longer has the units. Returns the allocations in that order."""
    allocations = sorted(plan.allocations, key=lambda a: (a.sku, a.warehouse_id))
    for a in allocations:
        if not await stock_ledger.reserve(
            uow,
            sku=a.sku,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            actor=actor.actor,
            reference=reference,
            now=now,
        ):
            raise ReservationLost(f"{a.sku} at warehouse {a.warehouse_id}")
    return allocations


async def reserve_stock(
    uow: UnitOfWork, order: Order, plan: RoutingPlan, actor: Principal, now: datetime
) -> None:
    """Reserve the plan's allocations for the stored order, and remember them on it."""
    assert order.id is not None
    line_ids = {line.sku: line.id for line in order.lines}
    reserved = await reserve_plan(uow, plan, actor, f"order:{order.number}", now)
    await uow.orders.add_allocations(
        order.id, [StoredAllocation(line_ids[a.sku] or 0, a) for a in reserved]
    )


def routing_explanation(plan: RoutingPlan) -> dict[str, Any]:
    return {
        "candidates": [asdict(c) for c in plan.candidates],
        "allocations": [asdict(a) for a in plan.allocations],
    }


async def capture_order(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    capture: Capture,
    shipping_option_id: str | None = None,
    placed_details: Mapping[str, Any] | None = None,
) -> Order:
    """Price, record, reserve and route a checked capture inside the caller's transaction.

    ``place_order`` runs it as one keyed command; an exchange or a draft completion runs it
    beside its own writes, so the new order and those writes commit together or not at all.
    ``placed_details`` join the ``order.placed`` payload (a draft completion: its draftOrderId)."""
    now = deps.clock.now()
    priced = await price_order(uow, deps, capture, now, shipping_option_id)
    contact = await order_email(uow, capture)
    address, plan, option = capture.address, priced.plan, priced.option
    order = Order(
        id=None,
        number=await uow.orders.next_number(),
        status=OrderStatus.PLACED,
        payment_status=PaymentStatus.PENDING,
        channel=capture.channel,
        customer_id=capture.customer_id,
        email=contact or "",
        contact_name=capture.name or address.name,
        phone=capture.phone or address.phone,
        currency=priced.currency,
        lines=priced.lines,
        shipping_total=priced.shipping_total,
        shipping_discount=priced.breakdown.shipping.discount,
        shipping_tax=priced.breakdown.shipping.tax,
        prices_include_tax=priced.breakdown.inclusive,
        tax_policy=priced.tax_policy.value,
        market_id=priced.market.id,
        shipping_address=address,
        placed_by=actor.actor,
        locale=capture.locale,
        timezone=capture.timezone,
        placed_by_token_id=actor.token_id,
        sales_rep=capture.sales_rep,
        created_at=now,
        updated_at=now,
        expires_at=now + deps.policy.unpaid_ttl,
        routing=routing_explanation(plan),
        promised_delivery_at=priced.promised_delivery_at,
    )
    await uow.orders.add(order)
    assert order.id is not None
    await uow.orders.add_price_details(order.id, price_details(order.lines, priced.breakdown))
    if priced.discounts:
        await take_uses(
            uow,
            discounts=priced.discounts,
            order_id=order.id,
            customer_key=customer_key(order.customer_id, order.email),
            now=now,
        )
    await reserve_stock(uow, order, plan, actor, now)
    if option is not None:
        await uow.carrier_services.record_order_option(order.id, option)
    order.record(
        "order.placed",
        actor.actor,
        {
            "channel": capture.channel.value,
            "total": str(order.total.amount),
            "currency": priced.currency,
            "warehouses": list(plan.warehouse_ids),
            **(placed_details or {}),
        },
    )
    publish(uow, order)
    return order


async def place_order(
    deps: Deps,
    actor: Principal,
    *,
    channel: Channel,
    lines: list[RequestedLine],
    shipping_address: AddressFields,
    customer_id: int | None = None,
    email: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    idempotency_key: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    sales_rep: str | None = None,
    shipping_option_id: str | None = None,
    market_id: int | None = None,
    discount_codes: Sequence[str] = (),
) -> Order:
    """Capture an order: priced from the catalog, stock reserved, routed — or nothing at all.

    Priced, routed and promised by ``price_order``, the step ``quoteOrder`` shows."""
    capture = validate_capture(
        actor,
        channel=channel,
        lines=lines,
        shipping_address=shipping_address,
        customer_id=customer_id,
        email=email,
        contact_name=contact_name,
        phone=phone,
        locale=locale,
        timezone=timezone,
        sales_rep=sales_rep,
        market_id=market_id,
        discount_codes=discount_codes,
    )

    async def run(uow: UnitOfWork) -> Order:
        return await capture_order(uow, deps, actor, capture, shipping_option_id)

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> Order:
        found = await uow.orders.get(result["id"])
        if found is None:
            raise NotFound("the order this key created no longer exists")
        return found

    return await run_command(
        deps,
        actor,
        operation="placeOrder",
        request={
            "channel": channel.value,
            "lines": [[line.sku, line.quantity] for line in lines],
            "address": dict(shipping_address),
            "customer": customer_id,
            "email": email,
            "name": contact_name,
            "phone": phone,
            "locale": locale,
            "timezone": timezone,
            **({"salesRep": sales_rep} if sales_rep is not None else {}),
            **({"shippingOption": shipping_option_id} if shipping_option_id else {}),
            **({"market": market_id} if market_id is not None else {}),
            **({"discountCodes": list(discount_codes)} if discount_codes else {}),
        },
        run=run,
        remember=lambda o: {"id": o.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )
