"""Use cases: transfers and inbound shipments on the fakes, through the stock ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden, InsufficientStock, NotFound
from ordergraph.domain.inbound import ExpectedLine, InboundShipmentNotOpen, InboundStatus
from ordergraph.domain.inventory import AdjustmentReason, LevelField, MovementKind
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.domain.transfers import TransferNotInTransit, TransferStatus
from ordergraph.domain.webhooks import check_event_patterns
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.deps import Deps
from ordergraph.services.inbound import (
    InboundReceipt,
    cancel_inbound_shipment,
    create_inbound_shipment,
    receive_inbound_shipment,
)
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.transfers import cancel_transfer, receive_transfer, transfer_inventory
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
READER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="ro", token_id=2)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
async def deps(store: FakeStore) -> Deps:
    deps = fake_deps(store, FixedClock(DEFAULT_NOW))
    for code in ("AMS", "FRA"):
        await create_warehouse(deps, ADMIN, code=code, name=code, region="EU", country_code="NL")
    await create_product(deps, ADMIN, sku="TEE", name="Tee", price_amount="9", price_currency="EUR")
    await adjust_inventory(
        deps, ADMIN, sku="TEE", warehouse_id=1, delta=10, reason=AdjustmentReason.RECEIVED
    )
    return deps


def level(store: FakeStore, warehouse_id: int) -> tuple[int, int, int]:
    found = store.levels.get(("TEE", warehouse_id))
    return (found.on_hand, found.in_transit, found.incoming) if found else (0, 0, 0)


def event_types(store: FakeStore, prefix: str) -> list[str]:
    return [e.type for e in store.outbox if e.type.startswith(prefix)]


async def test_a_transfer_round_trip_moves_stock_and_records_each_step(
    deps: Deps, store: FakeStore
) -> None:
    transfer = await transfer_inventory(
        deps, ADMIN, sku="TEE", from_warehouse_id=1, to_warehouse_id=2, quantity=4
    )
    assert transfer.number == "TR-000001"
    assert (level(store, 1), level(store, 2)) == ((6, 0, 0), (0, 4, 0))
    assert transfer.id is not None
    received = await receive_transfer(deps, ADMIN, transfer_id=transfer.id)
    assert received.status is TransferStatus.RECEIVED
    assert (level(store, 1), level(store, 2)) == ((6, 0, 0), (4, 0, 0))
    assert event_types(store, "transfer.") == ["transfer.created", "transfer.received"]
    kinds = {m.kind for m in store.movements if m.reference == "TR-000001"}
    assert kinds == {MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN}


async def test_cancelling_brings_the_units_home_and_a_second_cancel_is_refused(
    deps: Deps, store: FakeStore
) -> None:
    transfer = await transfer_inventory(
        deps, ADMIN, sku="TEE", from_warehouse_id=1, to_warehouse_id=2, quantity=10
    )
    assert transfer.id is not None
    await cancel_transfer(deps, ADMIN, transfer_id=transfer.id)
    assert (level(store, 1), level(store, 2)) == ((10, 0, 0), (0, 0, 0))
    with pytest.raises(TransferNotInTransit):
        await cancel_transfer(deps, ADMIN, transfer_id=transfer.id)
    with pytest.raises(TransferNotInTransit):
        await receive_transfer(deps, ADMIN, transfer_id=transfer.id)


async def test_a_refused_transfer_writes_nothing(deps: Deps, store: FakeStore) -> None:
    before = (len(store.movements), len(store.outbox))
    with pytest.raises(InsufficientStock):
        await transfer_inventory(
            deps, ADMIN, sku="TEE", from_warehouse_id=1, to_warehouse_id=2, quantity=11
        )
    with pytest.raises(NotFound):
        await transfer_inventory(
            deps, ADMIN, sku="TEE", from_warehouse_id=1, to_warehouse_id=99, quantity=1
        )
    with pytest.raises(Forbidden):
        await transfer_inventory(
            deps, READER, sku="TEE", from_warehouse_id=1, to_warehouse_id=2, quantity=1
        )
    assert (len(store.movements), len(store.outbox)) == before
    assert store.state.transfers == {}


async def test_a_retried_key_answers_the_first_transfer(deps: Deps, store: FakeStore) -> None:
    first = await transfer_inventory(
        deps,
        ADMIN,
        sku="TEE",
        from_warehouse_id=1,
        to_warehouse_id=2,
        quantity=1,
        idempotency_key="k",
    )
    again = await transfer_inventory(
        deps,
        ADMIN,
        sku="TEE",
        from_warehouse_id=1,
        to_warehouse_id=2,
        quantity=1,
        idempotency_key="k",
    )
    assert again.id == first.id
    assert level(store, 1) == (9, 0, 0)


async def test_a_conflicting_commit_is_retried_without_a_second_transfer(
    deps: Deps, store: FakeStore
) -> None:
    store.fail_next_commits(2)
    await transfer_inventory(
        deps, ADMIN, sku="TEE", from_warehouse_id=1, to_warehouse_id=2, quantity=3
    )
    assert len(store.state.transfers) == 1
    assert level(store, 1) == (7, 0, 0)


async def test_inbound_receipts_in_parts_then_cancel_the_rest(deps: Deps, store: FakeStore) -> None:
    shipment = await create_inbound_shipment(
        deps,
        ADMIN,
        warehouse_id=2,
        expected_at=DEFAULT_NOW + timedelta(days=5),
        lines=[ExpectedLine("TEE", 8)],
        reference="PO-9",
    )
    assert shipment.id is not None
    assert level(store, 2) == (0, 0, 8)
    part = await receive_inbound_shipment(
        deps, ADMIN, shipment_id=shipment.id, receipts=[InboundReceipt(3, sku="TEE")]
    )
    assert part.status is InboundStatus.PARTIALLY_RECEIVED
    assert level(store, 2) == (3, 0, 5)
    cancelled = await cancel_inbound_shipment(deps, ADMIN, shipment_id=shipment.id)
    assert cancelled.status is InboundStatus.CANCELLED
    assert level(store, 2) == (3, 0, 0)
    with pytest.raises(InboundShipmentNotOpen):
        await receive_inbound_shipment(deps, ADMIN, shipment_id=shipment.id)
    assert event_types(store, "inbound_shipment.") == [
        "inbound_shipment.created",
        "inbound_shipment.received",
        "inbound_shipment.cancelled",
    ]
    incoming = [m for m in store.movements if m.field is LevelField.INCOMING]
    assert sum(m.delta for m in incoming) == 0


async def test_receiving_everything_with_an_over_receipt_by_line_id(
    deps: Deps, store: FakeStore
) -> None:
    shipment = await create_inbound_shipment(
        deps,
        ADMIN,
        warehouse_id=1,
        expected_at=DEFAULT_NOW,
        lines=[ExpectedLine("TEE", 2)],
    )
    assert shipment.id is not None
    line_id = shipment.lines[0].id
    done = await receive_inbound_shipment(
        deps, ADMIN, shipment_id=shipment.id, receipts=[InboundReceipt(5, line_id=line_id)]
    )
    assert done.status is InboundStatus.RECEIVED
    assert level(store, 1) == (15, 0, 0)


def test_webhooks_can_subscribe_to_transfer_and_inbound_events() -> None:
    patterns = {"transfer.*", "inbound_shipment.received", "inbound_shipment.cancelled"}
    assert check_event_patterns(patterns) == patterns
