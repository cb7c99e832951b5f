"""The rules of notes, tags and metadata (pure), and their use cases on fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordergraph.domain.access import may_read_event, may_see_on_timeline
from ordergraph.domain.annotations import (
    MAX_METADATA_KEYS,
    Target,
    TargetKind,
    add_tags,
    apply_metadata,
    check_metadata_changes,
    clean_note,
    remove_tags,
    retag_order,
)
from ordergraph.domain.errors import Forbidden, InvalidInput, VersionConflict
from ordergraph.domain.orders import Order
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.automation_actions import add_order_tags
from ordergraph.services.order_notes import add_order_note
from ordergraph.services.tags_metadata import change_tags, update_metadata
from tests.unit.fakes import ADMIN, Shop
from tests.unit.tee_shop import place_tee_order, tee_shop

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CUSTOMER = Principal(role=Role.CUSTOMER, scopes=scopes_for(Role.CUSTOMER, None), customer_id=1)
STAFF = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="sam")


def code_of(call: object) -> str:
    assert isinstance(call, InvalidInput)
    return call.code


# --- pure rules -----------------------------------------------------------------------------


def test_a_note_is_trimmed_and_limited_to_5000_characters() -> None:
    assert clean_note("  ring the bell  ") == "ring the bell"
    assert len(clean_note("x" * 5000)) == 5000
    for text, code in [("x" * 5001, "TOO_LONG"), ("\x00", "INVALID_CHARACTERS"), (" ", "REQUIRED")]:
        with pytest.raises(InvalidInput) as caught:
            clean_note(text)
        assert caught.value.code == code


def test_tags_are_cleaned_like_automation_tags_added_once_and_removed() -> None:
    assert add_tags(["vip"], [" Gift ", "VIP", "gift"]) == ["vip", "gift"]
    assert remove_tags(["vip", "gift"], ["GIFT", "absent"]) == ["vip"]
    with pytest.raises(InvalidInput):
        add_tags([], [f"t{i}" for i in range(21)])


def test_metadata_changes_set_and_remove_keys_the_last_given_wins() -> None:
    changes = check_metadata_changes([("a", "1"), ("b.c:d-e_f", "2"), ("a", None)])
    assert changes == [("b.c:d-e_f", "2"), ("a", None)]
    assert apply_metadata({"a": "old", "z": "9"}, changes) == {"b.c:d-e_f": "2", "z": "9"}


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("has space", "v", "INVALID"),
        ("slash/key", "v", "INVALID"),
        ("k" * 101, "v", "TOO_LONG"),
        ("", "v", "REQUIRED"),
        ("k", "v" * 2001, "TOO_LONG"),
        ("k", "bell\x07", "INVALID_CHARACTERS"),
    ],
)
def test_bad_metadata_keys_and_values_are_refused(key: str, value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_metadata_changes([(key, value)])
    assert caught.value.code == code


def test_a_metadata_map_holds_at_most_50_keys() -> None:
    full = {f"k{i}": "v" for i in range(MAX_METADATA_KEYS)}
    assert apply_metadata(full, [("k0", "new")])["k0"] == "new"
    with pytest.raises(InvalidInput) as caught:
        apply_metadata(full, [("one.more", "v")])
    assert caught.value.code == "TOO_MANY_KEYS"
    assert len(apply_metadata(full, [("k0", None), ("one.more", "v")])) == MAX_METADATA_KEYS


def test_notes_and_metadata_events_are_for_staff_only() -> None:
    for event_type in ("order.note_added", "order.metadata_updated"):
        assert not may_see_on_timeline(CUSTOMER, event_type)
        assert not may_read_event(CUSTOMER, event_type, order_customer_id=1)
        assert may_see_on_timeline(STAFF, event_type)
        assert may_read_event(STAFF, event_type)
    assert may_see_on_timeline(CUSTOMER, "order.tags_changed")
    assert may_read_event(CUSTOMER, "order.tags_changed", order_customer_id=1)


# --- use cases on fakes ---------------------------------------------------------------------


@pytest.fixture
async def shop() -> Shop:
    return await tee_shop()


async def place(shop: Shop) -> int:
    return await place_tee_order(shop)


async def test_a_note_is_stored_and_recorded_with_its_id_only(shop: Shop) -> None:
    order_id = await place(shop)
    order, note = await add_order_note(shop.deps, ADMIN, order_id=order_id, text=" hi ")
    assert (note.text, note.order_id) == ("hi", order_id)
    assert note.id is not None
    event = shop.store.state.outbox[-1]
    assert (event.type, event.payload["noteId"]) == ("order.note_added", note.id)
    assert "hi" not in str(event.payload)
    assert order.version == 1  # a note changes nothing on the order itself
    with pytest.raises(Forbidden):
        await add_order_note(shop.deps, STAFF, order_id=order_id, text="no write scope")


async def test_retagging_bumps_the_version_and_records_what_changed(shop: Shop) -> None:
    order_id = await place(shop)
    order = await change_tags(
        shop.deps, ADMIN, target=Target(TargetKind.ORDER, order_id), tags=["a", "b"]
    )
    assert (order.tags, order.version) == (["a", "b"], 2)
    event = shop.store.state.outbox[-1]
    assert (event.type, event.payload["added"], event.payload["removed"]) == (
        "order.tags_changed",
        ["a", "b"],
        [],
    )
    with pytest.raises(VersionConflict) as caught:
        await change_tags(
            shop.deps,
            ADMIN,
            target=Target(TargetKind.ORDER, order_id),
            tags=["a"],
            remove=True,
            expected_version=1,
        )
    assert caught.value.current_version == 2


async def test_automation_tags_go_through_the_same_change(shop: Shop) -> None:
    order_id = await place(shop)
    added = await add_order_tags(shop.deps, ADMIN, order_id=order_id, tags=["Rush"])
    assert added == ["rush"]
    assert shop.store.state.outbox[-1].type == "order.tags_changed"
    assert shop.store.state.orders[order_id].tags == ["rush"]


async def test_tags_already_there_change_nothing(shop: Shop) -> None:
    order_id = await place(shop)
    target = Target(TargetKind.ORDER, order_id)
    await change_tags(shop.deps, ADMIN, target=target, tags=["a"])
    events = len(shop.store.state.outbox)
    again = await change_tags(shop.deps, ADMIN, target=target, tags=["A"])
    assert (again.tags, again.version) == (["a"], 2)
    assert len(shop.store.state.outbox) == events
    assert isinstance(again, Order)
    assert retag_order(again, ["a"], NOW, "staff:x") is False


async def test_customer_and_product_metadata_need_their_write_scopes(shop: Shop) -> None:
    customer_id = await shop.add_customer("meta@example.com")
    customer = await update_metadata(
        shop.deps,
        ADMIN,
        target=Target(TargetKind.CUSTOMER, customer_id),
        items=[("crm", "7")],
        private=True,
    )
    assert (customer.private_metadata, customer.metadata, customer.version) == (
        {"crm": "7"},
        {},
        2,
    )
    assert shop.store.state.outbox[-1].payload["changed"] == ["privateMetadata"]
    with pytest.raises(Forbidden):
        await update_metadata(
            shop.deps, STAFF, target=Target(TargetKind.CUSTOMER, customer_id), items=[("a", "b")]
        )
    with pytest.raises(InvalidInput) as caught:
        await change_tags(
            shop.deps, ADMIN, target=Target(TargetKind.PRODUCT, 1), tags=["a"], remove=False
        )
    assert code_of(caught.value) == "INVALID_ID"
