"""Customer accounts: one-time tokens mailed to a customer, passwords, profile settings."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import DomainError, InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 200
MAX_ADDRESSES = 50
_ZONE = re.compile(r"^[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2}$")  # when no tz database is installed
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$")


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "VERIFY_EMAIL"
    RESET_PASSWORD = "RESET_PASSWORD"


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    """How long mailed links stay valid (``ORDERGRAPH_*_TOKEN_*`` settings)."""

    verification_lifetime: timedelta = timedelta(hours=48)
    reset_lifetime: timedelta = timedelta(hours=1)

    def lifetime(self, purpose: TokenPurpose) -> timedelta:
        if purpose is TokenPurpose.VERIFY_EMAIL:
            return self.verification_lifetime
        return self.reset_lifetime


@dataclass(frozen=True, slots=True)
class CustomerToken:
    """A stored one-time token: its digest and its life, never the token itself."""

    id: int
    customer_id: int
    purpose: TokenPurpose
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredAddress:
    """An address in a customer's address book."""

    id: int
    customer_id: int
    address: Address
    is_default: bool


class InvalidToken(DomainError):
    """The link's token is unknown, was used already, or is for something else."""

    code = "INVALID_TOKEN"


class TokenExpired(DomainError):
    """The link's token is past its lifetime; ask for a new one."""

    code = "TOKEN_EXPIRED"


class PasswordTooWeak(DomainError):
    """A new password is shorter than ``MIN_PASSWORD`` characters."""

    code = "PASSWORD_TOO_WEAK"


def check_token(
    found: CustomerToken | None, purpose: TokenPurpose, now: datetime, field: list[str]
) -> CustomerToken:
    """The token if it may be used now: known, for ``purpose``, unused and not expired."""
    if found is None or found.purpose is not purpose or found.used_at is not None:
        raise InvalidToken("this link is not valid (it may have been used already)", field=field)
    if found.expires_at <= now:
        raise TokenExpired("this link has expired; ask for a new one", field=field)
    return found


def check_new_password(password: str, field: list[str]) -> str:
    """A password a customer may choose: 8 to 200 characters, no NUL."""
    if len(password) < MIN_PASSWORD:
        raise PasswordTooWeak(f"must be at least {MIN_PASSWORD} characters", field=field)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"must be at most {MAX_PASSWORD} characters", field=field, code="INVALID_PASSWORD"
        )
    if "\x00" in password:
        raise InvalidInput("must not contain NUL", field=field, code="INVALID_CHARACTERS")
    return password


def clean_locale(value: str | None, field: list[str]) -> str | None:
    """A BCP 47 language tag such as ``en`` or ``nl-NL`` (``_`` accepted), or None."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip().replace("_", "-")
    if len(cleaned) > 16 or not _LOCALE.match(cleaned):
        raise InvalidInput("is not a language tag such as en or nl-NL", field=field)
    return cleaned


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_timezone(value: str | None, field: list[str]) -> str | None:
    """An IANA time zone name such as ``Europe/Amsterdam``, or None."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    zones = _zones()
    known = cleaned in zones if zones else bool(_ZONE.match(cleaned))
    if len(cleaned) > 64 or not (known or cleaned == "UTC"):
        raise InvalidInput("is not a time zone such as Europe/Amsterdam", field=field)
    return cleaned
