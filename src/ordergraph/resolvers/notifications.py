"""Customer mail over GraphQL: notificationPreview and resendNotification."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.notification_context import load_contexts
from ordergraph.db.queries.notifications import preview_row
from ordergraph.events.notifications import render_row
from ordergraph.resolvers.common import attempt, input_id, query_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.enums import NotificationType
from ordergraph.schema.errors import UserError
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.notification import RenderedNotificationType
from ordergraph.services import notifications


@strawberry.input
class ResendNotificationInput:
    notification_id: strawberry.ID


@strawberry.type
class ResendNotificationPayload:
    notification_id: strawberry.ID | None = strawberry.field(
        default=None, description="The new message, queued for sending."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="A customer mail rendered with a real order, as it would be sent now "
        "(staff with orders:read). locale: e.g. nl or en-GB; default the order's own."
    )
    async def notification_preview(
        self, info: Info, order_id: strawberry.ID, type: NotificationType, locale: str | None = None
    ) -> RenderedNotificationType | None:
        mailer = info.context.mailer
        if mailer is None:
            raise GraphQLError("customer mail is not configured", extensions={"code": "INTERNAL"})
        pk = query_id(order_id, "Order", "orderId")
        engine = info.context.read_engine
        async with engine.connect() as conn:
            row = await preview_row(conn, pk, type.value, locale)
            if row is None:
                return None
            contexts = await load_contexts(
                conn,
                [row],
                base_url=info.context.public_base_url,
                shop_name=mailer.settings.shop_name,
                feedback_url=mailer.settings.feedback_url,
                now=info.context.deps.clock.now(),
                handling=mailer.settings.handling,
            )
        rendered = render_row(mailer, row, contexts[0])
        return RenderedNotificationType(
            subject=rendered.subject, text=rendered.text, html=rendered.html
        )


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Send one customer mail again, as a new message (needs orders:write)."
    )
    async def resend_notification(
        self, info: Info, input: ResendNotificationInput
    ) -> ResendNotificationPayload:
        actor = authenticated(info)

        async def run() -> int:
            pk = input_id(input.notification_id, "Notification", ["notificationId"])
            return await notifications.resend_notification(info.context.deps, actor, pk)

        new_id, errors = await attempt(run)
        if new_id is None:
            return ResendNotificationPayload(user_errors=errors)
        return ResendNotificationPayload(
            notification_id=strawberry.ID(encode_id("Notification", new_id))
        )
