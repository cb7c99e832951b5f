"""The domain's exception hierarchy, in one place.

Every expected failure is a ``DomainError`` carrying a stable ``code`` (the GraphQL ``ErrorCode``
name) and, where it concerns one input, the ``field`` path. ``schema/`` maps these to
``UserError`` entries; nothing here knows about GraphQL.
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """An expected failure a client can act on."""

    code = "INVALID"

    def __init__(self, message: str, *, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field: tuple[str, ...] | None = tuple(field) if field is not None else None


class InvalidInput(DomainError):
    """A value failed validation (format, range, length, forbidden characters)."""

    def __init__(
        self, message: str, *, field: Sequence[str] | None = None, code: str = "INVALID"
    ) -> None:
        super().__init__(message, field=field)
        self.code = code


class NotFound(DomainError):
    """A referenced object does not exist (or the caller may not know it exists)."""

    code = "NOT_FOUND"


class Duplicate(DomainError):
    """A unique natural key (SKU, warehouse code, email) is already taken."""

    code = "DUPLICATE"


class InsufficientStock(DomainError):
    """A stock change would take on-hand below what is reserved, or below zero."""

    code = "INSUFFICIENT_STOCK"


class Forbidden(DomainError):
    """The caller is authenticated but lacks the role or scope for this operation."""

    code = "FORBIDDEN"


class IdempotencyKeyReused(DomainError):
    """The same idempotency key was sent earlier with a different input."""

    code = "IDEMPOTENCY_KEY_REUSED"


class Conflict(DomainError):
    """Concurrent changes kept aborting this command; nothing was written. Try again."""

    code = "CONFLICT"


class VersionConflict(Conflict):
    """The client's ``expectedVersion`` is stale: someone changed the object since it was read.

    ``current_version`` is what the object is at now, so the client can reload and retry."""

    def __init__(
        self, message: str, *, current_version: int, field: Sequence[str] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.current_version = current_version


def check_version(expected: int | None, current: int, what: str) -> None:
    """Raise ``VersionConflict`` unless ``expected`` is absent or equals ``current``."""
    if expected is not None and expected != current:
        raise VersionConflict(
            f"this {what} is at version {current}, not {expected}: reload it and try again",
            current_version=current,
            field=["expectedVersion"],
        )
