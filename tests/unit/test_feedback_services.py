"""Use cases for delivery feedback, on the fake unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.feedback import (
    FeedbackWindowClosed,
    InvalidFeedbackToken,
    OrderNotDelivered,
    feedback_token,
)
from ordergraph.services.feedback import order_for_feedback, submit_order_feedback
from tests.unit.fakes import Shop


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 5)
    return shop


def token_for(shop: Shop, order_id: int) -> str:
    return feedback_token(shop.deps.secret_key, order_id)


async def test_a_delivered_order_gets_its_rating_and_comment_recorded(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    feedback = await submit_order_feedback(
        shop.deps, token=token_for(shop, order_id), rating=4, comment=" Fast, thanks "
    )
    assert (feedback.rating, feedback.comment) == (4, "Fast, thanks")
    assert feedback.submitted_at == shop.clock.now()
    (stored,) = shop.store.feedback
    assert (stored.order_id, stored.rating, stored.id) == (order_id, 4, feedback.id)


async def test_a_second_submission_within_two_weeks_changes_the_feedback(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    token = token_for(shop, order_id)
    first = await submit_order_feedback(shop.deps, token=token, rating=2, comment="late")
    shop.clock.advance(timedelta(days=13))
    second = await submit_order_feedback(shop.deps, token=token, rating=5, comment=None)
    (stored,) = shop.store.feedback
    assert (stored.rating, stored.comment, stored.id) == (5, None, first.id)
    assert stored.submitted_at == second.submitted_at == shop.clock.now()
    assert stored.created_at == first.created_at


async def test_feedback_older_than_two_weeks_can_no_longer_change(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    token = token_for(shop, order_id)
    await submit_order_feedback(shop.deps, token=token, rating=2, comment="late")
    shop.clock.advance(timedelta(days=15))
    with pytest.raises(FeedbackWindowClosed):
        await submit_order_feedback(shop.deps, token=token, rating=5, comment=None)
    assert shop.store.feedback[0].rating == 2


async def test_an_order_not_yet_delivered_cannot_be_rated(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    with pytest.raises(OrderNotDelivered) as caught:
        await submit_order_feedback(
            shop.deps, token=token_for(shop, order_id), rating=5, comment=None
        )
    assert caught.value.code == "ORDER_NOT_DELIVERED"
    assert shop.store.feedback == []


async def test_a_forged_token_is_refused_without_touching_the_store(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    commits = shop.store.commits
    with pytest.raises(InvalidFeedbackToken) as caught:
        await submit_order_feedback(
            shop.deps, token=feedback_token("wrong key", order_id), rating=5, comment=None
        )
    assert caught.value.code == "INVALID_TOKEN"
    assert shop.store.commits == commits


async def test_a_valid_token_for_an_order_that_does_not_exist_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidFeedbackToken):
        await submit_order_feedback(shop.deps, token=token_for(shop, 999), rating=5, comment=None)


async def test_a_bad_rating_records_nothing(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    with pytest.raises(InvalidInput):
        await submit_order_feedback(
            shop.deps, token=token_for(shop, order_id), rating=6, comment=None
        )
    assert shop.store.feedback == []


async def test_the_page_finds_the_order_and_the_feedback_given_so_far(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    token = token_for(shop, order_id)
    order, none_yet = await order_for_feedback(shop.deps, token)
    assert (order.id, none_yet) == (order_id, None)
    await submit_order_feedback(shop.deps, token=token, rating=3, comment="ok")
    _, given = await order_for_feedback(shop.deps, token)
    assert given is not None
    assert given.rating == 3
