"""What a rule's actions do: each one calls the use case a person would call, as the rule.

An action never raises: it ends ``OK``, ``SKIPPED`` (nothing to do: the hold is already
there, the event is not about a return) or ``FAILED`` with the reason the use case gave.
"""

from __future__ import annotations

import logging
from typing import Any

from ordergraph.domain.annotations import retag_order
from ordergraph.domain.automation import (
    ActionKind,
    ActionOutcome,
    ActionSpec,
    ActionStatus,
    PastEvent,
    check_tags,
    merge_tags,
)
from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.notifications import NotificationRequest, NotificationType
from ordergraph.domain.orders import HoldType, Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services import holds, order_carrier, payment_terms, rerouting, returns
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish

log = logging.getLogger("ordergraph.automation")


def _ok(kind: ActionKind, message: str | None = None) -> ActionOutcome:
    return ActionOutcome(kind, ActionStatus.OK, message)


def _skipped(kind: ActionKind, message: str) -> ActionOutcome:
    return ActionOutcome(kind, ActionStatus.SKIPPED, message)


def _failed(kind: ActionKind, message: str) -> ActionOutcome:
    return ActionOutcome(kind, ActionStatus.FAILED, message[:500])


async def run_action(
    deps: Deps, actor: Principal, action: ActionSpec, event: PastEvent, *, key: str
) -> ActionOutcome:
    kind = action.kind
    try:
        return await _dispatch(deps, actor, action, event, key)
    except InvalidInput as exc:
        if exc.code == "DUPLICATE" and kind is ActionKind.HOLD:
            return _skipped(kind, exc.message)
        if exc.code == "NOT_FOUND" and kind is ActionKind.RELEASE_HOLD:
            return _skipped(kind, exc.message)
        return _failed(kind, exc.message)
    except DomainError as exc:
        return _failed(kind, exc.message)
    except Exception as exc:  # one broken action must not stop the run or the consumer
        log.exception("automation action %s failed", kind.value)
        return _failed(kind, f"{type(exc).__name__}: {exc}")


async def _dispatch(
    deps: Deps, actor: Principal, action: ActionSpec, event: PastEvent, key: str
) -> ActionOutcome:
    kind, params, order_id = action.kind, action.params, event.order_id
    match kind:
        case ActionKind.HOLD:
            await holds.hold_order(
                deps,
                actor,
                order_id=order_id,
                hold_type=HoldType(params["type"]),
                reason=params.get("reason"),
                idempotency_key=key,
            )
            return _ok(kind)
        case ActionKind.RELEASE_HOLD:
            return await _release(deps, actor, order_id, params.get("type"), key)
        case ActionKind.ADD_TAGS:
            added = await add_order_tags(deps, actor, order_id=order_id, tags=params["tags"])
            return _ok(kind, ", ".join(added)) if added else _skipped(kind, "already tagged")
        case ActionKind.NOTIFY:
            await notify_customer(
                deps, actor, order_id=order_id, type=NotificationType(params["type"]), key=key
            )
            return _ok(kind)
        case ActionKind.APPROVE_RETURN:
            return_id = event.payload.get("returnId")
            if not isinstance(return_id, int):
                return _skipped(kind, f"{event.type} is not about a return")
            await returns.approve_return(deps, actor, return_id=return_id, idempotency_key=key)
            return _ok(kind)
        case ActionKind.SET_WAREHOUSE:
            moved = await rerouting.reroute_order(
                deps,
                actor,
                order_id=order_id,
                warehouse_id=int(params["warehouseId"]),
                idempotency_key=key,
            )
            return _ok(kind) if moved else _skipped(kind, "no pending fulfillment to move")
        case ActionKind.CONFIRM:
            await payment_terms.confirm_on_terms(
                deps, actor, order_id=order_id, idempotency_key=key
            )
            return _ok(kind, "confirmed on payment terms; payment PENDING")
        case ActionKind.CHOOSE_CARRIER_SERVICE:
            option = await order_carrier.choose_order_carrier_service(
                deps,
                actor,
                order_id=order_id,
                carrier_service_id=int(params["carrierServiceId"]),
                idempotency_key=key,
            )
            return _ok(kind, f"{option.carrier} {option.service}")
    return _failed(kind, f"unknown action {kind}")  # pragma: no cover


async def _release(
    deps: Deps, actor: Principal, order_id: int, type_: str | None, key: str
) -> ActionOutcome:
    kind = ActionKind.RELEASE_HOLD
    if type_ is not None:
        await holds.release_order_hold(
            deps, actor, order_id=order_id, hold_type=HoldType(type_), idempotency_key=key
        )
        return _ok(kind)
    async with deps.uow() as uow:
        order = await uow.orders.get(order_id)
        active = [h.type for h in order.active_holds] if order is not None else []
    if not active:
        return _skipped(kind, "no active hold")
    for hold_type in active:
        await holds.release_order_hold(
            deps,
            actor,
            order_id=order_id,
            hold_type=hold_type,
            idempotency_key=f"{key}:{hold_type}",
        )
    return _ok(kind, ", ".join(t.value for t in active))


async def add_order_tags(
    deps: Deps, actor: Principal, *, order_id: int, tags: list[str]
) -> list[str]:
    """Add tags to an order (each once); returns the ones that were new."""
    actor.require(Scope.ORDERS_WRITE)
    wanted = check_tags(tags, ["tags"])

    async def run(uow: UnitOfWork) -> list[str]:
        order = await load_order_for_update(uow, order_id, actor)
        added = [t for t in wanted if t not in order.tags]
        # the same change as addTags: a new version and order.tags_changed
        if retag_order(order, merge_tags(order.tags, added), deps.clock.now(), actor.actor):
            await uow.orders.save(order)
            publish(uow, order)
        return added

    return await run_command(
        deps,
        actor,
        operation="addOrderTags",
        request={"order": order_id, "tags": wanted},
        run=run,
        remember=lambda added: {"added": added},
        recall=_recall_added,
    )


async def _recall_added(_uow: UnitOfWork, result: dict[str, Any]) -> list[str]:
    return list(result["added"])


async def notify_customer(
    deps: Deps, actor: Principal, *, order_id: int, type: NotificationType, key: str
) -> None:
    """Queue a customer mail of this type about the order (once per ``key``)."""
    actor.require(Scope.ORDERS_WRITE)
    async with deps.uow() as uow:
        order: Order | None = await uow.orders.get(order_id)
        if order is None:
            raise InvalidInput("no such order", field=["orderId"], code="NOT_FOUND")
        if not order.email:
            raise InvalidInput("the order has no email address", field=["orderId"])
        await uow.notifications.enqueue(
            NotificationRequest(
                type=type,
                recipient=order.email,
                key=f"{key}:{type.value}",
                locale=order.locale,
                order_id=order.id,
                customer_id=order.customer_id,
            ),
            deps.clock.now(),
        )
        await uow.commit()
