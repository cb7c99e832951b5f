"""Input rules shared by every aggregate: text hygiene, codes, emails, phones, countries.

Pure data libraries (pycountry, email-validator, phonenumbers) are allowed here: they hold
reference data, not framework or database code.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Sequence

import email_validator
import phonenumbers
import pycountry

from ordergraph.domain.errors import InvalidInput

_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def clean_text(
    value: str,
    field: Sequence[str],
    *,
    max_length: int,
    required: bool = True,
) -> str:
    """Trim, reject control characters (NUL first of all), enforce a length."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t" for ch in value):
        raise InvalidInput(
            "must not contain control characters",
            field=field,
            code="INVALID_CHARACTERS",
        )
    cleaned = unicodedata.normalize("NFC", value.strip())
    if required and not cleaned:
        raise InvalidInput("is required", field=field, code="REQUIRED")
    if len(cleaned) > max_length:
        raise InvalidInput(f"must be at most {max_length} characters", field=field, code="TOO_LONG")
    return cleaned


def optional_text(value: str | None, field: Sequence[str], *, max_length: int) -> str | None:
    if value is None:
        return None
    cleaned = clean_text(value, field, max_length=max_length, required=False)
    return cleaned or None


def clean_code(value: str, field: Sequence[str], *, max_length: int = 32) -> str:
    """An upper-case identifier such as a warehouse code or region (``EU-WEST``)."""
    cleaned = clean_text(value, field, max_length=max_length).upper()
    if not _CODE_RE.match(cleaned):
        raise InvalidInput(
            "may contain only letters, digits, '.', '_' and '-'",
            field=field,
            code="INVALID",
        )
    return cleaned


def clean_sku(value: str, field: Sequence[str]) -> str:
    cleaned = clean_text(value, field, max_length=64)
    if not _SKU_RE.match(cleaned):
        raise InvalidInput(
            "may contain only letters, digits, '.', '_', '/' and '-'",
            field=field,
            code="INVALID",
        )
    return cleaned


def clean_country(value: str, field: Sequence[str]) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased."""
    cleaned = clean_text(value, field, max_length=2).upper()
    if len(cleaned) != 2 or pycountry.countries.get(alpha_2=cleaned) is None:
        raise InvalidInput(
            "is not an ISO 3166-1 alpha-2 country code",
            field=field,
            code="INVALID_COUNTRY",
        )
    return cleaned


def clean_email(value: str, field: Sequence[str]) -> str:
    """A syntactically valid address, normalised (domain lower-cased); no DNS look-up."""
    cleaned = clean_text(value, field, max_length=254)
    try:
        result = email_validator.validate_email(cleaned, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidInput(str(exc), field=field, code="INVALID_EMAIL") from exc
    return str(result.normalized).lower()


def clean_phone(value: str | None, field: Sequence[str], *, country: str | None) -> str | None:
    """A phone number in E.164 form; national numbers need the address country."""
    cleaned = optional_text(value, field, max_length=32)
    if cleaned is None:
        return None
    try:
        number = phonenumbers.parse(cleaned, country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("is not a phone number", field=field, code="INVALID_PHONE") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput("is not a possible phone number", field=field, code="INVALID_PHONE")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")


def clean_locale(value: str | None, field: Sequence[str]) -> str | None:
    """A BCP 47 language tag such as ``nl`` or ``en-GB`` (normalized to ``en-GB``), or None."""
    if value is None or not value.strip():
        return None
    tag = value.strip()
    if not _LOCALE.match(tag):
        raise InvalidInput(f"not a language tag: {tag[:20]!r}", field=field)
    language, *rest = tag.replace("_", "-").split("-")
    return "-".join([language.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def clean_timezone(value: str | None, field: Sequence[str]) -> str | None:
    """An IANA time zone name such as ``Europe/Amsterdam``, or None."""
    if value is None or not value.strip():
        return None
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone: {name[:40]!r}", field=field) from None
    return name
