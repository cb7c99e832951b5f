"""Carrier webhooks, the pure part and the use case: both formats read from fixtures, the status
mapping, both signatures, and what one event does to a shipment (with the fake unit of work).

The EasyPost fixtures are written from EasyPost's public documentation (the ``Event`` and
``Tracker`` objects: https://docs.easypost.com/docs/events, https://docs.easypost.com/docs/trackers;
see tests/fixtures/easypost/README.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ordergraph.config import Settings
from ordergraph.domain.carrier_events import (
    EASYPOST_STATUSES,
    BadSignature,
    CarrierEvent,
    CarrierEventError,
    CarrierEventOutcome,
    generic_signature,
    is_easypost,
    is_tracker_event,
    parse_easypost,
    parse_generic,
    verify_generic_signature,
)
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.orders import Hold, HoldType, IllegalTransition, OrderStatus
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.gateways.easypost_webhooks import verified_easypost_event
from ordergraph.services.carrier_events import receive_carrier_event
from tests.unit.fakes import Shop
from tests.unit.test_order_model import make_order
from tests.unit.test_shipment_services import ship_all

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "easypost"
SECRET = "whsec_carrier_test"
NOW = 1_800_000_000


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def easypost_header(secret: str, body: bytes) -> str:
    return "hmac-sha256-hex=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- the EasyPost format ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "status", "carrier_status"),
    [
        ("tracker_updated_in_transit", "EZ2000000002", ShipmentStatus.IN_TRANSIT, "in_transit"),
        (
            "tracker_updated_out_for_delivery",
            "EZ3000000003",
            ShipmentStatus.OUT_FOR_DELIVERY,
            "out_for_delivery",
        ),
        ("tracker_updated_delivered", "EZ4000000004", ShipmentStatus.DELIVERED, "delivered"),
        (
            "tracker_updated_return_to_sender",
            "EZ5000000005",
            ShipmentStatus.RETURNED_TO_SENDER,
            "return_to_sender",
        ),
        ("tracker_updated_failure", "EZ6000000006", ShipmentStatus.EXCEPTION, "failure"),
    ],
)
def test_each_easypost_fixture_reads_as_one_normalized_event(
    name: str, code: str, status: ShipmentStatus, carrier_status: str
) -> None:
    document = fixture(name)
    assert is_tracker_event(document)
    event = parse_easypost("easypost", document)
    assert (event.source, event.event_id) == ("easypost", document["id"])
    assert (event.tracking_number, event.carrier) == (code, "USPS")
    assert (event.status, event.carrier_status) == (status, carrier_status)
    newest = document["result"]["tracking_details"][-1]
    assert event.occurred_at == datetime.fromisoformat(newest["datetime"])
    assert event.description == newest["message"]


def test_the_place_is_city_state_and_country_of_the_newest_detail() -> None:
    event = parse_easypost("easypost", fixture("tracker_updated_delivered"))
    assert event.location == "CHARLESTON, SC, US"
    assert event.occurred_at == datetime(2026, 12, 2, 13, 2, tzinfo=UTC)


def test_the_newest_detail_wins_even_when_the_list_is_not_sorted() -> None:
    document = fixture("tracker_updated_out_for_delivery")
    document["result"]["tracking_details"].reverse()
    event = parse_easypost("easypost", document)
    assert event.description == "Out for Delivery"


def test_a_tracker_without_details_takes_its_updated_at() -> None:
    document = fixture("tracker_updated_in_transit")
    document["result"]["tracking_details"] = []
    event = parse_easypost("easypost", document)
    assert event.occurred_at == datetime.fromisoformat(document["result"]["updated_at"])
    assert event.location is None


def test_every_documented_easypost_status_is_mapped() -> None:
    documented = {
        "pre_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "available_for_pickup",
        "return_to_sender",
        "failure",
        "cancelled",
        "error",
        "unknown",
    }
    assert set(EASYPOST_STATUSES) == documented
    assert EASYPOST_STATUSES["pre_transit"] is ShipmentStatus.LABEL_CREATED
    assert EASYPOST_STATUSES["available_for_pickup"] is ShipmentStatus.OUT_FOR_DELIVERY
    assert EASYPOST_STATUSES["error"] is None
    assert EASYPOST_STATUSES["unknown"] is None


def test_a_status_easypost_adds_later_is_kept_as_unknown_not_applied() -> None:
    document = fixture("tracker_updated_in_transit")
    document["result"]["status"] = "teleported"
    event = parse_easypost("easypost", document)
    assert (event.carrier_status, event.status) == ("unknown", None)


def test_only_tracker_events_are_read() -> None:
    assert not is_tracker_event({"description": "batch.updated", "result": {}})
    assert not is_tracker_event(["tracker.updated"])
    assert is_tracker_event(
        {**fixture("tracker_updated_in_transit"), "description": "tracker.created"}
    )


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("result"),
        lambda d: d.update(result="a string"),
        lambda d: d["result"].pop("tracking_code"),
        lambda d: d["result"].update(tracking_code=""),
        lambda d: d["result"].update(status=None),
        lambda d: d.pop("id"),
        lambda d: d["result"].update(tracking_code={"nested": True}),
    ],
)
def test_a_broken_easypost_event_is_a_carrier_event_error(breakage: Any) -> None:
    document = fixture("tracker_updated_in_transit")
    breakage(document)
    with pytest.raises(CarrierEventError):
        parse_easypost("easypost", document)


def test_long_carrier_text_is_cut_and_control_characters_dropped() -> None:
    document = fixture("tracker_updated_in_transit")
    document["result"]["tracking_details"][-1]["message"] = "Arrived\x00 " + "x" * 900
    event = parse_easypost("easypost", document)
    assert event.description is not None
    assert len(event.description) == 500
    assert "\x00" not in event.description


def test_easypost_sources_are_named_easypost() -> None:
    assert is_easypost("easypost")
    assert is_easypost("easypost-eu")
    assert not is_easypost("acme-post")
    assert not is_easypost("easypostal")


# --- the EasyPost signature (EasyPost's SDK) --------------------------------------------------


def test_easypost_signature_is_verified_with_the_sdk() -> None:
    body = json.dumps(fixture("tracker_updated_delivered")).encode()
    document = verified_easypost_event(body, easypost_header(SECRET, body), SECRET)
    assert document["id"] == "evt_3a4c5e8f9d0b11efa1b2c3d4e5f60003"


@pytest.mark.parametrize(
    ("header", "body_change"),
    [
        (None, b""),
        ("", b""),
        (lambda body: easypost_header("another secret", body), b""),
        (lambda body: easypost_header(SECRET, body), b" "),  # tampered after signing
        (lambda body: easypost_header(SECRET, body).removeprefix("hmac-sha256-hex="), b""),
        ("hmac-sha256-hex=caf\u00e9", b""),  # not ASCII: compare_digest would raise
    ],
)
def test_a_bad_easypost_signature_is_refused(header: Any, body_change: bytes) -> None:
    body = json.dumps(fixture("tracker_updated_delivered")).encode()
    value = header(body) if callable(header) else header
    with pytest.raises(BadSignature):
        verified_easypost_event(body + body_change, value, SECRET)


def test_a_correctly_signed_body_that_is_not_json_is_a_carrier_event_error() -> None:
    for body in (b"not json", b"\xff\xfe\x00", b"[" * 100_000):
        with pytest.raises(CarrierEventError):
            verified_easypost_event(body, easypost_header(SECRET, body), SECRET)


# --- the generic format and its signature -----------------------------------------------------


def generic(**changes: Any) -> dict[str, Any]:
    return {
        "id": "acme-1",
        "trackingNumber": "AC123",
        "carrier": "ACME",
        "status": "OUT_FOR_DELIVERY",
        "occurredAt": "2026-12-02T07:51:00+01:00",
        "location": "Utrecht",
        "description": "With the driver",
        **changes,
    }


def test_the_generic_format_reads_into_the_same_event() -> None:
    event = parse_generic("acme-post", generic())
    assert event == CarrierEvent(
        source="acme-post",
        event_id="acme-1",
        tracking_number="AC123",
        carrier="ACME",
        carrier_status="OUT_FOR_DELIVERY",
        status=ShipmentStatus.OUT_FOR_DELIVERY,
        occurred_at=datetime(2026, 12, 2, 6, 51, tzinfo=UTC),
        location="Utrecht",
        description="With the driver",
    )
    assert (
        parse_generic("acme-post", generic(status="delivered")).status is ShipmentStatus.DELIVERED
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "LOST_IN_SPACE"},
        {"status": None},
        {"id": None},
        {"trackingNumber": ""},
        {"occurredAt": None},
        {"occurredAt": "yesterday"},
        {"trackingNumber": ["AC123"]},
        {"id": True},
    ],
)
def test_a_broken_generic_event_is_a_carrier_event_error(changes: dict[str, Any]) -> None:
    with pytest.raises(CarrierEventError):
        parse_generic("acme-post", generic(**changes))


def test_a_generic_event_must_be_an_object() -> None:
    with pytest.raises(CarrierEventError):
        parse_generic("acme-post", [generic()])


def test_the_generic_signature_is_our_outgoing_webhook_signature_with_its_timestamp() -> None:
    body = b'{"id":"acme-1"}'
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert generic_signature(SECRET, NOW, body) == f"t={NOW},v1={expected}"
    verify_generic_signature(SECRET, generic_signature(SECRET, NOW, body), body, now=NOW)


def test_a_rotated_secret_may_sign_alongside_the_old_one() -> None:
    body = b"{}"
    old = generic_signature("old secret", NOW, body)
    new = generic_signature(SECRET, NOW, body).split(",", 1)[1]
    verify_generic_signature(SECRET, f"{old},{new}", body, now=NOW)


@pytest.mark.parametrize(
    ("header", "now"),
    [
        (None, NOW),
        ("", NOW),
        (generic_signature("wrong secret", NOW, b"{}"), NOW),
        (generic_signature(SECRET, NOW, b"{ }"), NOW),  # signed another body
        (generic_signature(SECRET, NOW - 301, b"{}"), NOW),  # too old
        (generic_signature(SECRET, NOW + 301, b"{}"), NOW),  # from the future
        (generic_signature(SECRET, NOW, b"{}").split(",", 1)[1], NOW),  # no t=
        (f"t={NOW}", NOW),  # no v1=
        (f"t=abc,{generic_signature(SECRET, NOW, b'{}').split(',', 1)[1]}", NOW),
        (f"t={NOW},v1=caf\u00e9", NOW),
        ("t=" + "9" * 5000, NOW),
    ],
)
def test_a_bad_generic_signature_is_refused(header: str | None, now: int) -> None:
    with pytest.raises(BadSignature):
        verify_generic_signature(SECRET, header, b"{}", now=now)


def test_the_tolerance_can_be_widened() -> None:
    header = generic_signature(SECRET, NOW - 600, b"{}")
    verify_generic_signature(SECRET, header, b"{}", now=NOW, tolerance=900)


# --- the use case, on the fake unit of work ---------------------------------------------------


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 5)
    return shop


def carrier_event(
    tracking: str, status: ShipmentStatus | None, at: datetime, event_id: str = "evt-1"
) -> CarrierEvent:
    return CarrierEvent(
        source="easypost",
        event_id=event_id,
        tracking_number=tracking,
        carrier="USPS",
        carrier_status=status.value.lower() if status else "error",
        status=status,
        occurred_at=at,
        location="CHARLESTON, SC, US",
        description="scan",
    )


async def shipped(shop: Shop) -> tuple[int, int, str]:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    [shipment] = [s for s in shop.store.shipments if s.id == shipment_id]
    shop.clock.advance(timedelta(hours=6))
    return order_id, shipment_id, shipment.tracking_number


async def test_an_event_moves_the_shipment_once_and_its_twin_changes_nothing(shop: Shop) -> None:
    order_id, shipment_id, tracking = await shipped(shop)
    at = shop.clock.now() - timedelta(hours=1)
    first = await receive_carrier_event(
        shop.deps, carrier_event(tracking, ShipmentStatus.IN_TRANSIT, at)
    )
    assert (first.outcome, first.shipment_id, first.order_id) == (
        CarrierEventOutcome.APPLIED,
        shipment_id,
        order_id,
    )
    before = (shop.store.shipments, shop.store.outbox, shop.store.carrier_events)
    again = await receive_carrier_event(
        shop.deps, carrier_event(tracking, ShipmentStatus.DELIVERED, at)
    )
    assert again.outcome is CarrierEventOutcome.DUPLICATE
    assert (shop.store.shipments, shop.store.outbox, shop.store.carrier_events) == before
    [shipment] = shop.store.shipments
    assert shipment.status is ShipmentStatus.IN_TRANSIT
    last = shop.store.outbox[-1]
    assert (last.type, last.actor) == ("shipment.event", "staff:carrier-easypost")


async def test_an_older_event_is_kept_but_never_moves_the_shipment_back(shop: Shop) -> None:
    _, _, tracking = await shipped(shop)
    now = shop.clock.now()
    await receive_carrier_event(
        shop.deps, carrier_event(tracking, ShipmentStatus.OUT_FOR_DELIVERY, now, "e2")
    )
    late = await receive_carrier_event(
        shop.deps,
        carrier_event(tracking, ShipmentStatus.IN_TRANSIT, now - timedelta(hours=2), "e1"),
    )
    assert late.outcome is CarrierEventOutcome.STALE
    [shipment] = shop.store.shipments
    assert shipment.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert [r.outcome for r in shop.store.carrier_events] == [
        CarrierEventOutcome.APPLIED,
        CarrierEventOutcome.STALE,
    ]


async def test_delivery_of_the_only_parcel_delivers_the_order(shop: Shop) -> None:
    order_id, _, tracking = await shipped(shop)
    await receive_carrier_event(
        shop.deps, carrier_event(tracking, ShipmentStatus.DELIVERED, shop.clock.now())
    )
    [order] = [o for o in shop.store.orders if o.id == order_id]
    assert order.status is OrderStatus.DELIVERED


async def test_an_unknown_tracking_number_is_kept_unmatched(shop: Shop) -> None:
    await shipped(shop)
    outbox = len(shop.store.outbox)
    receipt = await receive_carrier_event(
        shop.deps, carrier_event("NOBODY-1", ShipmentStatus.IN_TRANSIT, shop.clock.now())
    )
    assert receipt.outcome is CarrierEventOutcome.UNMATCHED
    [row] = shop.store.carrier_events
    assert (row.outcome, row.shipment_id, row.event.tracking_number) == (
        CarrierEventOutcome.UNMATCHED,
        None,
        "NOBODY-1",
    )
    assert len(shop.store.outbox) == outbox


async def test_a_tracker_state_that_is_no_parcel_state_is_stored_and_ignored(shop: Shop) -> None:
    _, _, tracking = await shipped(shop)
    receipt = await receive_carrier_event(
        shop.deps, carrier_event(tracking, None, shop.clock.now())
    )
    assert receipt.outcome is CarrierEventOutcome.IGNORED
    [shipment] = shop.store.shipments
    assert shipment.status is ShipmentStatus.LABEL_CREATED


@pytest.mark.parametrize("status", [ShipmentStatus.RETURNED_TO_SENDER, ShipmentStatus.EXCEPTION])
async def test_a_returned_or_failed_parcel_holds_the_order_and_tells_staff(
    shop: Shop, status: ShipmentStatus
) -> None:
    order_id, shipment_id, tracking = await shipped(shop)
    await receive_carrier_event(shop.deps, carrier_event(tracking, status, shop.clock.now()))
    [order] = [o for o in shop.store.orders if o.id == order_id]
    assert order.status is OrderStatus.SHIPPED
    [hold] = order.active_holds
    assert hold.type is HoldType.DELIVERY_EXCEPTION
    assert hold.created_by == "staff:carrier-easypost"
    assert tracking in (hold.reason or "")
    types = [e.type for e in shop.store.outbox]
    assert "order.hold_placed" in types
    [told] = [e for e in shop.store.outbox if e.type == "shipment.exception"]
    assert told.payload["shipmentId"] == shipment_id
    assert told.payload["status"] == status.value


async def test_a_second_failure_adds_no_second_hold(shop: Shop) -> None:
    order_id, _, tracking = await shipped(shop)
    now = shop.clock.now()
    for n, status in enumerate([ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED_TO_SENDER]):
        event = carrier_event(tracking, status, now + timedelta(minutes=n), f"e{n}")
        await receive_carrier_event(shop.deps, event)
    [order] = [o for o in shop.store.orders if o.id == order_id]
    assert len(order.active_holds) == 1
    assert sum(e.type == "shipment.exception" for e in shop.store.outbox) == 2


async def test_an_event_from_the_future_is_refused_and_nothing_is_stored(shop: Shop) -> None:
    _, _, tracking = await shipped(shop)
    future = shop.clock.now() + timedelta(hours=2)
    with pytest.raises(InvalidInput):
        await receive_carrier_event(
            shop.deps, carrier_event(tracking, ShipmentStatus.IN_TRANSIT, future)
        )
    assert shop.store.carrier_events == []


# --- the snippets of docs/carrier-events.md work against the real checks ----------------------


def doc_snippets() -> dict[str, Any]:
    """Every ``python`` block of docs/carrier-events.md, run into one namespace."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "carrier-events.md").read_text()
    namespace: dict[str, Any] = {}
    for block in text.split("```python\n")[1:]:
        exec(block.split("\n```", 1)[0], namespace)  # our own documentation, not input
    return namespace


def test_the_documented_signing_snippet_signs_what_we_verify() -> None:
    docs = doc_snippets()
    body = json.dumps(generic()).encode()
    header = docs["carrier_signature"](SECRET, body, NOW)
    verify_generic_signature(SECRET, header, body, now=NOW)
    assert header == generic_signature(SECRET, NOW, body)


def test_the_documented_check_accepts_ours_and_refuses_a_tampered_body() -> None:
    docs = doc_snippets()
    body = b'{"id": "x"}'
    fresh = generic_signature(SECRET, int(datetime.now(UTC).timestamp()), body)
    assert docs["is_valid_carrier_signature"](SECRET, fresh, body)
    assert not docs["is_valid_carrier_signature"](SECRET, fresh, body + b" ")
    assert not docs["is_valid_carrier_signature"](
        SECRET, generic_signature(SECRET, NOW, body), body
    )


def test_the_documented_easypost_signature_passes_the_sdk() -> None:
    docs = doc_snippets()
    body = json.dumps(fixture("tracker_updated_in_transit")).encode()
    secret = "s\u00e9cret"  # NFKD-normalized on both sides
    assert verified_easypost_event(body, docs["easypost_signature"](secret, body), secret)


def test_only_a_delivery_exception_hold_may_be_placed_on_a_shipped_order() -> None:
    order = make_order(OrderStatus.SHIPPED)
    now = datetime(2026, 12, 3, tzinfo=UTC)
    with pytest.raises(IllegalTransition):
        order.place_hold(Hold(None, HoldType.FRAUD_REVIEW, None, now, "staff:x"), now)
    order.place_hold(Hold(None, HoldType.DELIVERY_EXCEPTION, "returned", now, "staff:x"), now)
    assert [h.type for h in order.active_holds] == [HoldType.DELIVERY_EXCEPTION]


# --- events that came before their shipment ---------------------------------------------------


async def test_events_that_came_before_the_shipment_apply_when_it_is_shipped(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    fid = shop.fulfillments_of(order_id)["AMS"].id
    tracking = f"JD-{fid}"  # what ship_all will give it
    start = shop.clock.now()
    early = [
        carrier_event(tracking, ShipmentStatus.LABEL_CREATED, start - timedelta(hours=2), "a"),
        carrier_event(tracking, ShipmentStatus.IN_TRANSIT, start - timedelta(hours=1), "b"),
    ]
    for event in early:
        assert (await receive_carrier_event(shop.deps, event)).outcome is (
            CarrierEventOutcome.UNMATCHED
        )
    shipment_id = await ship_all(shop, order_id)
    [shipment] = shop.store.shipments
    assert shipment.status is ShipmentStatus.IN_TRANSIT  # the carrier's word beats our label
    assert [(r.outcome, r.shipment_id) for r in shop.store.carrier_events] == [
        (CarrierEventOutcome.STALE, shipment_id),  # a label event older than ours: history
        (CarrierEventOutcome.APPLIED, shipment_id),
    ]
    later = carrier_event(tracking, ShipmentStatus.DELIVERED, shop.clock.now(), "c")
    assert (await receive_carrier_event(shop.deps, later)).outcome is CarrierEventOutcome.APPLIED


async def test_an_early_event_never_beats_a_real_carrier_status(shop: Shop) -> None:
    _, _, tracking = await shipped(shop)
    now = shop.clock.now()
    await receive_carrier_event(
        shop.deps, carrier_event(tracking, ShipmentStatus.OUT_FOR_DELIVERY, now, "x")
    )
    # only the label may be beaten: the domain rule, checked directly
    [shipment] = shop.store.shipments
    event = shipment.record(
        ShipmentStatus.IN_TRANSIT, now - timedelta(hours=3), None, None, now, came_before_label=True
    )
    assert not event.applied
    assert shipment.status is ShipmentStatus.OUT_FOR_DELIVERY


# --- configuration ------------------------------------------------------------------------------


def test_the_secrets_come_as_a_json_object_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ORDERGRAPH_CARRIER_WEBHOOK_SECRETS", '{"easypost": "ep-secret", "acme-post": "a"}'
    )
    assert Settings().carrier_webhook_secrets == {"easypost": "ep-secret", "acme-post": "a"}


@pytest.mark.parametrize(
    "secrets", [{"Easy Post": "x"}, {"a" * 65: "x"}, {"": "x"}, {"easypost": " "}, {"../x": "x"}]
)
def test_a_source_must_be_a_plain_short_name_with_a_secret(secrets: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(ORDERGRAPH_CARRIER_WEBHOOK_SECRETS=secrets)
