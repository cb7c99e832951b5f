"""Managing webhooks through the unit of work: register, change, delete, redeliver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.webhooks import DeliveryStatus, WebhookUrlPolicy
from ordergraph.services.webhooks import (
    create_webhook,
    delete_webhook,
    redeliver,
    update_webhook,
)
from tests.unit.fakes import ADMIN, Shop

OPEN = WebhookUrlPolicy(allow_private=True)
STRICT = WebhookUrlPolicy(allow_private=False)
URL = "https://hooks.example.com/in"
READ_ONLY = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
INTEGRATOR = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.WEBHOOKS_MANAGE})),
    name="integrator",
)


async def test_a_webhook_is_registered_in_one_commit_with_a_generated_secret() -> None:
    shop = Shop()
    webhook, secret = await create_webhook(
        shop.deps, INTEGRATOR, OPEN, url=f" {URL} ", events=["order.*", "order.placed"]
    )
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert (webhook.url, webhook.events, webhook.active) == (
        URL,
        frozenset({"order.*", "order.placed"}),
        True,
    )
    assert webhook.created_at == shop.clock.now()
    (stored,) = shop.store.webhooks
    assert (stored.webhook, stored.secret, stored.created_by) == (
        webhook,
        secret,
        "staff:integrator",
    )
    assert stored.webhook.owner.scopes == INTEGRATOR.scopes
    assert shop.store.commits == 1
    assert shop.store.outbox == []  # no webhook.* event reaches other subscribers


async def test_a_given_secret_is_kept_and_a_short_one_refused() -> None:
    shop = Shop()
    _, secret = await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"], secret="s" * 16)
    assert secret == "s" * 16
    with pytest.raises(InvalidInput) as caught:
        await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"], secret="short")
    assert caught.value.field == ("secret",)
    assert len(shop.store.webhooks) == 1


async def test_without_webhooks_manage_nothing_is_registered() -> None:
    shop = Shop()
    with pytest.raises(Forbidden):
        await create_webhook(shop.deps, READ_ONLY, OPEN, url=URL, events=["*"])
    assert shop.store.webhooks == []
    assert shop.store.commit_attempts == 0


async def test_a_private_address_is_refused_under_the_strict_policy() -> None:
    shop = Shop()
    with pytest.raises(InvalidInput) as caught:
        await create_webhook(
            shop.deps, ADMIN, STRICT, url="http://127.0.0.1:9/x", events=["order.placed"]
        )
    assert caught.value.code == "INVALID_URL"
    assert shop.store.webhooks == []


async def test_an_unknown_event_type_is_refused() -> None:
    shop = Shop()
    with pytest.raises(InvalidInput) as caught:
        await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["order.nonsense"])
    assert caught.value.field == ("events",)


async def test_an_update_changes_only_what_is_given() -> None:
    shop = Shop()
    webhook, _ = await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"])
    shop.clock.advance(timedelta(minutes=5))
    changed = await update_webhook(shop.deps, ADMIN, OPEN, webhook_id=webhook.id, active=False)
    assert (changed.url, changed.events, changed.active) == (URL, frozenset({"*"}), False)
    assert changed.updated_at == shop.clock.now()
    assert changed.created_at == webhook.created_at
    again = await update_webhook(
        shop.deps, ADMIN, OPEN, webhook_id=webhook.id, url=URL + "2", events=["order.placed"]
    )
    assert (again.url, again.events, again.active) == (
        URL + "2",
        frozenset({"order.placed"}),
        False,
    )


async def test_updating_or_deleting_an_unknown_webhook_is_not_found() -> None:
    shop = Shop()
    with pytest.raises(NotFound):
        await update_webhook(shop.deps, ADMIN, OPEN, webhook_id=99, active=True)
    with pytest.raises(NotFound):
        await delete_webhook(shop.deps, ADMIN, webhook_id=99)


async def test_deleting_dead_letters_what_is_outstanding_and_keeps_the_log() -> None:
    shop = Shop()
    webhook, _ = await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"])
    now = shop.clock.now()
    pending = shop.store.add_webhook_delivery(webhook.id, DeliveryStatus.PENDING, now)
    done = shop.store.add_webhook_delivery(webhook.id, DeliveryStatus.SUCCEEDED, now)
    await delete_webhook(shop.deps, ADMIN, webhook_id=webhook.id)
    by_id = {d.id: d for d in shop.store.webhook_deliveries}
    assert by_id[pending].status is DeliveryStatus.DEAD
    assert by_id[pending].last_error == "webhook deleted"
    assert by_id[done].status is DeliveryStatus.SUCCEEDED
    (stored,) = shop.store.webhooks
    assert stored.deleted_at == now
    assert stored.webhook.active is False
    with pytest.raises(NotFound):
        await delete_webhook(shop.deps, ADMIN, webhook_id=webhook.id)


async def test_a_dead_delivery_is_queued_again_with_its_attempts_reset() -> None:
    shop = Shop()
    webhook, _ = await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"])
    dead = shop.store.add_webhook_delivery(webhook.id, DeliveryStatus.DEAD, shop.clock.now())
    shop.clock.advance(timedelta(hours=1))
    queued = await redeliver(shop.deps, ADMIN, delivery_id=dead)
    assert (queued.status, queued.attempts) == (DeliveryStatus.PENDING, 0)
    assert queued.next_attempt_at == shop.clock.now()
    assert shop.store.webhook_deliveries == [queued]


async def test_a_delivery_of_a_deleted_webhook_or_none_at_all_cannot_be_redelivered() -> None:
    shop = Shop()
    webhook, _ = await create_webhook(shop.deps, ADMIN, OPEN, url=URL, events=["*"])
    dead = shop.store.add_webhook_delivery(webhook.id, DeliveryStatus.DEAD, shop.clock.now())
    await delete_webhook(shop.deps, ADMIN, webhook_id=webhook.id)
    for delivery_id in (dead, 12345):
        with pytest.raises(NotFound) as caught:
            await redeliver(shop.deps, ADMIN, delivery_id=delivery_id)
        assert caught.value.field == ("deliveryId",)
    with pytest.raises(Forbidden):
        await redeliver(shop.deps, READ_ONLY, delivery_id=dead)
