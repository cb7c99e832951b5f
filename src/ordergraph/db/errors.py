"""Translate driver errors into the domain's vocabulary."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


def is_retryable(exc: DBAPIError) -> bool:
    if sqlstate(exc) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)
