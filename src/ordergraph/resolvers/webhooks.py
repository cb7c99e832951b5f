"""Webhook management over GraphQL: create, update, delete, redeliver, list with delivery logs."""

from __future__ import annotations

import sqlalchemy as sa
import strawberry

from ordergraph.db.repositories.webhooks import delivery_from_row, webhook_from_row
from ordergraph.db.tables import webhook_deliveries, webhooks
from ordergraph.domain.principals import Scope
from ordergraph.domain.webhooks import Delivery, Webhook
from ordergraph.resolvers.common import attempt, input_id, query_id
from ordergraph.schema.context import Info, authenticated, require
from ordergraph.schema.errors import UserError
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.webhook import DeliveryStatus, WebhookDeliveryType, WebhookType
from ordergraph.services import webhooks as hooks


@strawberry.input
class CreateWebhookInput:
    url: str
    events: list[str] = strawberry.field(
        description='Event types, "order.*" style prefixes, or "*" for all.'
    )
    secret: str | None = strawberry.field(
        default=None, description="At least 16 characters; generated when omitted."
    )


@strawberry.input
class UpdateWebhookInput:
    webhook_id: strawberry.ID
    url: str | None = None
    events: list[str] | None = None
    active: bool | None = None


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.input
class RedeliverWebhookEventInput:
    delivery_id: strawberry.ID


@strawberry.type
class CreateWebhookPayload:
    webhook: WebhookType | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret; shown only here."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateWebhookPayload:
    webhook: WebhookType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedeliverWebhookEventPayload:
    delivery: WebhookDeliveryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register an endpoint for signed event deliveries.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        actor = authenticated(info)
        done, errors = await attempt(
            lambda: hooks.create_webhook(
                info.context.deps,
                actor,
                info.context.webhook_settings.policy,
                url=input.url,
                events=input.events,
                secret=input.secret,
            )
        )
        if done is None:
            return CreateWebhookPayload(user_errors=errors)
        return CreateWebhookPayload(webhook=WebhookType.from_domain(done[0]), secret=done[1])

    @strawberry.mutation
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> UpdateWebhookPayload:
        actor = authenticated(info)

        async def run() -> Webhook:
            return await hooks.update_webhook(
                info.context.deps,
                actor,
                info.context.webhook_settings.policy,
                webhook_id=input_id(input.webhook_id, "Webhook", ["webhookId"]),
                url=input.url,
                events=input.events,
                active=input.active,
            )

        done, errors = await attempt(run)
        return UpdateWebhookPayload(
            webhook=WebhookType.from_domain(done) if done else None, user_errors=errors
        )

    @strawberry.mutation
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
        actor = authenticated(info)

        async def run() -> bool:
            await hooks.delete_webhook(
                info.context.deps,
                actor,
                webhook_id=input_id(input.webhook_id, "Webhook", ["webhookId"]),
            )
            return True

        done, errors = await attempt(run)
        return DeleteWebhookPayload(
            deleted_webhook_id=input.webhook_id if done else None, user_errors=errors
        )

    @strawberry.mutation(description="Queue a delivery again now (also a dead-lettered one).")
    async def redeliver_webhook_event(
        self, info: Info, input: RedeliverWebhookEventInput
    ) -> RedeliverWebhookEventPayload:
        actor = authenticated(info)

        async def run() -> Delivery:
            return await hooks.redeliver(
                info.context.deps,
                actor,
                delivery_id=input_id(input.delivery_id, "WebhookDelivery", ["deliveryId"]),
            )

        done, errors = await attempt(run)
        return RedeliverWebhookEventPayload(
            delivery=WebhookDeliveryType.from_domain(done) if done else None, user_errors=errors
        )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Registered webhooks (needs webhooks:manage).")
    async def webhooks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookType]:
        require(info, Scope.WEBHOOKS_MANAGE)
        stmt = sa.select(webhooks).where(webhooks.c.deleted_at.is_(None))
        return await paginate(
            info,
            (stmt, [webhooks.c.id]),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=lambda row: WebhookType.from_domain(webhook_from_row(row)),
        )

    @strawberry.field(description="The delivery log of one webhook, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        status: DeliveryStatus | None = None,
    ) -> Connection[WebhookDeliveryType]:
        require(info, Scope.WEBHOOKS_MANAGE)
        d = webhook_deliveries.c
        stmt = sa.select(webhook_deliveries).where(
            d.webhook_id == query_id(webhook_id, "Webhook", "webhookId")
        )
        if status is not None:
            stmt = stmt.where(d.status == status.value)
        return await paginate(
            info,
            (stmt, [d.id]),
            first=first,
            after=after,
            last=None,
            before=None,
            descending=True,
            to_node=lambda row: WebhookDeliveryType.from_domain(delivery_from_row(row)),
        )
