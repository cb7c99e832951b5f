"""The shipment aggregate: carrier events in and out of order, terminal statuses, bad times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.shipments import TERMINAL, Shipment, ShipmentLine, ShipmentStatus
from tests.unit.fakes import DEFAULT_NOW

SHIPPED_AT = DEFAULT_NOW
NOW = DEFAULT_NOW + timedelta(days=2)


def make_shipment() -> Shipment:
    shipment = Shipment(
        id=5,
        order_id=7,
        fulfillment_id=11,
        warehouse_id=3,
        carrier="DHL",
        carrier_name="DHL",
        service=None,
        tracking_number="JD0001",
        tracking_url=None,
        code="TRK-0001",
        status=ShipmentStatus.LABEL_CREATED,
        shipped_at=SHIPPED_AT,
        promised_delivery_at=SHIPPED_AT + timedelta(days=3),
        delivered_at=None,
        lines=[ShipmentLine(31, 1, "TEE", 2)],
    )
    shipment.record(ShipmentStatus.LABEL_CREATED, SHIPPED_AT, "AMS", "label created", SHIPPED_AT)
    return shipment


def at(hours: int) -> datetime:
    return SHIPPED_AT + timedelta(hours=hours)


def history(shipment: Shipment) -> list[tuple[ShipmentStatus, bool]]:
    return [(e.status, e.applied) for e in shipment.events]


def test_events_in_order_move_the_status_and_are_all_stored() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.IN_TRANSIT, at(3), "Utrecht hub", None, NOW)
    shipment.record(ShipmentStatus.OUT_FOR_DELIVERY, at(20), "Amsterdam", "on the van", NOW)
    event = shipment.record(ShipmentStatus.DELIVERED, at(26), "Amsterdam", "front door", NOW)
    assert (event.applied, event.recorded_at, event.location, event.description) == (
        True,
        NOW,
        "Amsterdam",
        "front door",
    )
    assert (shipment.status, shipment.delivered_at, shipment.last_event_at) == (
        ShipmentStatus.DELIVERED,
        at(26),
        at(26),
    )
    assert history(shipment) == [
        (ShipmentStatus.LABEL_CREATED, True),
        (ShipmentStatus.IN_TRANSIT, True),
        (ShipmentStatus.OUT_FOR_DELIVERY, True),
        (ShipmentStatus.DELIVERED, True),
    ]


def test_an_event_older_than_the_last_one_is_stored_but_not_applied() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.OUT_FOR_DELIVERY, at(20), None, None, NOW)
    late = shipment.record(ShipmentStatus.IN_TRANSIT, at(3), "Utrecht hub", None, NOW)
    assert not late.applied
    assert (shipment.status, shipment.last_event_at) == (ShipmentStatus.OUT_FOR_DELIVERY, at(20))
    assert history(shipment)[-1] == (ShipmentStatus.IN_TRANSIT, False)
    assert len(shipment.events) == 3


def test_an_event_at_the_same_instant_as_the_last_one_still_applies() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.IN_TRANSIT, at(3), None, None, NOW)
    same = shipment.record(ShipmentStatus.EXCEPTION, at(3), None, "address unknown", NOW)
    assert same.applied
    assert shipment.status is ShipmentStatus.EXCEPTION


def test_an_out_of_order_delivery_does_not_mark_the_shipment_delivered() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.IN_TRANSIT, at(30), None, None, NOW)
    shipment.record(ShipmentStatus.DELIVERED, at(10), None, None, NOW)
    assert (shipment.status, shipment.delivered_at) == (ShipmentStatus.IN_TRANSIT, None)


def test_the_journey_goes_on_after_an_exception() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.EXCEPTION, at(5), None, "damaged label", NOW)
    assert ShipmentStatus.EXCEPTION not in TERMINAL
    shipment.record(ShipmentStatus.IN_TRANSIT, at(8), None, "relabelled", NOW)
    assert shipment.status is ShipmentStatus.IN_TRANSIT


@pytest.mark.parametrize("terminal", [ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER])
def test_a_terminal_status_never_moves_even_for_newer_events(terminal: ShipmentStatus) -> None:
    assert terminal in TERMINAL
    shipment = make_shipment()
    shipment.record(terminal, at(10), None, None, NOW)
    delivered_at = shipment.delivered_at
    for later_status in (
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.EXCEPTION,
        ShipmentStatus.DELIVERED,
    ):
        event = shipment.record(later_status, at(20), None, None, NOW)
        assert not event.applied
    assert (shipment.status, shipment.last_event_at, shipment.delivered_at) == (
        terminal,
        at(10),
        delivered_at,
    )
    assert delivered_at == (at(10) if terminal is ShipmentStatus.DELIVERED else None)
    assert [applied for _, applied in history(shipment)] == [True, True, False, False, False]


def test_an_event_more_than_ten_minutes_in_the_future_is_refused() -> None:
    shipment = make_shipment()
    with pytest.raises(InvalidInput) as caught:
        shipment.record(
            ShipmentStatus.IN_TRANSIT, NOW + timedelta(minutes=10, seconds=1), None, None, NOW
        )
    assert (caught.value.code, caught.value.field) == ("INVALID", ("occurredAt",))
    assert "future" in caught.value.message
    assert (shipment.status, len(shipment.events)) == (ShipmentStatus.LABEL_CREATED, 1)


def test_a_carrier_clock_a_few_minutes_ahead_is_tolerated() -> None:
    shipment = make_shipment()
    event = shipment.record(ShipmentStatus.IN_TRANSIT, NOW + timedelta(minutes=10), None, None, NOW)
    assert event.applied
    assert shipment.status is ShipmentStatus.IN_TRANSIT


def test_a_time_without_a_utc_offset_is_refused() -> None:
    shipment = make_shipment()
    naive = at(3).replace(tzinfo=None)
    with pytest.raises(InvalidInput) as caught:
        shipment.record(ShipmentStatus.IN_TRANSIT, naive, None, None, NOW)
    assert (caught.value.field, caught.value.message) == (("occurredAt",), "needs a UTC offset")
    assert (shipment.status, len(shipment.events)) == (ShipmentStatus.LABEL_CREATED, 1)


def test_a_time_with_another_offset_is_compared_as_the_same_instant() -> None:
    shipment = make_shipment()
    shipment.record(ShipmentStatus.IN_TRANSIT, at(5), None, None, NOW)
    # written in UTC+2, its wall clock reads later than the transit event's; it is not
    cest = timezone(timedelta(hours=2))
    earlier = at(4).astimezone(cest)
    assert earlier.replace(tzinfo=None) > at(5).replace(tzinfo=None)
    assert earlier.utcoffset() == timedelta(hours=2)
    event = shipment.record(ShipmentStatus.OUT_FOR_DELIVERY, earlier, None, None, NOW)
    assert not event.applied
    assert shipment.last_event_at == at(5)
    assert shipment.last_event_at.tzinfo is UTC
