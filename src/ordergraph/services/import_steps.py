"""The steps of an order import that touch the store: the shop, the route, the customer and
the hand-over at the counter (``services/order_import.py`` runs them in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.channels import ImportTerms
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.errors import InsufficientStock, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.orders import Order, OutOfStock
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.routing import (
    Allocation,
    Candidate,
    Destination,
    RoutingPlan,
    plan_routing,
)
from ordergraph.services import stock_ledger


@dataclass(frozen=True, slots=True)
class Buyer:
    customer_id: int | None
    email: str | None
    name: str | None
    phone: str | None


def named_warehouse(warehouses: list[Warehouse], warehouse_id: int | None) -> Warehouse | None:
    if warehouse_id is None:
        return None
    found = next((w for w in warehouses if w.id == warehouse_id), None)
    if found is None:
        raise NotFound("no such warehouse", field=["warehouseId"])
    return found


def counter_address(shop: Warehouse | None, buyer: Buyer) -> Address:
    """Goods handed over in a shop: the shop is where they went."""
    assert shop is not None
    return Address(
        name=buyer.name or "Counter sale",
        line1=shop.name,
        line2=None,
        city=shop.name,
        region=shop.region,
        postal_code=None,
        country_code=shop.country_code,
        phone=buyer.phone,
    )


async def route(
    uow: UnitOfWork,
    terms: ImportTerms,
    warehouses: list[Warehouse],
    shop: Warehouse | None,
    ship_to: Address,
) -> RoutingPlan:
    """Route like placeOrder, or take everything from the warehouse the channel named."""
    demand = terms.demand
    if terms.already_fulfilled and shop is not None:
        # the goods already left this shop: on hand decides (hand_over), not what is for sale
        assert shop.id is not None
        return RoutingPlan(
            allocations=tuple(Allocation(sku, shop.id, q) for sku, q in demand.items()),
            candidates=(
                Candidate(shop.id, shop.code, 1, "where the goods were handed over", True),
            ),
        )
    available = await uow.inventory.availability(list(demand))
    candidates = [shop] if shop is not None else warehouses
    if shop is not None:
        available = {k: v for k, v in available.items() if k[1] == shop.id}
    plan = plan_routing(
        demand, available, candidates, Destination(ship_to.region, ship_to.country_code)
    )
    if not plan.complete:
        if terms.already_fulfilled:
            detail = ", ".join(f"{s} short by {n}" for s, n in sorted(plan.shortfall.items()))
            raise InsufficientStock(f"not enough on hand: {detail}", field=["lines"])
        raise OutOfStock(plan.shortfall)
    return plan


async def find_or_create_customer(
    uow: UnitOfWork, actor: Principal, buyer: Buyer, address: Address | None, now: datetime
) -> tuple[int | None, str | None]:
    """The customer account: the one given, the one with this email, a new one, or none
    (a guest at the till)."""
    if buyer.customer_id is not None:
        customer = await uow.customers.get(buyer.customer_id)
        if customer is None:
            raise NotFound("no such customer", field=["customerId"])
        return customer.id, buyer.email or customer.email
    if buyer.email is None:
        return None, None
    found = await uow.customers.get_by_email(buyer.email)
    if found is not None:
        return found.id, buyer.email
    created = await uow.customers.add(
        Customer.create(
            email=buyer.email,
            name=buyer.name or (address.name if address else buyer.email.split("@")[0]),
            phone=buyer.phone,
            address=address,
            now=now,
        )
    )
    assert created.id is not None
    uow.record(DomainEvent("customer.created", "Customer", created.id, actor=actor.actor))
    return created.id, buyer.email


async def hand_over(
    uow: UnitOfWork, order: Order, plan: RoutingPlan, actor: Principal, now: datetime
) -> None:
    for a in sorted(plan.allocations, key=lambda a: (a.sku, a.warehouse_id)):
        if not await stock_ledger.hand_over(
            uow,
            sku=a.sku,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            actor=actor.actor,
            reference=f"order:{order.number}",
            now=now,
        ):
            raise InsufficientStock(
                f"not enough {a.sku} on hand at warehouse {a.warehouse_id}", field=["lines"]
            )
