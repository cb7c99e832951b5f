"""Importing an order taken elsewhere: a marketplace, a shop's till, a partner.

``import_order`` checks the channel's facts (``domain/channels.py``), finds or creates the
customer, stores the order with the channel's prices, then either reserves its stock like
``placeOrder`` (it ships from here) or hands the goods over at once (``alreadyFulfilled``: sold
at the counter, on hand drops, no fulfillment), and records the money the channel collected as
a captured payment from the ``external`` gateway. ``source`` + ``externalId`` are unique in the
database: a replay answers with the first order and changes nothing, however many arrive at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ordergraph.domain.channels import (
    EXTERNAL_GATEWAY,
    ImportedDifferently,
    ImportTerms,
    RawImportLine,
    RawMoney,
    check_import,
    sales_rep_for,
)
from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.errors import Duplicate, InvalidInput, NotFound
from ordergraph.domain.orders import Channel, Order, OrderLine
from ordergraph.domain.payment_status import PaymentStatus
from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_email, clean_phone, optional_text
from ordergraph.services import import_steps
from ordergraph.services.command import request_fingerprint, run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.orders import reserve_stock, routing_explanation
from ordergraph.services.pricing import promise_delivery
from ordergraph.services.settlement import create_fulfillments

RACE_ATTEMPTS = 3  # a lost race for the (source, externalId) or customer email: read the winner


@dataclass(frozen=True, slots=True)
class Imported:
    order: Order
    replayed: bool  # the order existed: this call changed nothing


@dataclass(frozen=True, slots=True)
class Origin:
    channel: Channel
    sales_rep: str | None
    fingerprint: str  # of the imported content: a replay carries the same


async def import_order(
    deps: Deps,
    actor: Principal,
    *,
    source: str,
    external_id: str,
    channel: Channel,
    lines: list[RawImportLine],
    shipping_address: AddressFields | None = None,
    customer_id: int | None = None,
    email: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    shipping_total: RawMoney | None = None,
    paid_amount: RawMoney | None = None,
    already_fulfilled: bool = False,
    warehouse_id: int | None = None,
    placed_at: datetime | None = None,
    sales_rep: str | None = None,
) -> Imported:
    """Bring in an order sold elsewhere, once: all of it, or nothing at all."""
    actor.require(Scope.ORDERS_WRITE)
    terms = check_import(
        source=source,
        external_id=external_id,
        lines=lines,
        shipping_total=shipping_total,
        paid_amount=paid_amount,
        already_fulfilled=already_fulfilled,
        placed_at=placed_at,
        now=deps.clock.now(),
    )
    address = (
        Address.create(**shipping_address, field_prefix=("shippingAddress",))
        if shipping_address is not None
        else None
    )
    if address is None and not already_fulfilled:
        raise InvalidInput(
            "an order that still ships needs an address", field=["shippingAddress"], code="REQUIRED"
        )
    if address is None and warehouse_id is None:
        raise InvalidInput(
            "say which shop handed the goods over (or give the shipping address)",
            field=["warehouseId"],
            code="REQUIRED",
        )
    buyer = import_steps.Buyer(
        customer_id,
        clean_email(email, ["email"]) if email is not None else None,
        optional_text(contact_name, ["name"], max_length=200),
        clean_phone(phone, ["phone"], country=address.country_code if address else None),
    )
    rep = sales_rep_for(channel, actor, sales_rep)
    fingerprint = request_fingerprint(
        "importOrder",
        {
            "channel": channel.value,
            "lines": [[x.sku, x.quantity, str(x.unit_price.amount)] for x in terms.lines],
            "currency": terms.currency,
            "shipping": terms.shipping_total.minor_units,
            "paid": terms.paid.minor_units,
            "fulfilled": already_fulfilled,
            "address": dict(shipping_address) if shipping_address else None,
            "buyer": [buyer.customer_id, buyer.email, buyer.name, buyer.phone],
            "warehouse": warehouse_id,
            "placedAt": placed_at.astimezone(UTC).isoformat() if placed_at else None,
            "salesRep": rep,
        },
    )

    async def run(uow: UnitOfWork) -> Imported:
        existing = await uow.orders.get_by_external(terms.source, terms.external_id)
        if existing is not None:
            assert existing.id is not None
            if existing.import_fingerprint != fingerprint:
                raise ImportedDifferently(
                    existing.id, existing.number, terms.source, terms.external_id
                )
            return Imported(existing, replayed=True)
        origin = Origin(channel, rep, fingerprint)
        order = await _record(uow, deps, actor, terms, origin, address, buyer, warehouse_id)
        return Imported(await _settle_in(uow, deps, actor, order, terms), replayed=False)

    async def recall(_uow: UnitOfWork, _remembered: dict[str, Any]) -> Imported:
        raise AssertionError("imports are keyed by source and externalId, not a key")

    for attempt in range(RACE_ATTEMPTS):
        try:
            return await run_command(
                deps,
                actor,
                operation="importOrder",
                request={"source": terms.source, "externalId": terms.external_id},
                run=run,
                remember=lambda _i: None,
                recall=recall,
            )
        except Duplicate:
            # a concurrent import of the same order (or customer) committed first: the next
            # attempt finds it
            if attempt == RACE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _record(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    terms: ImportTerms,
    origin: Origin,
    address: Address | None,
    buyer: import_steps.Buyer,
    warehouse_id: int | None,
) -> Order:
    """Store the order with the channel's prices and move its stock (reserved, or gone at
    the counter)."""
    now = deps.clock.now()
    products = await uow.products.get_many(list(terms.demand))
    for index, line in enumerate(terms.lines):
        if line.sku not in products:
            raise NotFound(f"no product has SKU {line.sku}", field=["lines", str(index), "sku"])
    warehouses = await uow.warehouses.list_all()
    shop = import_steps.named_warehouse(warehouses, warehouse_id)
    ship_to = address or import_steps.counter_address(shop, buyer)
    plan = await import_steps.route(uow, terms, warehouses, shop, ship_to)
    customer_id, email = await import_steps.find_or_create_customer(uow, actor, buyer, address, now)
    order = Order(
        id=None,
        number=await uow.orders.next_number(),
        status=terms.status,
        # a till sale is paid or settled at the till; a shipping order is confirmed later
        payment_status=terms.payment_status if terms.already_fulfilled else PaymentStatus.PENDING,
        channel=origin.channel,
        customer_id=customer_id,
        email=email or "",
        contact_name=buyer.name or ship_to.name,
        phone=buyer.phone or ship_to.phone,
        currency=terms.currency,
        lines=[
            OrderLine(None, line.sku, products[line.sku].name, line.quantity, line.unit_price)
            for line in terms.lines
        ],
        shipping_total=terms.shipping_total,
        shipping_address=ship_to,
        placed_by=actor.actor,
        placed_by_token_id=actor.token_id,
        created_at=terms.placed_at or now,
        updated_at=now,
        expires_at=None,  # the channel owns collecting the money: no expiry here
        delivered_at=(terms.placed_at or now) if terms.already_fulfilled else None,
        routing=routing_explanation(plan),
        sales_rep=origin.sales_rep,
        source=terms.source,
        external_id=terms.external_id,
        import_fingerprint=origin.fingerprint,
    )
    if not terms.already_fulfilled:
        order.promised_delivery_at = promise_delivery(deps, warehouses, plan, ship_to, now)
    await uow.orders.add(order)
    if terms.already_fulfilled:
        await import_steps.hand_over(uow, order, plan, actor, now)
    else:
        await reserve_stock(uow, order, plan, actor, now)
    return order


async def _settle_in(
    uow: UnitOfWork, deps: Deps, actor: Principal, order: Order, terms: ImportTerms
) -> Order:
    """Record the channel's money and the timeline: placed, imported, then confirmed (paid,
    ships from here) or delivered (handed over)."""
    assert order.id is not None
    now = deps.clock.now()
    who = actor.actor
    if terms.paid.minor_units > 0:
        await uow.payments.add(
            PaymentTransaction(
                id=None,
                order_id=order.id,
                gateway=EXTERNAL_GATEWAY,
                kind=TransactionKind.SALE,
                status=TransactionStatus.SUCCESS,
                amount=terms.paid,
                reference=f"{terms.source}:{terms.external_id}",
                error_code=None,
                message=f"collected by {terms.source}",
                created_at=now,
                settled_at=now,
            )
        )
    order.record(
        "order.placed",
        who,
        {
            "channel": order.channel.value,
            "total": str(order.total.amount),
            "currency": order.currency,
            "warehouses": sorted(
                {a["warehouse_id"] for a in (order.routing or {}).get("allocations", [])}
            ),
        },
    )
    order.record(
        "order.imported",
        who,
        {
            "source": terms.source,
            "externalId": terms.external_id,
            "channel": order.channel.value,
            "salesRep": order.sales_rep,
            "alreadyFulfilled": terms.already_fulfilled,
            "paid": str(terms.paid.amount),
            "placedAt": order.created_at.isoformat(),
        },
    )
    if terms.already_fulfilled:
        order.record("order.delivered", who, {"deliveredAt": order.created_at.isoformat()})
    elif terms.payment_status is PaymentStatus.PAID:
        order.confirm(PaymentStatus.PAID, now, who, ship_by=now + deps.policy.handling_time)
        await create_fulfillments(uow, order, actor)
        await uow.orders.save(order)
    publish(uow, order)
    return order
