"""The stock ledger: the one module that writes inventory levels.

Each function applies one :class:`LevelChange` to a level (a conditional UPDATE that refuses
instead of overselling), appends one movement per field it changed, and records
``inventory.changed`` — plus ``inventory.low`` when available-to-sell falls below the level's
low-stock threshold. Reservations, releases, shipments, counts, transfers, receipts and restocks
all come through here, so ``inventoryAudit`` can recompute every level from its movements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import (
    InventoryLevel,
    InventoryMovement,
    LevelChange,
    LevelField,
    MovementKind,
    StockAdjustment,
    refused,
)
from ordergraph.domain.ports import UnitOfWork

COUNT_ATTEMPTS = 5


async def reserve(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> bool:
    """Hold units for an order; False (nothing changed) if fewer are available to sell."""
    change = LevelChange(reserved=quantity, sellable=quantity)
    level = await _apply(
        uow, sku, warehouse_id, change, MovementKind.RESERVE, actor, reference, None, now
    )
    return level is not None


async def release(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> None:
    """Give held units back to sale."""
    change = LevelChange(reserved=-quantity)
    level = await _apply(
        uow, sku, warehouse_id, change, MovementKind.RELEASE, actor, reference, None, now
    )
    if level is None:
        raise RuntimeError(f"release of {quantity} {sku} exceeds what is reserved")


async def ship(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> bool:
    """Reserved units leave the building; False if they are not on hand (backordered)."""
    change = LevelChange(on_hand=-quantity, reserved=-quantity, covered=True)
    level = await _apply(
        uow, sku, warehouse_id, change, MovementKind.SHIP, actor, reference, None, now
    )
    return level is not None


async def hand_over(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> bool:
    """Units sold at a counter leave without a reservation; False if they are not on hand
    beyond what other orders hold."""
    change = LevelChange(on_hand=-quantity, covered=True)
    level = await _apply(
        uow, sku, warehouse_id, change, MovementKind.SALE, actor, reference, None, now
    )
    return level is not None


async def adjust(
    uow: UnitOfWork,
    adjustment: StockAdjustment,
    *,
    actor: str,
    reference: str | None = None,
    now: datetime,
) -> InventoryLevel:
    """Change on hand by a delta; raises ``InsufficientStock`` below what is reserved."""
    return await _apply_or_raise(
        uow,
        adjustment.sku,
        adjustment.warehouse_id,
        adjustment.change,
        adjustment.movement_kind,
        actor,
        reference,
        adjustment.note_text,
        now,
        field=["delta"],
    )


async def count(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    on_hand: int,
    actor: str,
    note: str | None = None,
    reference: str | None = None,
    now: datetime,
) -> InventoryLevel:
    """Record a counted quantity: the variance is a CYCLE_COUNT movement (a zero one when the
    count agrees, so the ledger shows the count happened). Raises ``InsufficientStock`` if the
    count is below what is reserved."""
    for _ in range(COUNT_ATTEMPTS):
        level = await uow.inventory.get(sku, warehouse_id)
        was = level.on_hand if level is not None else 0
        change = LevelChange(on_hand=on_hand - was, on_hand_was=was)
        if level is not None and level.reserved > on_hand + level.backorder_limit:
            raise InsufficientStock(
                f"counted {on_hand}, but {level.reserved} are reserved for orders",
                field=["onHand"],
            )
        after = await uow.inventory.apply(sku, warehouse_id, change, now)
        if after is not None:
            await _book(
                uow,
                after,
                change,
                MovementKind.CYCLE_COUNT,
                actor,
                reference,
                note,
                now,
                always=True,
            )
            return after
    raise InsufficientStock(
        "the level kept changing while it was counted; count again", field=["onHand"]
    )


async def restock(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    note: str | None,
    now: datetime,
) -> InventoryLevel:
    """Returned units go back on the shelf."""
    return await _apply_or_raise(
        uow,
        sku,
        warehouse_id,
        LevelChange(on_hand=quantity),
        MovementKind.RESTOCK,
        actor,
        reference,
        note,
        now,
        field=["quantity"],
    )


async def write_off(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    note: str | None,
    now: datetime,
) -> None:
    """Returned units that never re-enter stock: recorded, no level changes."""
    level = await uow.inventory.apply(sku, warehouse_id, LevelChange(), now)
    assert level is not None
    await _book(
        uow, level, LevelChange(), MovementKind.WRITE_OFF, actor, reference, note, now, always=True
    )


async def send_transfer(
    uow: UnitOfWork,
    *,
    sku: str,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> None:
    """Units leave the source at once and show as in transit at the destination. Levels are
    touched in warehouse-id order so two opposite transfers cannot deadlock."""
    out = LevelChange(on_hand=-quantity, covered=True)
    arriving = LevelChange(in_transit=quantity)
    for warehouse_id, change in sorted(
        ((from_warehouse_id, out), (to_warehouse_id, arriving)), key=lambda pair: pair[0]
    ):
        await _apply_or_raise(
            uow,
            sku,
            warehouse_id,
            change,
            MovementKind.TRANSFER_OUT,
            actor,
            reference,
            None,
            now,
            field=["quantity"],
        )


async def receive_transfer(
    uow: UnitOfWork,
    *,
    sku: str,
    to_warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> InventoryLevel:
    """In-transit units arrive and go on hand at the destination."""
    return await _apply_or_raise(
        uow,
        sku,
        to_warehouse_id,
        LevelChange(in_transit=-quantity, on_hand=quantity),
        MovementKind.TRANSFER_IN,
        actor,
        reference,
        None,
        now,
        field=["transferId"],
    )


async def cancel_transfer(
    uow: UnitOfWork,
    *,
    sku: str,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> None:
    """The units never arrive: in transit drops at the destination, on hand returns at the
    source."""
    back = LevelChange(on_hand=quantity)
    gone = LevelChange(in_transit=-quantity)
    for warehouse_id, change in sorted(
        ((from_warehouse_id, back), (to_warehouse_id, gone)), key=lambda pair: pair[0]
    ):
        await _apply_or_raise(
            uow,
            sku,
            warehouse_id,
            change,
            MovementKind.TRANSFER_CANCEL,
            actor,
            reference,
            None,
            now,
            field=["transferId"],
        )


async def expect_incoming(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> InventoryLevel:
    """Units announced by a supplier: counted as incoming, not yet sellable."""
    return await _apply_or_raise(
        uow,
        sku,
        warehouse_id,
        LevelChange(incoming=quantity),
        MovementKind.INBOUND_EXPECTED,
        actor,
        reference,
        None,
        now,
        field=["lines"],
    )


async def receive_incoming(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    expected: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> InventoryLevel:
    """Received units go on hand; incoming drops by what was expected of them (an
    over-receipt adds stock without making incoming negative)."""
    change = LevelChange(on_hand=quantity, incoming=-min(quantity, expected))
    return await _apply_or_raise(
        uow,
        sku,
        warehouse_id,
        change,
        MovementKind.INBOUND_RECEIVED,
        actor,
        reference,
        None,
        now,
        field=["lines"],
    )


async def cancel_incoming(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    actor: str,
    reference: str | None,
    now: datetime,
) -> None:
    """Announced units that will not come."""
    await _apply_or_raise(
        uow,
        sku,
        warehouse_id,
        LevelChange(incoming=-quantity),
        MovementKind.INBOUND_CANCEL,
        actor,
        reference,
        None,
        now,
        field=["inboundShipmentId"],
    )


async def set_safety_stock(
    uow: UnitOfWork, *, sku: str, warehouse_id: int, quantity: int, actor: str, now: datetime
) -> InventoryLevel:
    """Hold ``quantity`` units back from sale (a setting, not a movement)."""
    before = await uow.inventory.get(sku, warehouse_id)
    level = await uow.inventory.configure(sku, warehouse_id, now, safety_stock=quantity)
    _changed(uow, level, None, actor, reference=None)
    _watch_low(uow, before, level, actor)
    return level


async def set_low_stock_threshold(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: int,
    threshold: int | None,
    actor: str,
    now: datetime,
) -> InventoryLevel:
    """Ask for ``inventory.low`` when available-to-sell drops below ``threshold`` (None: never)."""
    before = await uow.inventory.get(sku, warehouse_id)
    level = await uow.inventory.configure(
        sku, warehouse_id, now, low_stock_threshold=threshold, clear_threshold=threshold is None
    )
    _changed(uow, level, None, actor, reference=None)
    _watch_low(uow, before, level, actor)
    return level


async def set_backorder_limit(
    uow: UnitOfWork, *, sku: str, limit: int, actor: str, now: datetime
) -> None:
    """A product's backorder allowance changed: every level of it takes the new limit (a
    setting, not a movement). Refused with ``InsufficientStock`` where more is already promised
    to orders than on hand plus the new limit."""
    refused = await uow.inventory.set_backorder_limit(sku, limit, now)
    if refused:
        worst = refused[0]
        raise InsufficientStock(
            f"{worst.reserved - worst.on_hand} units of {sku} are backordered at warehouse "
            f"{worst.warehouse_id}, more than a limit of {limit} allows",
            field=["backorderLimit"],
        )


async def _apply_or_raise(
    uow: UnitOfWork,
    sku: str,
    warehouse_id: int,
    change: LevelChange,
    kind: MovementKind,
    actor: str,
    reference: str | None,
    note: str | None,
    now: datetime,
    *,
    field: list[str],
) -> InventoryLevel:
    level = await _apply(uow, sku, warehouse_id, change, kind, actor, reference, note, now)
    if level is None:
        raise refused(await uow.inventory.get(sku, warehouse_id), change, field)
    return level


async def _apply(
    uow: UnitOfWork,
    sku: str,
    warehouse_id: int,
    change: LevelChange,
    kind: MovementKind,
    actor: str,
    reference: str | None,
    note: str | None,
    now: datetime,
) -> InventoryLevel | None:
    level = await uow.inventory.apply(sku, warehouse_id, change, now)
    if level is not None:
        await _book(uow, level, change, kind, actor, reference, note, now)
    return level


async def _book(
    uow: UnitOfWork,
    level: InventoryLevel,
    change: LevelChange,
    kind: MovementKind,
    actor: str,
    reference: str | None,
    note: str | None,
    now: datetime,
    *,
    always: bool = False,
) -> None:
    """One movement per changed field (``always``: one zero row for a change of nothing, so a
    count or a write-off still shows in the ledger), then the events."""
    deltas = list(change.deltas())
    if not deltas and always:
        deltas = [(LevelField.ON_HAND, 0)]
    await uow.inventory.record_movements(
        [
            InventoryMovement(
                id=None,
                sku=level.sku,
                warehouse_id=level.warehouse_id,
                kind=kind,
                field=field,
                delta=delta,
                note=note,
                actor=actor,
                reference=reference,
                created_at=now,
            )
            for field, delta in deltas
        ]
    )
    _changed(uow, level, (kind, change), actor, reference)
    _watch_low(uow, change.undo(level), level, actor)


def _changed(
    uow: UnitOfWork,
    level: InventoryLevel,
    movement: tuple[MovementKind, LevelChange] | None,
    actor: str,
    reference: str | None,
) -> None:
    kind, change = movement if movement is not None else (None, LevelChange())
    uow.record(
        DomainEvent(
            "inventory.changed",
            "InventoryLevel",
            level.warehouse_id,
            {
                "sku": level.sku,
                "warehouseId": level.warehouse_id,
                "kind": kind.value if kind is not None else "SETTINGS",
                "onHandDelta": change.on_hand,
                "reservedDelta": change.reserved,
                "inTransitDelta": change.in_transit,
                "incomingDelta": change.incoming,
                "onHand": level.on_hand,
                "reserved": level.reserved,
                "availableToSell": level.available_to_sell,
                "reference": reference,
            },
            actor=actor,
        )
    )


def _watch_low(
    uow: UnitOfWork, before: InventoryLevel | None, after: InventoryLevel, actor: str
) -> None:
    """``inventory.low`` once per crossing: it was not low before this change and is now."""
    if not after.is_low or (before is not None and before.is_low):
        return
    uow.record(
        DomainEvent(
            "inventory.low",
            "InventoryLevel",
            after.warehouse_id,
            {
                "sku": after.sku,
                "warehouseId": after.warehouse_id,
                "availableToSell": after.available_to_sell,
                "threshold": after.low_stock_threshold,
                "onHand": after.on_hand,
                "reserved": after.reserved,
                "safetyStock": after.safety_stock,
            },
            actor=actor,
        )
    )


@dataclass(frozen=True, slots=True)
class CountedLevel:
    """One counted quantity for :func:`count_many`."""

    sku: str
    warehouse_id: int
    on_hand: int
    note: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.sku, self.warehouse_id)


async def count_many(
    uow: UnitOfWork,
    counts: Sequence[CountedLevel],
    *,
    before: Mapping[tuple[str, int], InventoryLevel],
    actor: str,
    reference: str | None = None,
    now: datetime,
) -> dict[tuple[str, int], InventoryLevel | InsufficientStock]:
    """:func:`count` for many levels in one transaction (a bulk import), in fewer statements:
    missing level rows are created in one, the levels take their counts in one UPDATE guarded,
    level by level, by the on-hand quantity the caller read in bulk (``before``) and by what is
    reserved, and the movements are appended in one. A level that changed since that read is
    counted again by :func:`count`. Each result is the level after its count, or the
    ``InsufficientStock`` that refused it."""
    results: dict[tuple[str, int], InventoryLevel | InsufficientStock] = {}
    await uow.inventory.ensure_levels([c.key for c in counts if c.key not in before], now)
    booked: list[tuple[InventoryLevel, LevelChange, str | None]] = []
    wanted: list[tuple[CountedLevel, LevelChange]] = []
    for counted in sorted(counts, key=lambda c: c.key):  # the fixed order every writer takes
        level = before.get(counted.key)
        if level is not None and level.reserved > counted.on_hand + level.backorder_limit:
            results[counted.key] = InsufficientStock(
                f"counted {counted.on_hand}, but {level.reserved} are reserved for orders",
                field=["onHand"],
            )
            continue
        was = level.on_hand if level is not None else 0
        wanted.append((counted, LevelChange(on_hand=counted.on_hand - was, on_hand_was=was)))
    applied = await uow.inventory.apply_counts(
        [(c.sku, c.warehouse_id, c.on_hand, change.on_hand_was or 0) for c, change in wanted],
        now,
    )
    for counted, change in wanted:
        after = applied.get(counted.key)
        if after is None:  # someone else moved it since the read: count it the slow way
            try:
                results[counted.key] = await count(
                    uow,
                    sku=counted.sku,
                    warehouse_id=counted.warehouse_id,
                    on_hand=counted.on_hand,
                    actor=actor,
                    note=counted.note,
                    reference=reference,
                    now=now,
                )
            except InsufficientStock as exc:
                results[counted.key] = exc
            continue
        booked.append((after, change, counted.note))
        results[counted.key] = after
    await uow.inventory.record_movements(
        [
            InventoryMovement(
                id=None,
                sku=after.sku,
                warehouse_id=after.warehouse_id,
                kind=MovementKind.CYCLE_COUNT,
                field=field,
                delta=delta,
                note=note,
                actor=actor,
                reference=reference,
                created_at=now,
            )
            for after, change, note in booked
            for field, delta in (list(change.deltas()) or [(LevelField.ON_HAND, 0)])
        ]
    )
    for after, change, _note in booked:
        _changed(uow, after, (MovementKind.CYCLE_COUNT, change), actor, reference)
        _watch_low(uow, change.undo(after), after, actor)
    return results
