"""Draft orders: staff save a placeOrder input, see its quote, and complete it into an order.

Money comes from ``quote_order`` and the order from ``capture_order`` (placeOrder's body) for
the saved input, so a draft's total is what the order charges (the one pricing function).
Completion locks the draft, places the order and marks the draft completed in one transaction:
exactly one order per draft, however many staff press the button at once.

A line may carry a custom unit price with a reason (orders:write, which every draft use case
needs already, as Shopify lets draft-order staff set line prices): ``price_order`` prices it in
place of the catalog's, so discounts and tax apply on it. A draft may hold its stock until
``reserveInventoryUntil`` (``draft_reservations``); completion hands the units to the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from ordergraph.domain.custom_prices import CustomPrice, clean_custom_price
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.drafts import (
    DraftAlreadyCompleted,
    DraftLine,
    DraftNotOpen,
    DraftOrder,
    DraftStatus,
    check_reserve_until,
)
from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Channel, Order, RequestedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.checkout import validate_capture
from ordergraph.services.command import in_transaction, run_command
from ordergraph.services.deps import Deps
from ordergraph.services.draft_reservations import hold_stock, release_stock
from ordergraph.services.orders import capture_order
from ordergraph.services.pricing import PricedOrder
from ordergraph.services.quotes import quote_order


def draft_request(
    *,
    channel: Channel,
    lines: Sequence[DraftLine | RequestedLine],
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
    """The placeOrder arguments a draft keeps, as JSON; a line with a custom price keeps it
    (checked: ``clean_custom_price``) as a third item."""
    return {
        "channel": channel.value,
        "lines": [_line_json(line, i) for i, line in enumerate(lines)],
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


def _line_json(line: DraftLine | RequestedLine, index: int) -> list[Any]:
    if not isinstance(line, DraftLine):
        return [line.sku, line.quantity]
    custom = clean_custom_price(
        line.unit_price_amount, line.unit_price_currency, line.price_reason, ["lines", str(index)]
    )
    return (
        [line.sku, line.quantity] if custom is None else [line.sku, line.quantity, custom.to_json()]
    )


def custom_prices(draft: DraftOrder) -> list[CustomPrice | None]:
    """Each saved line's custom price (None: the catalog's), in line order."""
    return [
        CustomPrice.from_json(line[2]) if len(line) > 2 else None for line in draft.request["lines"]
    ]


def _arguments(draft: DraftOrder) -> dict[str, Any]:
    r = draft.request
    return {
        "channel": Channel(r["channel"]),
        "lines": [RequestedLine(line[0], line[1]) for line in r["lines"]],
        "shipping_address": cast(AddressFields, r["shipping_address"]),
        "customer_id": r["customer_id"],
        "email": r["email"],
        "contact_name": r["contact_name"],
        "phone": r["phone"],
        "sales_rep": r["sales_rep"] or draft.created_by,
        "shipping_option_id": r["shipping_option_id"],
        "market_id": r["market_id"],
        "discount_codes": r["discount_codes"],
        "custom_prices": custom_prices(draft),
    }


async def quote_draft(deps: Deps, actor: Principal, draft: DraftOrder) -> PricedOrder:
    """What completing the draft would charge now: quoteOrder for its saved input (the units
    it holds count as available to it)."""
    return await quote_order(deps, actor, **_arguments(draft), held=draft.reservation)


async def create_draft_order(
    deps: Deps,
    actor: Principal,
    request: dict[str, Any],
    *,
    reserve_until: datetime | None = None,
) -> DraftOrder:
    """Save a draft; refused with placeOrder's own errors when its input could not be placed.
    With ``reserve_until`` its units are reserved until then (``OUT_OF_STOCK`` if not there)."""
    actor.require(Scope.ORDERS_WRITE)
    now = deps.clock.now()
    if reserve_until is not None:
        check_reserve_until(reserve_until, now)
    draft = DraftOrder(None, DraftStatus.OPEN, 1, request, actor.actor, now, now)
    await quote_draft(deps, actor, draft)  # the same checks placeOrder makes

    async def run(uow: UnitOfWork) -> DraftOrder:
        fresh = replace(draft, id=None)  # a retry starts from the unsaved draft again
        await uow.draft_orders.add(fresh)
        if reserve_until is not None:
            await hold_stock(uow, actor, fresh, reserve_until, now)
            await uow.draft_orders.save(fresh)
        return fresh

    return await in_transaction(deps, run)


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
    *,
    reserve_until: datetime | None = None,
    change_reservation: bool = False,
) -> DraftOrder:
    """Replace an open draft's input (CONFLICT on a stale ``expected_version``). Held stock
    follows the new lines (only changed quantities move) until the expiry it had, or, with
    ``change_reservation``, until ``reserve_until`` (None: released)."""
    actor.require(Scope.ORDERS_WRITE)
    now = deps.clock.now()
    if change_reservation and reserve_until is not None:
        check_reserve_until(reserve_until, now)
    async with deps.uow() as uow:
        draft = await _locked(uow, draft_id)
    draft.update(request, expected_version, now)
    # placeOrder's checks, outside the write transaction (SQLite has one connection to write)
    await quote_draft(deps, actor, draft)

    async def run(uow: UnitOfWork) -> DraftOrder:
        draft = await _locked(uow, draft_id)
        until = reserve_until if change_reservation else draft.reservation_expires_at
        draft.update(request, expected_version, now)  # checked again, locked
        await hold_stock(uow, actor, draft, until, now)
        await uow.draft_orders.save(draft)
        return draft

    return await in_transaction(deps, run)


async def delete_draft_order(deps: Deps, actor: Principal, draft_id: int) -> DraftOrder:
    """Delete an open draft and release the stock it holds, in one transaction."""
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> DraftOrder:
        draft = await _locked(uow, draft_id)
        _open(draft)
        now = deps.clock.now()
        await release_stock(uow, actor, draft, now)
        draft.delete(now)
        await uow.draft_orders.save(draft)
        return draft

    return await in_transaction(deps, run)


def _placed_details(draft_id: int, prices: Mapping[str, CustomPrice]) -> dict[str, Any]:
    """What ``order.placed`` tells of the draft: its id and each custom price with its reason."""
    details: dict[str, Any] = {"draftOrderId": draft_id}
    if prices:
        details["customPrices"] = [{"sku": sku, **p.to_json()} for sku, p in sorted(prices.items())]
    return details


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
    with the same ``idempotency_key``, replays the first one's answer. Stock the draft holds
    is released and reserved again for the order in this transaction, under the same row
    locks: handed over, never reserved twice, never taken by another order in between."""
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> tuple[DraftOrder, Order]:
        draft = await _locked(uow, draft_id)
        _open(draft)
        arguments = _arguments(draft)
        shipping_option_id = arguments.pop("shipping_option_id")
        capture = validate_capture(actor, **arguments)
        await release_stock(uow, actor, draft, deps.clock.now())
        order = await capture_order(
            uow,
            deps,
            actor,
            capture,
            shipping_option_id,
            placed_details=_placed_details(draft_id, capture.custom_prices),
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
