"""Use cases for capturing an order: price it, reserve its stock, route it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.channels import sales_rep_for
from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    Channel,
    Order,
    OrderStatus,
    PaymentStatus,
    RequestedLine,
    merge_lines,
)
from ordergraph.domain.ports import RetryableConflict, StoredAllocation, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.promises import Lane, promise_from
from ordergraph.domain.routing import RoutingPlan
from ordergraph.domain.shipping import shipping_cost
from ordergraph.domain.validation import (
    clean_email,
    clean_locale,
    clean_phone,
    clean_sku,
    clean_timezone,
    optional_text,
)
from ordergraph.services import stock_ledger
from ordergraph.services.checkout import Checkout, prepare_checkout
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.shipping_options import select_option


class ReservationLost(RetryableConflict):
    """Stock seen in the snapshot was taken before our UPDATE: plan again from fresh numbers."""


async def reserve_stock(
    uow: UnitOfWork, order: Order, plan: RoutingPlan, actor: Principal, now: datetime
) -> None:
    """Reserve the plan's allocations for the stored order, and remember them on it."""
    assert order.id is not None
    line_ids = {line.sku: line.id for line in order.lines}
    stored = [
        StoredAllocation(line_ids[a.sku] or 0, a)
        for a in sorted(plan.allocations, key=lambda a: (a.sku, a.warehouse_id))
    ]
    # fixed (sku, warehouse) order, so concurrent orders never deadlock on each other
    for item in stored:
        a = item.allocation
        if not await stock_ledger.reserve(
            uow,
            sku=a.sku,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            actor=actor.actor,
            reference=f"order:{order.number}",
            now=now,
        ):
            raise ReservationLost(f"{a.sku} at warehouse {a.warehouse_id}")
    await uow.orders.add_allocations(order.id, stored)


def routing_explanation(plan: RoutingPlan) -> dict[str, Any]:
    return {
        "candidates": [asdict(c) for c in plan.candidates],
        "allocations": [asdict(a) for a in plan.allocations],
    }


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
) -> Order:
    """Capture an order: priced from the catalog, stock reserved, routed — or nothing at all.

    Shipping: the option asked for (``SHIPPING_OPTION_INVALID`` if it no longer holds), else
    the cheapest carrier service option, else (no service serves it) the fixed rate table."""
    if not actor.can(Scope.ORDERS_WRITE):
        actor.require(Scope.ORDERS_PLACE)
    if actor.customer_id is not None:
        if customer_id not in (None, actor.customer_id):
            raise Forbidden("customers place orders for themselves only")
        customer_id = actor.customer_id
    elif customer_id is not None and not actor.can(Scope.ORDERS_WRITE):
        raise Forbidden("placing an order for a customer account needs orders:write")

    requested = [
        RequestedLine(clean_sku(line.sku, ["lines", str(i), "sku"]), line.quantity)
        for i, line in enumerate(lines)
    ]
    demand = merge_lines(requested)
    address = Address.create(**shipping_address, field_prefix=("shippingAddress",))
    contact_email = clean_email(email, ["email"]) if email is not None else None
    name = optional_text(contact_name, ["name"], max_length=200)
    contact_phone = clean_phone(phone, ["phone"], country=address.country_code)
    if customer_id is None and contact_email is None:
        raise InvalidInput("a guest order needs an email", field=["email"], code="REQUIRED")
    rep = sales_rep_for(channel, actor, sales_rep)

    async def run(uow: UnitOfWork) -> Order:
        now = deps.clock.now()
        checkout = await prepare_checkout(uow, requested, demand, address)
        order_email = contact_email
        if customer_id is not None:
            customer = await uow.customers.get(customer_id)
            if customer is None:
                raise NotFound("no such customer", field=["customerId"])
            order_email = order_email or customer.email
        plan, currency, warehouses = checkout.plan, checkout.currency, checkout.warehouses
        option = await select_option(uow, deps, checkout, address, now, shipping_option_id)
        if option is not None:
            shipping, promise = option.price, option.window.latest
        else:
            # no carrier service serves this order: the fixed rate table prices it, as before
            shipping = fixed_rate(deps, checkout, address)
            promise = promise_delivery(deps, warehouses, plan, address, now)
        order_lines = checkout.lines

        order = Order(
            id=None,
            number=await uow.orders.next_number(),
            status=OrderStatus.PLACED,
            payment_status=PaymentStatus.PENDING,
            channel=channel,
            customer_id=customer_id,
            email=order_email or "",
            contact_name=name or address.name,
            phone=contact_phone or address.phone,
            currency=currency,
            lines=order_lines,
            shipping_total=shipping,
            shipping_address=address,
            placed_by=actor.actor,
            locale=clean_locale(locale, ["locale"]),
            timezone=clean_timezone(timezone, ["timezone"]),
            placed_by_token_id=actor.token_id,
            sales_rep=rep,
            created_at=now,
            updated_at=now,
            expires_at=now + deps.policy.unpaid_ttl,
            routing=routing_explanation(plan),
            promised_delivery_at=promise,
        )
        await uow.orders.add(order)
        await reserve_stock(uow, order, plan, actor, now)
        if option is not None:
            assert order.id is not None
            await uow.carrier_services.record_order_option(order.id, option)
        order.record(
            "order.placed",
            actor.actor,
            {
                "channel": channel.value,
                "total": str(order.total.amount),
                "currency": currency,
                "warehouses": list(plan.warehouse_ids),
            },
        )
        publish(uow, order)
        return order

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
        },
        run=run,
        remember=lambda o: {"id": o.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


def fixed_rate(deps: Deps, checkout: Checkout, address: Address) -> Money:
    """The fallback price from ``ORDERGRAPH_SHIPPING_RATES`` (or the built-in table)."""
    shipping = shipping_cost(
        deps.policy.shipping_rates,
        region=address.region,
        country_code=address.country_code,
        weight_grams=checkout.weight_grams,
        subtotal=checkout.subtotal,
    )
    if shipping is None:
        raise InvalidInput(
            f"no shipping rate for {address.region or address.country_code} in {checkout.currency}",
            field=["shippingAddress", "countryCode"],
            code="SHIPPING_UNAVAILABLE",
        )
    return shipping


def promise_delivery(
    deps: Deps,
    warehouses: list[Warehouse],
    plan: RoutingPlan,
    address: Address,
    now: datetime,
) -> datetime:
    """Handling time plus the slowest lane among the warehouses the order ships from."""
    by_id = {w.id: w for w in warehouses}
    return promise_from(
        now,
        (Lane(by_id[i].region, by_id[i].country_code) for i in plan.warehouse_ids),
        Lane(address.region, address.country_code),
        deps.policy.transit,
        deps.policy.handling_time,
    )
