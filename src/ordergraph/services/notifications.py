"""Customer mail use cases: re-sending one message."""

from __future__ import annotations

from ordergraph.domain.errors import NotFound
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.deps import Deps


async def resend_notification(deps: Deps, actor: Principal, notification_id: int) -> int:
    """Queue a copy of one message (staff with orders:write); the id of the new message."""
    actor.require(Scope.ORDERS_WRITE)
    async with deps.uow() as uow:
        new_id = await uow.notifications.resend(notification_id, deps.clock.now())
        if new_id is None:
            raise NotFound("no such notification", field=["notificationId"])
        await uow.commit()
    return new_id
