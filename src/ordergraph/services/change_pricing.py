"""What an order costs after a change set, through the one pricing function.

Lines the order has keep the unit price it was sold at; a line the change adds is priced as
``placeOrder`` would price it now (the order's market, its price lists in force). The discounts
the order got are applied again to the new lines (a code that would stop applying refuses the
change with ``DISCOUNT_INVALID``; an automatic one that stops applying falls away), and tax is
that of the destination — the new address when the change sets one. Shipping keeps the price
agreed when the order was placed, unless the change sets the shipping method: then
``change_shipping`` quotes the new one and ``Repriced.with_shipping`` prices the order again
with it (free-shipping discounts and tax on shipping included). ``calculate_prices`` does the
arithmetic, as for quotes and orders, so an edited order's total obeys the same invariant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from ordergraph.domain.catalog import Product
from ordergraph.domain.customers import Address
from ordergraph.domain.discounts import Discount
from ordergraph.domain.errors import NotFound
from ordergraph.domain.markets import Market, TaxDisplay
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import ChangePlan
from ordergraph.domain.order_pricing import priced_lines
from ordergraph.domain.orders import Order, OrderLine, RequestedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.price_calculation import (
    PriceBreakdown,
    PricingLine,
    PricingRequest,
    calculate_prices,
)
from ordergraph.services.checkout import line_prices
from ordergraph.services.deps import Deps
from ordergraph.services.markets import the_default_market
from ordergraph.services.price_lists import prices_in_force
from ordergraph.services.taxes import resolve_taxes


@dataclass(frozen=True, slots=True)
class Repriced:
    lines: list[OrderLine]  # in the plan's order, quantities after the change (zeros dropped)
    breakdown: PriceBreakdown
    products: Mapping[str, Product]
    address: Address
    request: PricingRequest

    @property
    def total(self) -> int:
        return self.breakdown.total

    def with_shipping(self, price: Money) -> Repriced:
        """The same order shipped at ``price``: discounts and tax computed again."""
        request = replace(self.request, shipping=price.minor_units)
        breakdown = calculate_prices(request)
        lines = priced_lines(self.lines, breakdown)
        return Repriced(lines, breakdown, self.products, self.address, request)


async def order_market(uow: UnitOfWork, deps: Deps, order: Order) -> Market:
    """The market the order was sold in (even if it has been deactivated since)."""
    if order.market_id is None:
        return the_default_market(deps)
    found = await uow.markets.get(order.market_id)
    return found if found is not None else the_default_market(deps)


async def order_discounts(uow: UnitOfWork, order: Order) -> list[Discount]:
    """The discounts applied to the order when it was placed: codes first, as then."""
    assert order.id is not None
    details = await uow.orders.price_details(order.id)
    ids = list(dict.fromkeys(d.discount_id for d in details.discounts if d.discount_id))
    found = [d for d in [await uow.discounts.get(i) for i in ids] if d is not None]
    return sorted(found, key=lambda d: d.automatic)


async def reprice(
    uow: UnitOfWork, deps: Deps, order: Order, plan: ChangePlan, now: datetime
) -> Repriced:
    """Price the order as ``plan`` leaves it (see the module docstring)."""
    address = plan.address or order.shipping_address
    kept = plan.kept
    products = await uow.products.get_many([line.sku for line in kept])
    current = {line.id: line for line in order.lines}
    new = [line for line in kept if line.line_id is None]
    market = await order_market(uow, deps, order)
    unit_prices: dict[str, Money] = {}
    if new:
        for index, line in enumerate(plan.lines):
            if line.line_id is None and line.sku not in products:
                raise NotFound(f"no product has SKU {line.sku}", field=["changes", str(index)])
        for line in new:
            products[line.sku].check_sellable(["changes"])
        prices = (
            await prices_in_force(
                uow,
                market=market,
                channel=order.channel,
                customer_group=(
                    await uow.customers.group_of(order.customer_id)
                    if order.customer_id is not None
                    else None
                ),
                skus=[line.sku for line in new],
                now=now,
            )
            if market.id is not None
            else {}
        )
        requested = [RequestedLine(line.sku, line.after) for line in new]
        new_products = {line.sku: products[line.sku] for line in new}
        currency, unit_prices = line_prices(requested, new_products, market, prices)
        if currency != order.currency:
            from ordergraph.domain.errors import InvalidInput

            raise InvalidInput(
                f"the product is priced in {currency}, the order in {order.currency}",
                field=["changes"],
                code="MIXED_CURRENCY",
            )
    lines: list[OrderLine] = []
    for line in kept:
        if line.line_id is not None:
            was = current[line.line_id]
            lines.append(
                OrderLine(
                    was.id,
                    was.sku,
                    was.name,
                    line.after,
                    was.unit_price,
                    tax_class=was.tax_class,
                )
            )
        else:
            product = products[line.sku]
            lines.append(OrderLine(None, line.sku, product.name, line.after, unit_prices[line.sku]))
    classes = {products[line.sku].tax_class for line in lines}
    taxes = await resolve_taxes(
        uow,
        deps,
        market=market,
        country_code=address.country_code,
        region=address.region,
        classes=classes,
    )
    request = PricingRequest(
        currency=order.currency,
        inclusive=order.prices_include_tax
        if order.tax_policy is not None
        else market.tax_display is TaxDisplay.INCLUSIVE,
        rounding=market.rounding,
        lines=[
            PricingLine(
                line.sku,
                line.quantity,
                line.unit_price.minor_units,
                tax_class=products[line.sku].tax_class,
                group=products[line.sku].group_handle,
            )
            for line in lines
        ],
        shipping=order.shipping_total.minor_units,
        line_rates=taxes.rates,
        shipping_rates=taxes.shipping,
        discounts=await order_discounts(uow, order),
        code_index={},
    )
    breakdown = calculate_prices(request)
    return Repriced(priced_lines(lines, breakdown), breakdown, products, address, request)
