"""Choosing an order's carrier service after checkout (a rule's ``chooseCarrierService``).

It replaces ``Order.shippingOption`` the way a shopper's choice sets it, ``chosenBy: RULE``, so
``shipFulfillment`` without a carrier prefers it wherever it serves the lane. What the customer
paid does not change: the option keeps the price (and the promised window) the order was placed
with; an order placed without an option keeps its shipping total and gets the new service's
window.
"""

from __future__ import annotations

from typing import Any

from ordergraph.domain.carrier_services import CarrierService, ChosenBy, OrderShippingOption
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update
from ordergraph.services.shipping_options import service_window

FINISHED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED})


async def choose_order_carrier_service(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    carrier_service_id: int,
    idempotency_key: str | None = None,
) -> OrderShippingOption:
    """``NOT_FOUND`` for an unknown service; ``SHIPPING_UNAVAILABLE`` when it is inactive or
    misses a lane from a warehouse holding the order's stock to its address;
    ``ILLEGAL_TRANSITION`` once nothing is left to ship."""
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> OrderShippingOption:
        order = await load_order_for_update(uow, order_id, actor)
        assert order.id is not None
        if order.status in FINISHED:
            raise InvalidInput(
                f"order {order.number} is {order.status.value}: nothing left to ship",
                field=["orderId"],
                code="ILLEGAL_TRANSITION",
            )
        service = await _usable_service(uow, carrier_service_id)
        origins = await _origins(uow, order)
        _check_lanes(service, origins, order)
        previous = await uow.carrier_services.order_option(order.id)
        option = await _option(uow, deps, service, origins, order, previous)
        await uow.carrier_services.record_order_option(order.id, option)
        return option

    return await run_command(
        deps,
        actor,
        operation="chooseOrderCarrierService",
        request={"order": order_id, "carrierService": carrier_service_id},
        run=run,
        remember=lambda _o: {"order": order_id},
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def _usable_service(uow: UnitOfWork, service_id: int) -> CarrierService:
    service = await uow.carrier_services.get(service_id)
    if service is None:
        raise NotFound("no such carrier service", field=["carrierServiceId"])
    if not service.active:
        raise InvalidInput(
            f"carrier service {service.name} is inactive",
            field=["carrierServiceId"],
            code="SHIPPING_UNAVAILABLE",
        )
    return service


async def _origins(uow: UnitOfWork, order: Order) -> list[Warehouse]:
    """The warehouses that still hold the order's stock, in id order."""
    assert order.id is not None
    ids = sorted({s.allocation.warehouse_id for s in await uow.orders.active_allocations(order.id)})
    found = [await uow.warehouses.get(i) for i in ids]
    return [w for w in found if w is not None]


def _check_lanes(service: CarrierService, origins: list[Warehouse], order: Order) -> None:
    to = order.shipping_address
    if not origins:
        raise InvalidInput(
            f"order {order.number} holds no stock to ship", field=["orderId"], code="INVALID"
        )
    missed = [w for w in origins if not service.serves(w.region, to.region, to.country_code)]
    if missed:
        where = to.region or to.country_code
        raise InvalidInput(
            f"{service.name} does not serve {', '.join(w.region for w in missed)} → {where}",
            field=["carrierServiceId"],
            code="SHIPPING_UNAVAILABLE",
        )


async def _option(
    uow: UnitOfWork,
    deps: Deps,
    service: CarrierService,
    origins: list[Warehouse],
    order: Order,
    previous: OrderShippingOption | None,
) -> OrderShippingOption:
    assert service.id is not None
    if previous is not None:
        price, window = previous.price, previous.window
    else:
        now = deps.clock.now()
        to = order.shipping_address
        history = await uow.carrier_services.transit_history(
            sorted({w.region for w in origins}), to.country_code, to.region, now
        )
        price = order.shipping_total
        window = service_window(service, origins, to, now + deps.policy.handling_time, history)
    return OrderShippingOption(
        service.id, service.carrier, service.service, ChosenBy.RULE, price, window
    )


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> OrderShippingOption:
    found = await uow.carrier_services.order_option(int(result["order"]))
    if found is None:
        raise NotFound("no such order", field=["orderId"])
    return found
