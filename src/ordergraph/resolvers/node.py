"""``node(id:)``: decode the global ID, check the caller may read that type, load it."""

from __future__ import annotations

from graphql import GraphQLError

from ordergraph.db.queries import transfers as transfer_reads
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.principals import Scope
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.ids import decode_id, is_int_key
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.inbound_shipment import InboundShipmentType
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.product import ProductType
from ordergraph.schema.types.returns import ReturnType
from ordergraph.schema.types.shipment import ShipmentType
from ordergraph.schema.types.transfer import TransferType
from ordergraph.schema.types.warehouse import WarehouseType

_SCOPES = {
    "Product": Scope.CATALOG_READ,
    "Warehouse": Scope.INVENTORY_READ,
    "InventoryLevel": Scope.INVENTORY_READ,
    "Customer": Scope.CUSTOMERS_READ,
    "Order": Scope.ORDERS_READ,
    "Fulfillment": Scope.ORDERS_READ,
    "Shipment": Scope.ORDERS_READ,
    "Return": Scope.ORDERS_READ,
    "InventoryTransfer": Scope.INVENTORY_READ,
    "InboundShipment": Scope.INVENTORY_READ,
}


def _invalid(message: str = "is not a valid ID") -> GraphQLError:
    return GraphQLError(f"id: {message}", extensions={"code": "INVALID_ID"})


async def resolve_node(info: Info, global_id: str) -> Node | None:
    authenticated(info)  # anonymous callers learn nothing, not even whether an ID is well-formed
    try:
        type_name, key = decode_id(global_id)
    except InvalidInput as exc:
        raise _invalid() from exc
    scope = _SCOPES.get(type_name)
    if scope is None:
        raise _invalid(f"names an unknown type {type_name!r}")
    require(info, scope)
    loaders = info.context.loaders
    if type_name == "InventoryLevel":
        warehouse_key, _, sku = key.partition(":")
        if not is_int_key(warehouse_key) or not sku:
            raise _invalid()
        level = await loaders.level_by_key.load((sku, int(warehouse_key)))
        return InventoryLevelType.from_domain(level) if level else None
    if not is_int_key(key):
        raise _invalid()
    pk = int(key)
    if type_name == "Product":
        product = await loaders.product_by_id.load(pk)
        return ProductType.from_domain(product) if product else None
    if type_name == "Warehouse":
        warehouse = await loaders.warehouse_by_id.load(pk)
        return WarehouseType.from_domain(warehouse) if warehouse else None
    if type_name == "Order":
        order = await loaders.order_by_id.load(pk)
        return OrderType.from_domain(order) if order else None
    if type_name == "Fulfillment":
        fulfillment = await loaders.fulfillment_by_id.load(pk)
        return FulfillmentType.from_domain(fulfillment) if fulfillment else None
    if type_name == "Shipment":
        shipment = await loaders.shipment_by_id.load(pk)
        return ShipmentType.from_domain(shipment) if shipment else None
    if type_name in ("InventoryTransfer", "InboundShipment"):
        return await _stock_move(info, type_name, pk)
    if type_name == "Return":
        rma = await loaders.return_by_id.load(pk)
        return ReturnType.from_domain(rma) if rma else None
    customer = await loaders.customer_by_id.load(pk)
    return CustomerType.from_domain(customer) if customer else None


async def _stock_move(info: Info, type_name: str, pk: int) -> Node | None:
    engine = info.context.read_engine
    if type_name == "InventoryTransfer":
        (transfer,) = await transfer_reads.transfers_by_id(engine, [pk])
        return TransferType.from_domain(transfer) if transfer else None
    (shipment,) = await transfer_reads.inbound_by_id(engine, [pk])
    return InboundShipmentType.from_domain(shipment) if shipment else None
