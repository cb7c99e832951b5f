"""GDPR requests: export everything held about a person, or erase the person.

Both need ``customers:privacy`` (``ordergraph.domain.access.may_manage_privacy``) and leave an
event on the timeline: ``customer.data_exported`` / ``customer.erased`` on the customer, and
``order.customer_erased`` on each order whose contact details were anonymized. Orders are kept
(amounts, lines, stock movements and shipments stay true for accounting); the person goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.access import may_manage_privacy
from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import Forbidden, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.principals import Principal
from ordergraph.services.deps import Deps


@dataclass(frozen=True, slots=True)
class PersonalDataExport:
    customer_id: int
    generated_at: datetime
    data: dict[str, Any]


def _allowed(actor: Principal) -> None:
    if not may_manage_privacy(actor):
        raise Forbidden("GDPR requests need the customers:privacy permission")


async def export_customer_data(
    deps: Deps, actor: Principal, *, customer_id: int
) -> PersonalDataExport:
    _allowed(actor)
    now = deps.clock.now()
    async with deps.uow() as uow:
        data = await uow.privacy.personal_data(customer_id)
        if data is None:
            raise NotFound("no such customer", field=["customerId"])
        uow.record(
            DomainEvent("customer.data_exported", "Customer", customer_id, actor=actor.actor)
        )
        await uow.commit()
    return PersonalDataExport(customer_id, now, data)


async def erase_customer(deps: Deps, actor: Principal, *, customer_id: int) -> tuple[Customer, int]:
    """Anonymize the person; returns the erased customer and how many orders were touched."""
    _allowed(actor)
    now = deps.clock.now()
    async with deps.uow() as uow:
        existing = await uow.customers.get(customer_id)
        if existing is None:
            raise NotFound("no such customer", field=["customerId"])
        if existing.erased_at is not None:
            return existing, 0  # erasing twice changes nothing
        order_ids = await uow.privacy.erase(customer_id, now)
        assert order_ids is not None
        uow.record(
            DomainEvent(
                "customer.erased",
                "Customer",
                customer_id,
                {"orders": len(order_ids)},
                actor=actor.actor,
            )
        )
        for order_id in order_ids:
            uow.record(
                DomainEvent(
                    "order.customer_erased", "Order", order_id, order_id=order_id, actor=actor.actor
                )
            )
        erased = await uow.customers.get(customer_id)
        await uow.commit()
    assert erased is not None
    return erased, len(order_ids)
