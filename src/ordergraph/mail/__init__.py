"""Customer mail: templates rendered per locale, and the transports that send them."""

from ordergraph.mail.render import RenderedMessage, TemplateRenderer
from ordergraph.mail.transport import (
    DevMailboxTransport,
    MailTransport,
    OutgoingMail,
    SendOutcome,
    SmtpTransport,
    build_email,
    transport_from_url,
)

__all__ = [
    "DevMailboxTransport",
    "MailTransport",
    "OutgoingMail",
    "RenderedMessage",
    "SendOutcome",
    "SmtpTransport",
    "TemplateRenderer",
    "build_email",
    "transport_from_url",
]
