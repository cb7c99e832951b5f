"""``editOrder`` and ``cancelOrderLines``: two ways into the one change-set engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.order_changes import (
    AddLine,
    Change,
    ChangeKind,
    LineState,
    RemoveLine,
    SetQuantity,
    SetShippingAddress,
    SetShippingMethod,
    cancellation_changes,
)
from ordergraph.domain.payment_links import PaymentCollection
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_sku, clean_text, optional_text
from ordergraph.services.change_sets import ChangeRequest, ChangeResult, run_change
from ordergraph.services.deps import Deps


@dataclass(frozen=True, slots=True)
class EditInput:
    """One change as the client sent it (exactly one field set)."""

    add_sku: str | None = None
    add_quantity: int = 0
    remove_line_id: int | None = None
    set_line_id: int | None = None
    set_quantity: int = 0
    address: AddressFields | None = None
    shipping_option_id: str | None = None


def parse_changes(given: Sequence[EditInput]) -> list[Change]:
    """The client's changes, cleaned (SKUs, addresses); raises the usual input errors."""
    changes: list[Change] = []
    for i, c in enumerate(given):
        at = ("changes", str(i))
        if c.add_sku is not None:
            changes.append(AddLine(clean_sku(c.add_sku, [*at, "addLine", "sku"]), c.add_quantity))
        elif c.remove_line_id is not None:
            changes.append(RemoveLine(c.remove_line_id))
        elif c.set_line_id is not None:
            changes.append(SetQuantity(c.set_line_id, c.set_quantity))
        elif c.address is not None:
            address = Address.create(**c.address, field_prefix=(*at, "setShippingAddress"))
            changes.append(SetShippingAddress(address))
        elif c.shipping_option_id is not None:
            changes.append(SetShippingMethod(c.shipping_option_id))
    return changes


async def edit_order(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    changes: Sequence[EditInput],
    expected_version: int | None = None,
    dry_run: bool = False,
    payment_token: str | None = None,
    reason: str | None = None,
    notify_customer: bool = True,
    idempotency_key: str | None = None,
    collect: PaymentCollection = PaymentCollection.PAYMENT_TOKEN,
    base_url: str = "",
) -> ChangeResult:
    """Add, remove or re-count lines and change the address or the shipping method of an order
    not fully picked (the address and method only while nothing is picked). With ``collect``
    PAY_LINK a higher total of a paid order is left to a BALANCE_DUE link under ``base_url``
    instead of charged with ``payment_token``."""
    actor.require(Scope.ORDERS_WRITE)
    parsed = parse_changes(changes)
    why = optional_text(reason, ["reason"], max_length=500)
    request = ChangeRequest(
        kind=ChangeKind.EDIT,
        order_id=order_id,
        make_changes=lambda _states: parsed,
        expected_version=expected_version,
        reason=why,
        payment_token=payment_token,
        notify_customer=notify_customer,
        fingerprint={
            "order": order_id,
            "changes": [repr(c) for c in parsed],
            "version": expected_version,
            "reason": why,
            "collect": collect.value,
        },
        collect=collect,
        base_url=base_url,
    )
    return await run_change(deps, actor, request, dry_run=dry_run, idempotency_key=idempotency_key)


async def cancel_order_lines(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    reason: str,
    expected_version: int | None = None,
    dry_run: bool = False,
    notify_customer: bool = True,
    idempotency_key: str | None = None,
) -> ChangeResult:
    """Cancel units not yet picked; the rest of the order goes ahead. Their share of the
    money is refunded (paid) or simply not captured (authorized)."""
    actor.require(Scope.ORDERS_WRITE)
    why = clean_text(reason, ["reason"], max_length=500)
    wanted = list(lines)

    def make(states: Sequence[LineState]) -> list[Change]:
        return cancellation_changes(states, wanted)

    request = ChangeRequest(
        kind=ChangeKind.CANCELLATION,
        order_id=order_id,
        make_changes=make,
        expected_version=expected_version,
        reason=why,
        notify_customer=notify_customer,
        fingerprint={"order": order_id, "lines": wanted, "reason": why},
    )
    return await run_change(deps, actor, request, dry_run=dry_run, idempotency_key=idempotency_key)
