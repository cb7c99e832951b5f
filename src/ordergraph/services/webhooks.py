"""Managing webhooks: register, change, delete, redeliver; each one transaction.

Delivering them (fan-out, signed POSTs, retries) is ``ordergraph.events.webhooks``. No domain
event is recorded: a ``webhook.*`` event would reach every ``"*"`` subscriber's endpoint.
"""

from __future__ import annotations

import secrets

from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_text
from ordergraph.domain.webhooks import Delivery, Webhook, WebhookUrlPolicy, check_event_patterns
from ordergraph.services.deps import Deps

MIN_SECRET = 16


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _checked_url(policy: WebhookUrlPolicy, url: str) -> str:
    return policy.check(clean_text(url, ["url"], max_length=2000))


def _checked_secret(secret: str | None) -> str:
    if secret is None:
        return new_webhook_secret()
    key = clean_text(secret, ["secret"], max_length=200)
    if len(key) < MIN_SECRET:
        raise InvalidInput(f"must be at least {MIN_SECRET} characters", field=["secret"])
    return key


async def create_webhook(
    deps: Deps,
    actor: Principal,
    policy: WebhookUrlPolicy,
    *,
    url: str,
    events: list[str],
    secret: str | None = None,
) -> tuple[Webhook, str]:
    """Register an endpoint; returns it with its signing secret (generated unless given). It
    receives only the events its creator may read."""
    actor.require(Scope.WEBHOOKS_MANAGE)
    checked = _checked_url(policy, url)
    patterns = check_event_patterns(events)
    key = _checked_secret(secret)
    async with deps.uow() as uow:
        webhook = await uow.webhooks.add(
            url=checked,
            events=patterns,
            secret=key,
            created_by=actor.actor,
            owner=actor,
            now=deps.clock.now(),
        )
        await uow.commit()
    return webhook, key


async def update_webhook(
    deps: Deps,
    actor: Principal,
    policy: WebhookUrlPolicy,
    *,
    webhook_id: int,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
) -> Webhook:
    actor.require(Scope.WEBHOOKS_MANAGE)
    checked = _checked_url(policy, url) if url is not None else None
    patterns = check_event_patterns(events) if events is not None else None
    async with deps.uow() as uow:
        if await uow.webhooks.get(webhook_id) is None:
            raise NotFound("no such webhook", field=["webhookId"])
        webhook = await uow.webhooks.update(
            webhook_id, now=deps.clock.now(), url=checked, events=patterns, active=active
        )
        await uow.commit()
    return webhook


async def delete_webhook(deps: Deps, actor: Principal, *, webhook_id: int) -> None:
    """Stop deliveries for good; outstanding ones are dead-lettered (the log is kept)."""
    actor.require(Scope.WEBHOOKS_MANAGE)
    async with deps.uow() as uow:
        if await uow.webhooks.get(webhook_id) is None:
            raise NotFound("no such webhook", field=["webhookId"])
        await uow.webhooks.delete(webhook_id, deps.clock.now())
        await uow.commit()


async def redeliver(deps: Deps, actor: Principal, *, delivery_id: int) -> Delivery:
    """Queue a delivery again now (after a fix on the receiver's side, say)."""
    actor.require(Scope.WEBHOOKS_MANAGE)
    async with deps.uow() as uow:
        delivery = await uow.webhooks.redeliver(delivery_id, deps.clock.now())
        if delivery is None:
            raise NotFound("no such delivery", field=["deliveryId"])
        await uow.commit()
    return delivery
