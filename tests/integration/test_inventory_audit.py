"""The inventory audit on real databases: levels written through the ledger agree with it, and
a level changed behind the ledger's back (raw SQL, the one place a test writes a level) shows up
as drift, field by field."""

from __future__ import annotations

import asyncio
import random

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.inventory_audit import AuditReport, Drift, audit_levels
from ordergraph.db.tables import inventory_levels, inventory_movements
from ordergraph.domain.errors import DomainError
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import stock_ledger
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.stock_operations import set_inventory, set_safety_stock
from tests.integration.conftest import make_product, make_warehouse


async def stocked(deps: Deps, unique: str, skus: int = 2) -> tuple[list[str], int]:
    warehouse = await make_warehouse(deps, f"AU-{unique}")
    assert warehouse.id is not None
    names = [f"AUD-{unique}-{i}" for i in range(skus)]
    for sku in names:
        await make_product(deps, sku)
        await adjust_inventory(
            deps,
            SYSTEM,
            sku=sku,
            warehouse_id=warehouse.id,
            delta=10,
            reason=AdjustmentReason.RECEIVED,
        )
    return names, warehouse.id


async def corrupt(engine: AsyncEngine, sku: str, warehouse_id: int, **values: object) -> None:
    """Write a level directly, as a bug or a hand-made UPDATE would: no movement is booked."""
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(inventory_levels)
            .where(inventory_levels.c.sku == sku, inventory_levels.c.warehouse_id == warehouse_id)
            .values(**values)
        )


async def test_levels_written_through_the_ledger_have_no_drift(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    skus, warehouse_id = await stocked(deps, unique)
    await set_inventory(deps, SYSTEM, sku=skus[0], warehouse_id=warehouse_id, on_hand=4)
    await set_safety_stock(deps, SYSTEM, sku=skus[1], warehouse_id=warehouse_id, quantity=3)

    report = await audit_levels(engine)

    assert report == AuditReport(levels_checked=2, drift=[])
    assert report.clean


async def test_an_empty_database_is_clean(engine: AsyncEngine) -> None:
    assert await audit_levels(engine) == AuditReport(levels_checked=0, drift=[])


async def test_a_level_changed_behind_the_ledger_is_reported_field_by_field(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    skus, warehouse_id = await stocked(deps, unique, skus=3)
    await corrupt(engine, skus[0], warehouse_id, on_hand=13)
    await corrupt(engine, skus[2], warehouse_id, on_hand=12, reserved=2)

    report = await audit_levels(engine)

    assert report.levels_checked == 3
    assert not report.clean
    assert report.drift == [
        Drift(skus[0], warehouse_id, "ON_HAND", expected=10, actual=13),
        Drift(skus[2], warehouse_id, "ON_HAND", expected=10, actual=12),
        Drift(skus[2], warehouse_id, "RESERVED", expected=0, actual=2),
    ]


async def test_in_transit_and_incoming_are_audited_too(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    skus, warehouse_id = await stocked(deps, unique, skus=1)
    await corrupt(engine, skus[0], warehouse_id, in_transit=4, incoming=6)

    report = await audit_levels(engine)

    assert [(d.field, d.expected, d.actual) for d in report.drift] == [
        ("IN_TRANSIT", 0, 4),
        ("INCOMING", 0, 6),
    ]


async def test_a_level_without_any_movement_is_drift(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    skus, warehouse_id = await stocked(deps, unique, skus=1)
    extra = f"AUD-{unique}-X"
    await make_product(deps, extra)
    async with engine.begin() as conn:
        level = (
            (
                await conn.execute(
                    sa.select(inventory_levels).where(inventory_levels.c.sku == skus[0])
                )
            )
            .mappings()
            .one()
        )
        await conn.execute(sa.insert(inventory_levels).values({**level, "sku": extra}))

    report = await audit_levels(engine)

    assert report.levels_checked == 2
    assert report.drift == [Drift(extra, warehouse_id, "ON_HAND", expected=0, actual=10)]


async def test_concurrent_counts_reservations_and_receipts_leave_no_drift_on_postgres(
    pg_engine: AsyncEngine, pg_deps: Deps, unique: str
) -> None:
    skus, warehouse_id = await stocked(pg_deps, unique, skus=1)
    (sku,) = skus
    rng = random.Random(14)

    async def count() -> None:
        await set_inventory(
            pg_deps, SYSTEM, sku=sku, warehouse_id=warehouse_id, on_hand=rng.randrange(5, 30)
        )

    async def reserve() -> None:
        async def run(uow: UnitOfWork) -> bool:
            return await stock_ledger.reserve(
                uow,
                sku=sku,
                warehouse_id=warehouse_id,
                quantity=1,
                actor="test",
                reference="order:test",
                now=pg_deps.clock.now(),
            )

        await in_transaction(pg_deps, run)

    async def receive() -> None:
        await adjust_inventory(
            pg_deps,
            SYSTEM,
            sku=sku,
            warehouse_id=warehouse_id,
            delta=2,
            reason=AdjustmentReason.RECEIVED,
        )

    work = [count, reserve, receive] * 15
    rng.shuffle(work)
    outcomes = await asyncio.gather(*(job() for job in work), return_exceptions=True)

    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)
    ]
    assert unexpected == []
    report = await audit_levels(pg_engine)
    assert report == AuditReport(levels_checked=1, drift=[])
    async with pg_engine.connect() as conn:
        level = (await conn.execute(sa.select(inventory_levels))).mappings().one()
    assert 0 <= level["reserved"] <= level["on_hand"]
    async with pg_engine.connect() as conn:
        kinds = set(
            (await conn.execute(sa.select(inventory_movements.c.kind).distinct())).scalars()
        )
    assert {"CYCLE_COUNT", "RESERVE", "RECEIVE"} <= kinds  # each kind of write went through
