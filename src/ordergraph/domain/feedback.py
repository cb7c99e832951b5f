"""Delivery feedback: the signed link a customer follows, and what a rating may hold.

The link carries its own proof: ``<order id>.<mac>``, where the mac is the first 16 bytes of
HMAC-SHA256(secret key, "order-feedback:<order id>") in URL-safe base64 (22 characters). Nobody
without the secret key can make one for another order, and nothing needs storing to check it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordergraph.domain.errors import DomainError, InvalidInput

MIN_RATING = 1
MAX_RATING = 5
MAX_COMMENT = 2000
# A customer may change their mind for a while; after that the feedback stands as given.
EDIT_WINDOW = timedelta(days=14)
_MAC_BYTES = 16  # 128 bits: 22 base64url characters
_MAX_TOKEN = 64


class InvalidFeedbackToken(DomainError):
    """The feedback link is malformed, forged, or names no order."""

    code = "INVALID_TOKEN"


class OrderNotDelivered(DomainError):
    """Feedback is about a delivery: the order must have been delivered."""

    code = "ORDER_NOT_DELIVERED"


class FeedbackWindowClosed(DomainError):
    """The feedback was given more than ``EDIT_WINDOW`` ago and can no longer change."""

    code = "FEEDBACK_WINDOW_CLOSED"


@dataclass(frozen=True, slots=True)
class OrderFeedback:
    """One customer's rating of one order's delivery (at most one per order)."""

    order_id: int
    rating: int
    comment: str | None
    submitted_at: datetime  # the latest change
    created_at: datetime  # the first submission: the edit window starts here
    id: int | None = None

    def revised(self, rating: int, comment: str | None, now: datetime) -> OrderFeedback:
        """The same feedback changed; refused once the edit window has passed."""
        if now - self.created_at > EDIT_WINDOW:
            raise FeedbackWindowClosed(
                f"feedback can be changed for {EDIT_WINDOW.days} days after it is given"
            )
        return OrderFeedback(self.order_id, rating, comment, now, self.created_at, self.id)


def _mac(secret_key: str, order_id: int) -> str:
    digest = hmac.new(
        secret_key.encode(), f"order-feedback:{order_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode().rstrip("=")


def feedback_token(secret_key: str, order_id: int) -> str:
    """The URL-safe token of an order's feedback link: ``<order id>.<22-character mac>``."""
    if order_id <= 0:
        raise ValueError("order ids are positive")
    return f"{order_id}.{_mac(secret_key, order_id)}"


def order_id_from_feedback_token(secret_key: str, token: str) -> int | None:
    """The order a token was made for, or None if it is malformed or its mac does not match
    (compared in constant time)."""
    if len(token) > _MAX_TOKEN or not token.isascii():
        return None
    number, dot, mac = token.partition(".")
    if not dot or not number.isdigit() or number.startswith("0") or len(number) > 18:
        return None
    order_id = int(number)
    if not hmac.compare_digest(mac.encode(), _mac(secret_key, order_id).encode()):
        return None
    return order_id


def validate_rating(rating: int, field: tuple[str, ...] = ("rating",)) -> int:
    """A rating is a whole number of stars, 1 to 5."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidInput("must be a whole number", field=field, code="INVALID_RATING")
    if not MIN_RATING <= rating <= MAX_RATING:
        raise InvalidInput(
            f"must be between {MIN_RATING} and {MAX_RATING}", field=field, code="INVALID_RATING"
        )
    return rating


def clean_comment(comment: str | None, field: tuple[str, ...] = ("comment",)) -> str | None:
    """Trimmed, at most 2000 characters, line breaks and tabs kept, no other control character
    (NUL above all); an empty comment is no comment."""
    if comment is None:
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in comment):
        raise InvalidInput(
            "must not contain control characters", field=field, code="INVALID_CHARACTERS"
        )
    cleaned = unicodedata.normalize("NFC", comment.replace("\r\n", "\n").strip())
    if len(cleaned) > MAX_COMMENT:
        raise InvalidInput(
            f"must be at most {MAX_COMMENT} characters", field=field, code="TOO_LONG"
        )
    return cleaned or None
