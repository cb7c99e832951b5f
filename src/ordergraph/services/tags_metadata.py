"""Tags and metadata on orders, customers and products (staff only).

Every change takes an optional ``expectedVersion``, bumps the object's version and records an
event: ``order.tags_changed`` / ``order.metadata_updated`` for orders, ``customer.updated`` and
``product.updated`` (with the changed field's name) for the others. Tag rules are the automation
rules' own (domain/automation.check_tags, merge_tags).
"""

from __future__ import annotations

from collections.abc import Sequence

from ordergraph.domain.annotations import (
    METADATA_UPDATED,
    Target,
    TargetKind,
    add_tags,
    apply_metadata,
    check_metadata_changes,
    remove_tags,
    retag_order,
)
from ordergraph.domain.catalog import Product
from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import InvalidInput, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish

Annotated = Order | Customer | Product
WRITE_SCOPES = {
    TargetKind.ORDER: Scope.ORDERS_WRITE,
    TargetKind.CUSTOMER: Scope.CUSTOMERS_WRITE,
    TargetKind.PRODUCT: Scope.CATALOG_WRITE,
}


async def change_tags(
    deps: Deps,
    actor: Principal,
    *,
    target: Target,
    tags: Sequence[str],
    remove: bool = False,
    expected_version: int | None = None,
) -> Order | Customer:
    """Add (or with ``remove``, take off) tags of an order or a customer."""
    if target.kind is TargetKind.PRODUCT:
        raise InvalidInput("tags go on orders and customers", field=["id"], code="INVALID_ID")
    actor.require(WRITE_SCOPES[target.kind])

    def retag(current: Sequence[str]) -> list[str]:
        return remove_tags(current, tags) if remove else add_tags(current, tags)

    async def run(uow: UnitOfWork) -> Order | Customer:
        if target.kind is TargetKind.ORDER:
            order = await load_order_for_update(uow, target.id, actor)
            check_version(expected_version, order.version, "order")
            if retag_order(order, retag(order.tags), deps.clock.now(), actor.actor):
                await uow.orders.save(order)
                publish(uow, order)
            return order
        customer = await _customer(uow, target.id, expected_version)
        wanted = retag(customer.tags)
        if wanted != customer.tags:
            customer.tags = wanted
            await _save_customer(uow, actor, customer, "tags")
        return customer

    return await in_transaction(deps, run)


async def update_metadata(
    deps: Deps,
    actor: Principal,
    *,
    target: Target,
    items: Sequence[tuple[str, str | None]],
    private: bool = False,
    expected_version: int | None = None,
) -> Annotated:
    """Set (or with a None value, remove) keys of an object's public or private metadata."""
    actor.require(WRITE_SCOPES[target.kind])
    changes = check_metadata_changes(items)
    name = "privateMetadata" if private else "metadata"

    def changed(obj: Annotated) -> bool:
        current = obj.private_metadata if private else obj.metadata
        wanted = apply_metadata(current, changes)
        if wanted == current:
            return False
        if private:
            obj.private_metadata = wanted
        else:
            obj.metadata = wanted
        return True

    async def run(uow: UnitOfWork) -> Annotated:
        if target.kind is TargetKind.ORDER:
            order = await load_order_for_update(uow, target.id, actor)
            check_version(expected_version, order.version, "order")
            if changed(order):
                order.version += 1
                order.updated_at = deps.clock.now()
                # key names only: values (private ones above all) stay off the event log
                keys = sorted(key for key, _ in changes)
                payload = {"version": order.version, "private": private, "keys": keys}
                order.record(METADATA_UPDATED, actor.actor, payload)
                await uow.orders.save(order)
                publish(uow, order)
            return order
        if target.kind is TargetKind.CUSTOMER:
            customer = await _customer(uow, target.id, expected_version)
            if changed(customer):
                await _save_customer(uow, actor, customer, name)
            return customer
        product = await uow.products.get(target.id)
        if product is None:
            raise NotFound("no such product", field=["id"])
        check_version(expected_version, product.version, "product")
        if changed(product):
            previous = product.version
            product.version += 1
            if not await uow.products.update(product, previous_version=previous):
                raise ChangedConcurrently("product changed concurrently")
            payload = {
                "sku": product.sku,
                "status": product.status.value,
                "version": product.version,
                "changed": [name],
            }
            uow.record(
                DomainEvent("product.updated", "Product", target.id, payload, actor=actor.actor)
            )
        return product

    return await in_transaction(deps, run)


async def _customer(uow: UnitOfWork, customer_id: int, expected_version: int | None) -> Customer:
    customer = await uow.customers.get(customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("no such customer", field=["id"])
    check_version(expected_version, customer.version, "customer")
    return customer


async def _save_customer(
    uow: UnitOfWork, actor: Principal, customer: Customer, changed: str
) -> None:
    assert customer.id is not None
    previous = customer.version
    customer.version += 1
    if not await uow.customers.update(customer, previous_version=previous):
        raise ChangedConcurrently("customer changed concurrently")
    payload = {"version": customer.version, "changed": [changed]}
    uow.record(DomainEvent("customer.updated", "Customer", customer.id, payload, actor=actor.actor))
