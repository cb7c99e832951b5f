"""Draft orders: the status rules, and the use cases on a fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.custom_prices import CustomPrice, clean_custom_price, prices_by_sku
from ordergraph.domain.drafts import (
    DraftAlreadyCompleted,
    DraftLine,
    DraftNotOpen,
    DraftOrder,
    DraftStatus,
    HeldStock,
    reservation_change,
)
from ordergraph.domain.errors import Forbidden, InvalidInput, VersionConflict
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, OrderStatus, OutOfStock, RequestedLine
from ordergraph.services import draft_orders
from ordergraph.services.draft_reservations import release_expired_draft_reservations
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def request(lines: list[tuple[str, int]]) -> dict[str, object]:
    return draft_orders.draft_request(
        channel=Channel.PHONE,
        lines=[RequestedLine(sku, q) for sku, q in lines],
        shipping_address=address(),
        email="ann@example.com",
    )


def open_draft() -> DraftOrder:
    return DraftOrder(1, DraftStatus.OPEN, 1, request([("TEE", 1)]), "staff", NOW, NOW)


def test_an_update_bumps_the_version_and_a_stale_one_is_a_conflict() -> None:
    draft = open_draft()
    draft.update(request([("TEE", 2)]), 1, NOW)
    assert draft.version == 2
    with pytest.raises(VersionConflict) as raised:
        draft.update(request([("TEE", 3)]), 1, NOW)
    assert raised.value.current_version == 2
    assert draft.request["lines"] == [["TEE", 2]]


def test_a_completed_draft_cannot_change_or_complete_again() -> None:
    draft = open_draft()
    draft.complete(42, NOW)
    assert (draft.status, draft.order_id) == (DraftStatus.COMPLETED, 42)
    with pytest.raises(DraftAlreadyCompleted):
        draft.complete(43, NOW)
    with pytest.raises(DraftAlreadyCompleted):
        draft.update(request([("TEE", 2)]), None, NOW)


def test_a_deleted_draft_is_not_open() -> None:
    draft = open_draft()
    draft.delete(NOW)
    with pytest.raises(DraftNotOpen):
        draft.complete(1, NOW)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99", weight_grams=300)
    await shop.receive("TEE", "AMS", 5)
    return shop


async def test_completing_a_draft_places_its_order_at_the_quoted_total(shop: Shop) -> None:
    draft = await draft_orders.create_draft_order(shop.deps, ADMIN, request([("TEE", 2)]))
    quoted = await draft_orders.quote_draft(shop.deps, ADMIN, draft)
    assert draft.id is not None
    done, order = await draft_orders.complete_draft_order(shop.deps, ADMIN, draft.id)
    assert order.status is OrderStatus.PLACED
    assert order.channel is Channel.PHONE
    assert order.total.minor_units == quoted.breakdown.total == 4493
    assert order.sales_rep == ADMIN.actor
    assert (done.status, done.order_id) == (DraftStatus.COMPLETED, order.id)
    with pytest.raises(DraftAlreadyCompleted):
        await draft_orders.complete_draft_order(shop.deps, ADMIN, draft.id)


async def test_a_draft_that_could_not_be_placed_is_not_saved(shop: Shop) -> None:
    with pytest.raises(OutOfStock):
        await draft_orders.create_draft_order(shop.deps, ADMIN, request([("TEE", 9)]))
    assert await draft_orders.list_draft_orders(shop.deps, ADMIN, first=10, after=None) == []


async def test_storefront_tokens_cannot_create_drafts(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        await draft_orders.create_draft_order(shop.deps, STOREFRONT, request([("TEE", 1)]))


def test_only_changed_quantities_move_between_reservations() -> None:
    held = [HeldStock("TEE", 1, 2), HeldStock("TEE", 2, 1), HeldStock("CAP", 1, 3)]
    change = reservation_change(held, {"TEE": 2, "MUG": 4})
    assert change.keep == (HeldStock("TEE", 1, 2),)
    assert change.release == (HeldStock("TEE", 2, 1), HeldStock("CAP", 1, 3))
    assert change.extra == {"MUG": 4}
    grown = reservation_change(held, {"TEE": 5, "CAP": 3})
    assert grown.release == ()
    assert grown.extra == {"TEE": 2}


def test_a_custom_price_needs_a_reason_and_a_reason_needs_a_price() -> None:
    price = clean_custom_price("9.50", "EUR", " match ", ["lines", "0"])
    assert price is not None
    assert (price.unit_price.minor_units, price.reason) == (950, "match")
    with pytest.raises(InvalidInput) as no_reason:
        clean_custom_price("9.50", "EUR", None, ["lines", "0"])
    assert (no_reason.value.code, no_reason.value.field) == (
        "REQUIRED",
        ("lines", "0", "priceReason"),
    )
    with pytest.raises(InvalidInput) as no_price:
        clean_custom_price(None, None, "why", ["lines", "1"])
    assert no_price.value.code == "INVALID"
    assert clean_custom_price(None, None, None, ["lines", "0"]) is None


def test_lines_of_one_sku_must_agree_on_the_custom_price() -> None:
    deal = CustomPrice(Money(900, "EUR"), "deal")
    assert prices_by_sku(["TEE", "TEE"], [deal, deal]) == {"TEE": deal}
    with pytest.raises(InvalidInput) as raised:
        prices_by_sku(["TEE", "TEE"], [deal, None])
    assert raised.value.field == ("lines", "1", "unitPrice")


def priced_request(quantity: int, amount: str) -> dict[str, object]:
    return draft_orders.draft_request(
        channel=Channel.PHONE,
        lines=[DraftLine("TEE", quantity, amount, "EUR", "loyal customer")],
        shipping_address=address(),
        email="ann@example.com",
    )


async def test_a_custom_price_is_what_the_quote_and_the_order_charge(shop: Shop) -> None:
    draft = await draft_orders.create_draft_order(shop.deps, ADMIN, priced_request(2, "15.00"))
    quoted = await draft_orders.quote_draft(shop.deps, ADMIN, draft)
    assert [line.unit_price.minor_units for line in quoted.lines] == [1500]
    assert quoted.checkout.list_prices["TEE"].minor_units == 1999
    assert draft.id is not None
    _, order = await draft_orders.complete_draft_order(shop.deps, ADMIN, draft.id)
    assert [line.unit_price.minor_units for line in order.lines] == [1500]
    assert order.total.minor_units == quoted.breakdown.total


async def test_a_held_draft_keeps_its_units_until_the_sweep_after_expiry(shop: Shop) -> None:
    until = shop.clock.now() + timedelta(hours=1)
    draft = await draft_orders.create_draft_order(
        shop.deps, ADMIN, request([("TEE", 3)]), reserve_until=until
    )
    assert shop.level("TEE", "AMS").reserved == 3
    assert draft.reservation_expires_at == until
    assert await release_expired_draft_reservations(shop.deps) == 0  # not yet
    shop.clock.advance(timedelta(hours=2))
    assert await release_expired_draft_reservations(shop.deps) == 1
    assert shop.level("TEE", "AMS").reserved == 0
    assert draft.id is not None
    swept = await draft_orders.get_draft_order(shop.deps, ADMIN, draft.id)
    assert swept is not None
    assert (swept.reservation, swept.version) == ((), draft.version + 1)


async def test_completion_hands_held_units_to_the_order_without_reserving_twice(
    shop: Shop,
) -> None:
    until = shop.clock.now() + timedelta(hours=1)
    draft = await draft_orders.create_draft_order(
        shop.deps, ADMIN, request([("TEE", 5)]), reserve_until=until
    )
    assert shop.level("TEE", "AMS").reserved == 5  # all of it: the order must still fit
    assert draft.id is not None
    done, order = await draft_orders.complete_draft_order(shop.deps, ADMIN, draft.id)
    assert shop.level("TEE", "AMS").reserved == 5
    assert (done.reservation, done.reservation_expires_at) == ((), None)
    assert order.lines[0].quantity == 5
