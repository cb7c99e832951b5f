"""The inbound shipment state machine: partial receipts, over-receipts, cancelling the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.inbound import (
    TRANSITIONS,
    ExpectedLine,
    InboundShipment,
    InboundShipmentNotOpen,
    InboundStatus,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def announced(*lines: tuple[str, int]) -> InboundShipment:
    shipment = InboundShipment.create(
        number="IN-000001",
        warehouse_id=1,
        expected_at=NOW + timedelta(days=7),
        reference="PO-77",
        lines=[ExpectedLine(sku, q) for sku, q in lines or (("MUG", 10), ("CUP", 4))],
        actor="staff:ops",
        now=NOW,
    )
    for index, line in enumerate(shipment.lines, start=1):
        line.id = index
    return shipment


def test_a_new_shipment_is_pending_with_everything_outstanding() -> None:
    shipment = announced()
    assert shipment.status is InboundStatus.PENDING
    assert shipment.outstanding_receipts() == {1: 10, 2: 4}


def test_a_partial_receipt_leaves_it_partially_received() -> None:
    shipment = announced()
    done = shipment.receive({1: 6}, NOW)
    assert [(r.line.sku, r.quantity, r.expected) for r in done] == [("MUG", 6, 10)]
    assert shipment.status is InboundStatus.PARTIALLY_RECEIVED
    assert shipment.outstanding_receipts() == {1: 4, 2: 4}
    assert shipment.received_at is None


def test_receiving_the_rest_completes_it() -> None:
    shipment = announced()
    shipment.receive({1: 6}, NOW)
    shipment.receive(shipment.outstanding_receipts(), NOW + timedelta(hours=1))
    assert shipment.status is InboundStatus.RECEIVED
    assert shipment.received_at == NOW + timedelta(hours=1)
    assert shipment.version == 3


def test_an_over_receipt_is_accepted_and_leaves_nothing_outstanding() -> None:
    shipment = announced(("MUG", 10))
    (receipt,) = shipment.receive({1: 12}, NOW)
    assert (receipt.quantity, receipt.expected) == (12, 10)
    assert shipment.lines[0].quantity_received == 12
    assert shipment.lines[0].outstanding == 0
    assert shipment.status is InboundStatus.RECEIVED


def test_cancelling_returns_what_was_still_outstanding() -> None:
    shipment = announced()
    shipment.receive({1: 10, 2: 1}, NOW)
    rest = shipment.cancel(NOW)
    assert [(line.sku, q) for line, q in rest] == [("CUP", 3)]
    assert shipment.status is InboundStatus.CANCELLED


@pytest.mark.parametrize("finish", ["receive_all", "cancel"])
def test_a_closed_shipment_takes_no_receipt_and_no_cancel(finish: str) -> None:
    shipment = announced()
    if finish == "cancel":
        shipment.cancel(NOW)
    else:
        shipment.receive(shipment.outstanding_receipts(), NOW)
    for action in (lambda: shipment.receive({1: 1}, NOW), lambda: shipment.cancel(NOW)):
        with pytest.raises(InboundShipmentNotOpen) as raised:
            action()
        assert raised.value.code == "INBOUND_SHIPMENT_NOT_OPEN"


def test_closed_states_go_nowhere() -> None:
    assert not TRANSITIONS[InboundStatus.RECEIVED]
    assert not TRANSITIONS[InboundStatus.CANCELLED]
    assert InboundStatus.CANCELLED in TRANSITIONS[InboundStatus.PARTIALLY_RECEIVED]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "REQUIRED"),
        ([("MUG", 0)], "INVALID_QUANTITY"),
        ([("MUG", 1), ("MUG", 2)], "DUPLICATE"),
        ([(f"S{i}", 1) for i in range(251)], "TOO_MANY_LINES"),
    ],
)
def test_lines_are_validated(lines: list[tuple[str, int]], code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        InboundShipment.create(
            number="IN-1",
            warehouse_id=1,
            expected_at=NOW,
            reference=None,
            lines=[ExpectedLine(s, q) for s, q in lines],
            actor="a",
            now=NOW,
        )
    assert raised.value.code == code


def test_a_receipt_of_zero_units_is_refused() -> None:
    with pytest.raises(InvalidInput):
        announced().receive({1: 0}, NOW)
