"""Stock a draft order holds until ``reserveInventoryUntil``: reserved, adjusted, released.

Every move goes through the stock ledger with reference ``draft:<id>`` (the path orders use),
so ``inventoryAudit`` keeps recomputing the levels. An update moves only the changed
quantities (``reservation_change``); deleting, the expiry sweep and completion release the
rest. Completion releases and the order reserves again inside one transaction, under the same
row locks: the units pass to the order and nobody else can take them in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.drafts import (
    DraftOrder,
    DraftStatus,
    HeldStock,
    reservation_change,
)
from ordergraph.domain.orders import RequestedLine, merge_lines
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.services import stock_ledger
from ordergraph.services.checkout import route_demand
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.orders import reserve_plan


def _reference(draft: DraftOrder) -> str:
    return f"draft:{draft.id}"


def draft_demand(draft: DraftOrder) -> dict[str, int]:
    """SKU → units of the draft's lines (repeated SKUs merged, as the order will have them)."""
    return merge_lines([RequestedLine(line[0], line[1]) for line in draft.request["lines"]])


async def hold_stock(
    uow: UnitOfWork,
    actor: Principal,
    draft: DraftOrder,
    until: datetime | None,
    now: datetime,
) -> None:
    """Make the draft hold its lines' units until ``until`` (None: hold nothing), moving only
    what changed; ``OutOfStock`` when the extra units are not there. Inside the caller's
    transaction; the caller saves the draft."""
    demand: Mapping[str, int] = draft_demand(draft) if until is not None else {}
    change = reservation_change(draft.reservation, demand)
    for unit in sorted(change.release, key=lambda u: (u.sku, u.warehouse_id)):
        await _release(uow, actor, draft, unit, now)
    added: list[HeldStock] = []
    if change.extra:
        address = Address.create(**cast(AddressFields, draft.request["shipping_address"]))
        _, plan = await route_demand(uow, change.extra, address)
        reserved = await reserve_plan(uow, plan, actor, _reference(draft), now)
        added = [HeldStock(a.sku, a.warehouse_id, a.quantity) for a in reserved]
    draft.hold([*change.keep, *added], until)


async def release_stock(
    uow: UnitOfWork, actor: Principal, draft: DraftOrder, now: datetime
) -> None:
    """Give back everything the draft holds (delete, expiry, completion); the caller saves."""
    for unit in sorted(draft.reservation, key=lambda u: (u.sku, u.warehouse_id)):
        await _release(uow, actor, draft, unit, now)
    draft.hold((), None)


async def _release(
    uow: UnitOfWork, actor: Principal, draft: DraftOrder, unit: HeldStock, now: datetime
) -> None:
    await stock_ledger.release(
        uow,
        sku=unit.sku,
        warehouse_id=unit.warehouse_id,
        quantity=unit.quantity,
        actor=actor.actor,
        reference=_reference(draft),
        now=now,
    )


async def release_expired_draft_reservations(deps: Deps, *, limit: int = 100) -> int:
    """Release the stock of open drafts whose ``reserveInventoryUntil`` has passed; safe to
    run in every worker (rows claimed with SKIP LOCKED). Returns how many drafts it released."""

    async def run(uow: UnitOfWork) -> int:
        now = deps.clock.now()
        released = 0
        for draft_id in await uow.draft_orders.expired_reservations(now, limit):
            draft = await uow.draft_orders.get(draft_id, for_update=True)
            if (
                draft is None
                or draft.status is not DraftStatus.OPEN
                or not draft.reservation
                or draft.reservation_expires_at is None
                or draft.reservation_expires_at > now
            ):
                continue  # completed, deleted or extended meanwhile
            await release_stock(uow, SYSTEM, draft, now)
            draft.reservation_expired(now)
            await uow.draft_orders.save(draft)
            released += 1
        return released

    return await in_transaction(deps, run)
