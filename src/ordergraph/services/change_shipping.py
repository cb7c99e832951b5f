"""The shipping method of a change set: ``setShippingMethod`` in ``editOrder``.

The option asked for (an id from ``shippingOptions``) is checked as ``placeOrder`` checks it
(``select_option``: issued by this server, at most an hour old, the same carrier service at the
same version and price) against a fresh quote for the order as the change leaves it: the weight
and subtotal of its lines, shipped from the warehouses that hold its stock after the change, to
its (possibly new) address. The order is then priced again with that price through the one
pricing function (``Repriced.with_shipping``: free-shipping discounts and tax on shipping as
at placement), the option becomes the order's ``shippingOption`` and its window the promise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.carrier_services import OrderShippingOption
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import ChangePlan
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.services.change_pricing import Repriced
from ordergraph.services.deps import Deps
from ordergraph.services.shipping_options import quote_shipment, select_option


@dataclass(frozen=True, slots=True)
class MethodChange:
    before: OrderShippingOption | None  # None: the order shipped at the fixed rate
    after: OrderShippingOption
    repriced: Repriced  # the order priced with the new method

    def as_dict(self) -> dict[str, Any]:
        return {"before": describe(self.before), "after": describe(self.after)}


def summarize(shown: Mapping[str, Any]) -> str:
    """``as_dict``'s before and after in one line for the event's summary (and the mail)."""

    def name(option: Mapping[str, Any] | None) -> str:
        return f"{option['carrier']} {option['service']}" if option else "the standard rate"

    return f"shipping: {name(shown['before'])} → {name(shown['after'])}"


def describe(option: OrderShippingOption | None) -> dict[str, Any] | None:
    """An option as the change record and the ``order.edited`` event show it."""
    if option is None:
        return None
    return {
        "carrierServiceId": option.carrier_service_id,
        "carrier": option.carrier,
        "service": option.service,
        "price": str(option.price.amount),
        "priceMinor": option.price.minor_units,
        "currency": option.price.currency,
        "deliveryBy": option.window.latest.isoformat(),
    }


async def change_shipping_method(
    uow: UnitOfWork,
    deps: Deps,
    order: Order,
    plan: ChangePlan,
    repriced: Repriced,
    origins: Sequence[Warehouse],
    now: datetime,
) -> MethodChange | None:
    """Ship the (stored, re-stocked) order with the plan's option; None when the plan keeps
    the method. ``SHIPPING_OPTION_INVALID`` when the option does not hold for the order."""
    if plan.shipping_option is None:
        return None
    assert order.id is not None
    weight = sum(
        repriced.products[line.sku].weight_grams * line.quantity for line in repriced.lines
    )
    subtotal = Money(repriced.breakdown.subtotal, order.currency)
    quotes = await quote_shipment(uow, deps, origins, weight, subtotal, repriced.address, now)
    option = select_option(deps, quotes, now, plan.shipping_option, plan.shipping_option_field)
    assert option is not None  # an id was given: select_option refuses or finds it
    before = await uow.carrier_services.order_option(order.id)
    shipped = repriced.with_shipping(option.price)
    for old, new in zip(repriced.lines, shipped.lines, strict=True):
        if new != old:  # a discount shared with shipping moved: the stored line follows
            await uow.order_changes.update_line(new)
    order.shipping_total = option.price
    await uow.carrier_services.record_order_option(order.id, option)
    return MethodChange(before, option, shipped)
