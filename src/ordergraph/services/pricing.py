"""The one pricing step: what an order costs, how it ships and when it arrives.

``placeOrder`` records what ``price_order`` returns and ``quoteOrder`` shows it, so a quote
always equals the order placed right after it with the same input. Reads only; the caller
decides whether anything is written. The money itself is computed by the pure
``domain.price_calculation.calculate_prices``: discounts, then tax on what is left, rounded by
the market's policy, with lines + shipping = total checked on every call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.carrier_services import OrderShippingOption
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.customers import Address
from ordergraph.domain.discounts import Discount, clean_discount_code
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.markets import Market, TaxDisplay
from ordergraph.domain.money import Money
from ordergraph.domain.order_pricing import priced_lines
from ordergraph.domain.orders import OrderLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.price_calculation import (
    PriceBreakdown,
    PricingLine,
    PricingRequest,
    calculate_prices,
)
from ordergraph.domain.promises import Lane, promise_from
from ordergraph.domain.routing import RoutingPlan
from ordergraph.domain.shipping import shipping_cost
from ordergraph.domain.taxes import TaxPolicyUsed
from ordergraph.services.checkout import Capture, Checkout, prepare_checkout
from ordergraph.services.deps import Deps
from ordergraph.services.discounts import discounts_for_checkout
from ordergraph.services.price_lists import market_and_prices
from ordergraph.services.shipping_options import ShippingQuote, quote_options, select_option
from ordergraph.services.taxes import resolve_taxes


@dataclass(frozen=True, slots=True)
class PricedOrder:
    checkout: Checkout
    options: list[ShippingQuote]  # every carrier service option, cheapest first
    option: OrderShippingOption | None  # the one the order ships with (None: fixed rate)
    shipping_total: Money  # the shipping price, before its discount and tax
    promised_delivery_at: datetime
    breakdown: PriceBreakdown
    tax_policy: TaxPolicyUsed

    @property
    def discounts(self) -> tuple[Discount, ...]:
        """The discounts applied, in order: placing the order takes one use of each."""
        return self.breakdown.applied.discounts

    @property
    def currency(self) -> str:
        return self.checkout.currency

    @property
    def market(self) -> Market:
        return self.checkout.market

    @property
    def lines(self) -> list[OrderLine]:
        """The lines with their discount and tax."""
        return priced_lines(self.checkout.lines, self.breakdown)

    @property
    def plan(self) -> RoutingPlan:
        return self.checkout.plan

    @property
    def subtotal(self) -> Money:
        return self.checkout.subtotal

    @property
    def discount_total(self) -> Money:
        return Money(self.breakdown.discount_total, self.currency)

    @property
    def tax_total(self) -> Money:
        return Money(self.breakdown.tax_total, self.currency)

    @property
    def total(self) -> Money:
        """The order's ``total``: lines less discounts, plus shipping, plus tax unless the
        prices include it."""
        return Money(self.breakdown.total, self.currency)


async def price_order(
    uow: UnitOfWork, deps: Deps, capture: Capture, now: datetime, option_id: str | None
) -> PricedOrder:
    """Price and route ``capture`` and choose its shipping: the option asked for
    (``SHIPPING_OPTION_INVALID`` if it no longer holds), else the cheapest carrier service
    option, else (no service serves it) the fixed rate table. Lines are priced in the order's
    market from its price lists in force at ``now`` (``market_and_prices``); then the
    discounts (the codes given, ``DISCOUNT_INVALID``, and the automatic ones) and the tax of
    the destination (``TAX_UNAVAILABLE`` when the provider fails and the market blocks).
    Constant statements in lines."""
    address = capture.address
    market, prices = await market_and_prices(
        uow,
        deps,
        country_code=address.country_code,
        market_id=capture.market_id,
        channel=capture.channel,
        customer_id=capture.customer_id,
        skus=list(capture.demand),
        now=now,
    )
    checkout = await prepare_checkout(
        uow,
        capture.requested,
        capture.demand,
        address,
        market,
        prices,
        capture.custom_prices,
        capture.held,
    )
    options = await quote_options(uow, deps, checkout, address, now)
    option = select_option(deps, options, now, option_id)
    if option is not None:
        shipping, promise = option.price, option.window.latest
    else:
        # no carrier service serves this order: the fixed rate table prices it, as before
        free = Money(0, checkout.currency)
        shipping = free if capture.free_shipping else fixed_rate(deps, checkout, address)
        promise = promise_delivery(deps, checkout.warehouses, checkout.plan, address, now)
    if capture.free_shipping:  # the carrier still ships it; the customer pays nothing for it
        shipping = Money(0, checkout.currency)
    products = checkout.products
    discounts = await discounts_for_checkout(
        uow, codes=capture.discount_codes, currency=checkout.currency, now=now
    )
    taxes = await resolve_taxes(
        uow,
        deps,
        market=market,
        country_code=address.country_code,
        region=address.region,
        classes={products[line.sku].tax_class for line in checkout.lines},
    )
    breakdown = calculate_prices(
        PricingRequest(
            currency=checkout.currency,
            inclusive=market.tax_display is TaxDisplay.INCLUSIVE,
            rounding=market.rounding,
            lines=[
                PricingLine(
                    line.sku,
                    line.quantity,
                    line.unit_price.minor_units,
                    tax_class=products[line.sku].tax_class,
                    group=products[line.sku].group_handle,
                )
                for line in checkout.lines
            ],
            shipping=shipping.minor_units,
            line_rates=taxes.rates,
            shipping_rates=taxes.shipping,
            discounts=discounts,
            code_index=code_positions(capture.discount_codes),
        )
    )
    return PricedOrder(
        checkout,
        options,
        option,
        shipping,
        promise,
        breakdown,
        taxes.policy,
    )


def code_positions(codes: Sequence[str]) -> dict[str, int]:
    """Each code (cleaned as it is stored) to its first index in the input, for userErrors;
    ``discounts_for_checkout`` has already refused a malformed one."""
    positions: dict[str, int] = {}
    for i, code in enumerate(codes):
        positions.setdefault(clean_discount_code(code, ["discountCodes", str(i)]), i)
    return positions


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
