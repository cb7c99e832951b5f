"""``SqlAvailabilityReader`` on both backends: available-to-sell and restocks, straight from SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.availability import SqlAvailabilityReader
from ordergraph.domain.availability import Restock
from ordergraph.domain.inbound import ExpectedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import stock_ledger
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.inbound import create_inbound_shipment, receive_inbound_shipment
from ordergraph.services.transfers import transfer_inventory
from tests.integration.conftest import make_product, make_warehouse

EXPECTED = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


async def test_available_to_sell_takes_off_reserved_and_safety_stock(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    home = await make_warehouse(deps, f"H-{unique}")
    away = await make_warehouse(deps, f"A-{unique}")
    sku = (await make_product(deps, f"SKU-{unique}")).sku
    assert home.id is not None
    assert away.id is not None
    home_id, away_id = home.id, away.id
    now = deps.clock.now()

    async def stock_up(work: UnitOfWork) -> None:
        await stock_ledger.restock(
            work,
            sku=sku,
            warehouse_id=home_id,
            quantity=10,
            actor="t",
            reference=None,
            note=None,
            now=now,
        )
        await stock_ledger.reserve(
            work, sku=sku, warehouse_id=home_id, quantity=3, actor="t", reference=None, now=now
        )
        await stock_ledger.set_safety_stock(
            work, sku=sku, warehouse_id=home_id, quantity=2, actor="t", now=now
        )

    await in_transaction(deps, stock_up)
    reader = SqlAvailabilityReader(engine)
    snapshot = await reader.stock([sku, f"NOPE-{unique}"])
    assert snapshot.backorderable == {sku: False}
    assert snapshot.available[(sku, home_id)] == 10 - 3 - 2
    assert (sku, away_id) not in snapshot.available  # no level there
    assert {home_id, away_id} <= {w.id for w in snapshot.warehouses}
    assert snapshot.total(sku) == 5


async def test_restocks_are_the_earliest_open_line_and_transfers_in_transit(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    home = await make_warehouse(deps, f"H-{unique}")
    away = await make_warehouse(deps, f"A-{unique}")
    sku = (await make_product(deps, f"SKU-{unique}")).sku
    assert home.id is not None
    assert away.id is not None
    for days in (9, 4):
        await create_inbound_shipment(
            deps,
            SYSTEM,
            warehouse_id=home.id,
            expected_at=EXPECTED + timedelta(days=days),
            lines=[ExpectedLine(sku, 2)],
        )
    done = await create_inbound_shipment(
        deps, SYSTEM, warehouse_id=away.id, expected_at=EXPECTED, lines=[ExpectedLine(sku, 1)]
    )
    assert done.id is not None
    await receive_inbound_shipment(deps, SYSTEM, shipment_id=done.id)  # received: not a restock
    sent = await transfer_inventory(
        deps, SYSTEM, sku=sku, from_warehouse_id=away.id, to_warehouse_id=home.id, quantity=1
    )

    found = await SqlAvailabilityReader(engine).restocks([sku])
    assert sorted(found, key=lambda r: r.source_warehouse_id or 0) == [
        Restock(sku, home.id, EXPECTED + timedelta(days=4), None),
        Restock(sku, home.id, sent.created_at, away.id),
    ]
