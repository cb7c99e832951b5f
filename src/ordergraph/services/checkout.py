"""What an order would be before it is placed: priced lines, weight, and the routing plan.

``placeOrder`` and ``shippingOptions`` both start here, so the options a shopper sees are
quoted for the very warehouses the order will then ship from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Address
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import OrderLine, OutOfStock, RequestedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.routing import Destination, RoutingPlan, plan_routing


@dataclass(frozen=True, slots=True)
class Checkout:
    products: Mapping[str, Product]
    currency: str
    lines: list[OrderLine]
    subtotal: Money
    weight_grams: int
    warehouses: list[Warehouse]
    plan: RoutingPlan

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
) -> Checkout:
    """Price ``demand`` from the catalog and route it to warehouses with the stock; raises
    ``NotFound`` for an unknown SKU, ``MIXED_CURRENCY`` and ``OutOfStock``. Three statements."""
    products = await uow.products.get_many(list(demand))
    for index, line in enumerate(requested):
        if line.sku not in products:
            raise NotFound(f"no product has SKU {line.sku}", field=["lines", str(index), "sku"])
        products[line.sku].check_sellable(["lines", str(index), "sku"])
    currencies = {p.price.currency for p in products.values()}
    if len(currencies) > 1:
        raise InvalidInput(
            "all lines of an order must be priced in one currency",
            field=["lines"],
            code="MIXED_CURRENCY",
        )
    (currency,) = currencies

    warehouses = await uow.warehouses.list_all()
    available = await uow.inventory.availability(list(demand))
    plan = plan_routing(
        demand, available, warehouses, Destination(address.region, address.country_code)
    )
    if not plan.complete:
        raise OutOfStock(plan.shortfall)

    lines = [
        OrderLine(None, sku, products[sku].name, quantity, products[sku].price)
        for sku, quantity in demand.items()
    ]
    subtotal = sum((line.total for line in lines), Money(0, currency))
    weight = sum(products[line.sku].weight_grams * line.quantity for line in lines)
    return Checkout(products, currency, lines, subtotal, weight, warehouses, plan)
