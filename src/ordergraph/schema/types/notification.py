from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.db.queries.notifications import NotificationRow
from ordergraph.schema.enums import NotificationStatus, NotificationType
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node


@strawberry.type(name="Notification", description="One customer mail and how its sending went.")
class NotificationObject(Node):
    type: NotificationType
    recipient: str
    status: NotificationStatus
    attempts: int = strawberry.field(description="Sending attempts so far.")
    locale: str | None
    subject: str | None = strawberry.field(description="As sent (null until rendered).")
    last_response: str | None = strawberry.field(
        description="The mail server's last answer, e.g. 250 2.0.0 Ok or 451 try later."
    )
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When a retry is due (RETRYING), else null."
    )

    @classmethod
    def from_row(cls, row: NotificationRow) -> NotificationObject:
        retrying = row.status == NotificationStatus.RETRYING.value
        return cls(
            id=strawberry.ID(encode_id("Notification", row.id)),
            type=NotificationType(row.type),
            recipient=row.recipient,
            status=NotificationStatus(row.status),
            attempts=row.attempts,
            locale=row.locale,
            subject=row.subject,
            last_response=row.last_response,
            created_at=row.created_at,
            sent_at=row.sent_at,
            next_attempt_at=row.next_attempt_at if retrying else None,
        )


@strawberry.type(name="RenderedNotification")
class RenderedNotificationType:
    subject: str
    text: str
    html: str
