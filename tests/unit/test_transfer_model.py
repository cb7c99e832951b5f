"""The transfer state machine: in transit until received or cancelled, and never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.transfers import (
    TRANSITIONS,
    InventoryTransfer,
    TransferNotInTransit,
    TransferStatus,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def sent(quantity: int = 5) -> InventoryTransfer:
    return InventoryTransfer.create(
        number="TR-000001",
        sku="MUG",
        from_warehouse_id=1,
        to_warehouse_id=2,
        quantity=quantity,
        actor="staff:ops",
        now=NOW,
    )


def test_a_new_transfer_is_in_transit_at_version_one() -> None:
    transfer = sent()
    assert transfer.status is TransferStatus.IN_TRANSIT
    assert transfer.version == 1
    assert transfer.received_at is None


def test_receiving_stamps_the_time_and_bumps_the_version() -> None:
    transfer = sent()
    later = NOW + timedelta(days=2)
    transfer.receive(later)
    assert transfer.status is TransferStatus.RECEIVED
    assert transfer.received_at == later
    assert transfer.version == 2


def test_cancelling_stamps_the_time() -> None:
    transfer = sent()
    transfer.cancel(NOW)
    assert transfer.status is TransferStatus.CANCELLED
    assert transfer.cancelled_at == NOW


@pytest.mark.parametrize("first", ["receive", "cancel"])
@pytest.mark.parametrize("second", ["receive", "cancel"])
def test_a_finished_transfer_takes_no_second_transition(first: str, second: str) -> None:
    transfer = sent()
    getattr(transfer, first)(NOW)
    with pytest.raises(TransferNotInTransit) as raised:
        getattr(transfer, second)(NOW)
    assert raised.value.code == "TRANSFER_NOT_IN_TRANSIT"
    assert raised.value.field == ("transferId",)
    assert transfer.version == 2


def test_only_in_transit_has_somewhere_to_go() -> None:
    assert TRANSITIONS[TransferStatus.IN_TRANSIT] == {
        TransferStatus.RECEIVED,
        TransferStatus.CANCELLED,
    }
    assert not TRANSITIONS[TransferStatus.RECEIVED]
    assert not TRANSITIONS[TransferStatus.CANCELLED]


@pytest.mark.parametrize("quantity", [0, -3, 1_000_000_001])
def test_the_quantity_must_be_positive_and_sane(quantity: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        sent(quantity)
    assert raised.value.code == "INVALID_QUANTITY"


def test_source_and_destination_must_differ() -> None:
    with pytest.raises(InvalidInput) as raised:
        InventoryTransfer.create(
            number="TR-1",
            sku="MUG",
            from_warehouse_id=3,
            to_warehouse_id=3,
            quantity=1,
            actor="a",
            now=NOW,
        )
    assert raised.value.code == "SAME_WAREHOUSE"
    assert raised.value.field == ("toWarehouseId",)
