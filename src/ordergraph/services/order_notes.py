"""Staff notes on an order: stored, and on the order's (staff-only) timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordergraph.domain.annotations import NOTE_ADDED, OrderNote, clean_note
from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish


async def add_order_note(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    text: str,
    idempotency_key: str | None = None,
) -> tuple[Order, OrderNote]:
    """Add a note (needs orders:write); records ``order.note_added`` with the note's id only."""
    actor.require(Scope.ORDERS_WRITE)
    cleaned = clean_note(text)

    async def run(uow: UnitOfWork) -> tuple[Order, OrderNote]:
        order = await load_order_for_update(uow, order_id, actor)
        note = await uow.order_notes.add(
            OrderNote(
                id=None,
                order_id=order_id,
                text=cleaned,
                author=actor.actor,
                created_at=deps.clock.now(),
            )
        )
        order.record(NOTE_ADDED, actor.actor, {"noteId": note.id})
        publish(uow, order)
        return order, note

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> tuple[Order, OrderNote]:
        order = await uow.orders.get(order_id)
        if order is None:
            raise NotFound("no such order", field=["orderId"])
        note = OrderNote(
            id=result["noteId"],
            order_id=order_id,
            text=cleaned,
            author=result["author"],
            created_at=datetime.fromisoformat(result["createdAt"]),
        )
        return order, note

    return await run_command(
        deps,
        actor,
        operation="addOrderNote",
        request={"order": order_id, "text": cleaned},
        run=run,
        remember=lambda done: {
            "noteId": done[1].id,
            "author": done[1].author,
            "createdAt": done[1].created_at.isoformat(),
        },
        recall=recall,
        idempotency_key=idempotency_key,
    )
