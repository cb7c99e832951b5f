"""Draft orders: staff save a placeOrder input, see its quote, and complete it into an order.

Money comes from ``quote_order`` and the order from ``capture_order`` (placeOrder's body) for
the saved input, so a draft's total is what the order charges (the one pricing function).
Completion locks the draft, places the order and marks the draft completed in one transaction:
exactly one order per draft, however many staff press the button at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ordergraph.domain.customers import AddressFields
from ordergraph.domain.drafts import DraftAlreadyCompleted, DraftNotOpen, DraftOrder, DraftStatus
from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Channel, Order, RequestedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.checkout import validate_capture
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.orders import capture_order
from ordergraph.services.pricing import PricedOrder
from ordergraph.services.quotes import quote_order


def draft_request(
    *,
    channel: Channel,
    lines: Sequence[RequestedLine],
    shipping_address: AddressFields,
    customer_id: int | None = None,
    email: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    sales_rep: str | None = None,
    shipping_option_id: str | None = None,
    market_id: int | None = None,
    discount_codes: Sequence[str] = (),
) -> dict[str, Any]:
    """The placeOrder arguments a draft keeps, as JSON."""
    return {
        "channel": channel.value,
        "lines": [[line.sku, line.quantity] for line in lines],
        "shipping_address": dict(shipping_address),
        "customer_id": customer_id,
        "email": email,
        "contact_name": contact_name,
        "phone": phone,
        "sales_rep": sales_rep,
        "shipping_option_id": shipping_option_id,
        "market_id": market_id,
        "discount_codes": list(discount_codes),
    }


def _arguments(draft: DraftOrder) -> dict[str, Any]:
    r = draft.request
    return {
        "channel": Channel(r["channel"]),
        "lines": [RequestedLine(sku, quantity) for sku, quantity in r["lines"]],
        "shipping_address": cast(AddressFields, r["shipping_address"]),
        "customer_id": r["customer_id"],
        "email": r["email"],
        "contact_name": r["contact_name"],
        "phone": r["phone"],
        "sales_rep": r["sales_rep"] or draft.created_by,
        "shipping_option_id": r["shipping_option_id"],
        "market_id": r["market_id"],
        "discount_codes": r["discount_codes"],
    }


async def quote_draft(deps: Deps, actor: Principal, draft: DraftOrder) -> PricedOrder:
    """What completing the draft would charge now: quoteOrder for its saved input."""
    return await quote_order(deps, actor, **_arguments(draft))


async def create_draft_order(deps: Deps, actor: Principal, request: dict[str, Any]) -> DraftOrder:
    """Save a draft; refused with placeOrder's own errors when its input could not be placed."""
    actor.require(Scope.ORDERS_WRITE)
    now = deps.clock.now()
    draft = DraftOrder(None, DraftStatus.OPEN, 1, request, actor.actor, now, now)
    await quote_draft(deps, actor, draft)  # the same checks placeOrder makes
    async with deps.uow() as uow:
        await uow.draft_orders.add(draft)
        await uow.commit()
    return draft


async def _locked(uow: UnitOfWork, draft_id: int) -> DraftOrder:
    draft = await uow.draft_orders.get(draft_id, for_update=True)
    if draft is None:
        raise NotFound("no such draft order", field=["draftOrderId"])
    return draft


async def update_draft_order(
    deps: Deps,
    actor: Principal,
    draft_id: int,
    request: dict[str, Any],
    expected_version: int | None,
) -> DraftOrder:
    """Replace an open draft's input (CONFLICT on a stale ``expected_version``)."""
    actor.require(Scope.ORDERS_WRITE)
    async with deps.uow() as uow:
        draft = await _locked(uow, draft_id)
    draft.update(request, expected_version, deps.clock.now())
    # placeOrder's checks, outside the write transaction (SQLite has one connection to write)
    await quote_draft(deps, actor, draft)
    async with deps.uow() as uow:
        draft = await _locked(uow, draft_id)
        draft.update(request, expected_version, deps.clock.now())  # checked again, locked
        await uow.draft_orders.save(draft)
        await uow.commit()
    return draft


async def delete_draft_order(deps: Deps, actor: Principal, draft_id: int) -> DraftOrder:
    actor.require(Scope.ORDERS_WRITE)
    async with deps.uow() as uow:
        draft = await _locked(uow, draft_id)
        draft.delete(deps.clock.now())
        await uow.draft_orders.save(draft)
        await uow.commit()
    return draft


def _open(draft: DraftOrder) -> None:
    if draft.status is DraftStatus.COMPLETED:
        raise DraftAlreadyCompleted(draft.order_id)
    if draft.status is not DraftStatus.OPEN:
        raise DraftNotOpen(f"this draft order is {draft.status.value}", field=["draftOrderId"])


async def complete_draft_order(
    deps: Deps, actor: Principal, draft_id: int, *, idempotency_key: str | None = None
) -> tuple[DraftOrder, Order]:
    """Place the draft's order and mark the draft completed, in one transaction.

    The draft row is locked first, so two staff completing it at once queue on the lock: the
    first places the order, the second finds it COMPLETED (``DRAFT_ALREADY_COMPLETED``), or,
    with the same ``idempotency_key``, replays the first one's answer."""
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> tuple[DraftOrder, Order]:
        draft = await _locked(uow, draft_id)
        _open(draft)
        arguments = _arguments(draft)
        shipping_option_id = arguments.pop("shipping_option_id")
        capture = validate_capture(actor, **arguments)
        order = await capture_order(
            uow,
            deps,
            actor,
            capture,
            shipping_option_id,
            placed_details={"draftOrderId": draft_id},
        )
        assert order.id is not None
        draft.complete(order.id, deps.clock.now())
        await uow.draft_orders.save(draft)
        return draft, order

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> tuple[DraftOrder, Order]:
        draft = await uow.draft_orders.get(result["draft"])
        order = await uow.orders.get(result["order"])
        if draft is None or order is None:
            raise NotFound("the order this key created no longer exists")
        return draft, order

    return await run_command(
        deps,
        actor,
        operation="completeDraftOrder",
        request={"draft": draft_id},
        run=run,
        remember=lambda done: {"draft": done[0].id, "order": done[1].id},
        recall=recall,
        idempotency_key=idempotency_key,
    )


async def get_draft_order(deps: Deps, actor: Principal, draft_id: int) -> DraftOrder | None:
    actor.require(Scope.ORDERS_READ)
    async with deps.uow() as uow:
        return await uow.draft_orders.get(draft_id)


async def list_draft_orders(
    deps: Deps, actor: Principal, *, first: int, after: int | None
) -> list[DraftOrder]:
    actor.require(Scope.ORDERS_READ)
    async with deps.uow() as uow:
        return await uow.draft_orders.list(first=first, after=after)
