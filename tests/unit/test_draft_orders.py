"""Draft orders: the status rules, and the use cases on a fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordergraph.domain.drafts import DraftAlreadyCompleted, DraftNotOpen, DraftOrder, DraftStatus
from ordergraph.domain.errors import Forbidden, VersionConflict
from ordergraph.domain.orders import Channel, OrderStatus, OutOfStock, RequestedLine
from ordergraph.services import draft_orders
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
