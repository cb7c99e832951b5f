"""What an order would be before it is placed: the checked input, priced lines, weight, and
the routing plan.

``placeOrder``, ``quoteOrder`` and ``shippingOptions`` all start here, so the options a shopper
sees are quoted for the very warehouses the order will then ship from, and a quote refuses
exactly what placing would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.channels import sales_rep_for
from ordergraph.domain.custom_prices import CustomPrice, apply_custom_prices, prices_by_sku
from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.drafts import HeldStock
from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.markets import Market
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, OrderLine, OutOfStock, RequestedLine, merge_lines
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.price_lists import PriceUnavailable
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.routing import Destination, RoutingPlan, plan_routing
from ordergraph.domain.validation import (
    clean_email,
    clean_locale,
    clean_phone,
    clean_sku,
    clean_timezone,
    optional_text,
)


@dataclass(frozen=True, slots=True)
class Capture:
    """The checked input of ``placeOrder`` (and ``quoteOrder``): who orders what, shipped where."""

    channel: Channel
    market_id: int | None
    requested: list[RequestedLine]
    demand: dict[str, int]
    address: Address
    customer_id: int | None
    email: str | None
    name: str | None
    phone: str | None
    sales_rep: str | None
    locale: str | None
    timezone: str | None
    discount_codes: tuple[str, ...] = ()
    free_shipping: bool = False  # an exchange's replacement: shipping priced at zero
    # staff-set unit prices per SKU (a draft order's lines), priced in place of the catalog's
    custom_prices: Mapping[str, CustomPrice] = field(default_factory=dict)
    # units the caller already holds (a draft's reservation): they count as available to it
    held: tuple[HeldStock, ...] = ()


def validate_capture(
    actor: Principal,
    *,
    channel: Channel,
    lines: Sequence[RequestedLine],
    shipping_address: AddressFields,
    customer_id: int | None = None,
    email: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    sales_rep: str | None = None,
    market_id: int | None = None,
    discount_codes: Sequence[str] = (),
    custom_prices: Sequence[CustomPrice | None] = (),
    held: Sequence[HeldStock] = (),
) -> Capture:
    """Who may order (orders:place, or orders:write to order for a customer account or at a
    custom price, one per line of ``custom_prices``) and the input cleaned; raises the
    userError-mapped domain errors. Reads nothing."""
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
    custom = prices_by_sku(
        [line.sku for line in requested], list(custom_prices) or [None] * len(requested)
    )
    if custom and not actor.can(Scope.ORDERS_WRITE):
        raise Forbidden("a custom unit price needs orders:write")
    address = Address.create(**shipping_address, field_prefix=("shippingAddress",))
    contact_email = clean_email(email, ["email"]) if email is not None else None
    name = optional_text(contact_name, ["name"], max_length=200)
    contact_phone = clean_phone(phone, ["phone"], country=address.country_code)
    if customer_id is None and contact_email is None:
        raise InvalidInput("a guest order needs an email", field=["email"], code="REQUIRED")
    return Capture(
        channel=channel,
        market_id=market_id,
        discount_codes=tuple(discount_codes),
        requested=requested,
        demand=demand,
        address=address,
        customer_id=customer_id,
        email=contact_email,
        name=name,
        phone=contact_phone,
        sales_rep=sales_rep_for(channel, actor, sales_rep),
        locale=clean_locale(locale, ["locale"]),
        timezone=clean_timezone(timezone, ["timezone"]),
        custom_prices=custom,
        held=tuple(held),
    )


async def order_email(uow: UnitOfWork, capture: Capture) -> str | None:
    """The contact email: the one given, else the customer account's (``NotFound`` for an
    account that does not exist). One statement with a customer, none for a guest."""
    if capture.customer_id is None:
        return capture.email
    customer = await uow.customers.get(capture.customer_id)
    if customer is None:
        raise NotFound("no such customer", field=["customerId"])
    return capture.email or customer.email


@dataclass(frozen=True, slots=True)
class Checkout:
    products: Mapping[str, Product]
    market: Market
    currency: str
    lines: list[OrderLine]
    subtotal: Money
    weight_grams: int
    warehouses: list[Warehouse]
    plan: RoutingPlan
    # each SKU's market price before a custom price replaced it (the draft's originalUnitPrice)
    list_prices: Mapping[str, Money] = field(default_factory=dict)

    @property
    def origins(self) -> list[Warehouse]:
        """The warehouses the order ships from, in id order."""
        by_id = {w.id: w for w in self.warehouses}
        return [by_id[i] for i in self.plan.warehouse_ids]


async def prepare_checkout(
    uow: UnitOfWork,
    requested: Sequence[RequestedLine],
    demand: Mapping[str, int],
    address: Address,
    market: Market,
    prices: Mapping[str, Money],
    custom_prices: Mapping[str, CustomPrice] | None = None,
    held: Sequence[HeldStock] = (),
) -> Checkout:
    """Price ``demand`` (``custom_prices`` in place of the market's) and route it to
    warehouses with the stock (``held`` units count as available); raises ``NotFound`` for an
    unknown SKU, ``OutOfStock``, and the pricing errors of ``line_prices``. Three statements."""
    products = await uow.products.get_many(list(demand))
    for index, line in enumerate(requested):
        if line.sku not in products:
            raise NotFound(f"no product has SKU {line.sku}", field=["lines", str(index), "sku"])
        products[line.sku].check_sellable(["lines", str(index), "sku"])
    currency, list_unit_prices = line_prices(requested, products, market, prices)
    unit_prices = apply_custom_prices(
        [line.sku for line in requested], list_unit_prices, custom_prices or {}, currency
    )

    warehouses, plan = await route_demand(uow, demand, address, held)

    lines = [
        OrderLine(None, sku, products[sku].name, quantity, unit_prices[sku])
        for sku, quantity in demand.items()
    ]
    subtotal = sum((line.total for line in lines), Money(0, currency))
    weight = sum(products[line.sku].weight_grams * line.quantity for line in lines)
    return Checkout(
        products, market, currency, lines, subtotal, weight, warehouses, plan, list_unit_prices
    )


async def route_demand(
    uow: UnitOfWork, demand: Mapping[str, int], address: Address, held: Sequence[HeldStock] = ()
) -> tuple[list[Warehouse], RoutingPlan]:
    """The warehouses and the routing plan for ``demand`` from the stock available now plus
    ``held`` (what the caller already reserved); ``OutOfStock`` when it cannot all be routed.
    Two statements."""
    warehouses = await uow.warehouses.list_all()
    available = dict(await uow.inventory.availability(list(demand)))
    for unit in held:
        key = (unit.sku, unit.warehouse_id)
        available[key] = available.get(key, 0) + unit.quantity
    plan = plan_routing(
        demand, available, warehouses, Destination(address.region, address.country_code)
    )
    if not plan.complete:
        raise OutOfStock(plan.shortfall)
    return warehouses, plan


def line_prices(
    requested: Sequence[RequestedLine],
    products: Mapping[str, Product],
    market: Market,
    prices: Mapping[str, Money],
) -> tuple[str, dict[str, Money]]:
    """The order currency and each SKU's unit price. The default market keeps the catalog:
    the products' one currency (``MIXED_CURRENCY`` otherwise) and their base prices. A
    configured market prices in its currency: the list price in force, else the base price
    when it is in that currency, else ``PRICE_UNAVAILABLE`` on the line."""
    if market.id is None:
        currencies = {p.price.currency for p in products.values()}
        if len(currencies) > 1:
            raise InvalidInput(
                "all lines of an order must be priced in one currency",
                field=["lines"],
                code="MIXED_CURRENCY",
            )
        (currency,) = currencies
        return currency, {sku: product.price for sku, product in products.items()}
    unit_prices: dict[str, Money] = {}
    for index, line in enumerate(requested):
        price = prices.get(line.sku, products[line.sku].price)
        if price.currency != market.currency:
            raise PriceUnavailable(line.sku, market.currency, index)
        unit_prices[line.sku] = price
    return market.currency, unit_prices
