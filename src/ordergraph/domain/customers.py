"""Customers and their addresses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.validation import (
    clean_country,
    clean_email,
    clean_locale,
    clean_phone,
    clean_text,
    clean_timezone,
    optional_text,
)

MAX_NAME = 200
MAX_LINE = 200
_GROUP_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def clean_customer_group(value: str | None, field: Sequence[str]) -> str | None:
    """A short handle such as ``wholesale``; None or blank for none."""
    if value is None or not value.strip():
        return None
    group = clean_text(value, field, max_length=32).lower()
    if not _GROUP_RE.match(group):
        raise InvalidInput(
            "may contain only lower-case letters, digits, '_' and '-' (e.g. wholesale)",
            field=field,
        )
    return group


class AddressFields(TypedDict):
    """Raw address input, as a client sent it."""

    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address. ``region`` is the routing code shared with warehouses (``EU-WEST``)."""

    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None

    @classmethod
    def create(
        cls,
        *,
        name: str,
        line1: str,
        line2: str | None,
        city: str,
        region: str | None,
        postal_code: str | None,
        country_code: str,
        phone: str | None,
        field_prefix: tuple[str, ...] = ("address",),
    ) -> Address:
        def at(name: str) -> list[str]:
            return [*field_prefix, name]

        country = clean_country(country_code, at("countryCode"))
        return cls(
            name=clean_text(name, at("name"), max_length=MAX_NAME),
            line1=clean_text(line1, at("line1"), max_length=MAX_LINE),
            line2=optional_text(line2, at("line2"), max_length=MAX_LINE),
            city=clean_text(city, at("city"), max_length=100),
            region=(optional_text(region, at("region"), max_length=32) or "").upper() or None,
            postal_code=optional_text(postal_code, at("postalCode"), max_length=20),
            country_code=country,
            phone=clean_phone(phone, at("phone"), country=country),
        )


def address_fields(address: Address) -> AddressFields:
    """The address as input fields again: a replacement order ships where the original did."""
    return AddressFields(
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        region=address.region,
        postal_code=address.postal_code,
        country_code=address.country_code,
        phone=address.phone,
    )


@dataclass(slots=True)
class Customer:
    id: int | None
    email: str
    name: str
    phone: str | None
    password_hash: str | None
    default_address: Address | None
    created_at: datetime
    erased_at: datetime | None = None  # GDPR erasure: anonymized, can no longer sign in
    email_verified_at: datetime | None = None  # the customer followed a mailed link
    locale: str | None = None  # BCP 47, for mail
    timezone: str | None = None  # IANA, for dates in mail
    group: str | None = None  # customer group handle (e.g. wholesale) for price lists
    version: int = 1
    tags: list[str] = field(default_factory=list)  # staff labels (domain/annotations.py)
    metadata: dict[str, str] = field(default_factory=dict)
    private_metadata: dict[str, str] = field(default_factory=dict)  # staff only

    @classmethod
    def create(
        cls,
        *,
        email: str,
        name: str,
        phone: str | None,
        address: Address | None,
        now: datetime,
    ) -> Customer:
        """Validate and build a new customer; the password hash is set by the service."""
        country = address.country_code if address else None
        return cls(
            id=None,
            email=clean_email(email, ["email"]),
            name=clean_text(name, ["name"], max_length=MAX_NAME),
            phone=clean_phone(phone, ["phone"], country=country),
            password_hash=None,
            default_address=address,
            created_at=now,
        )

    def update(
        self,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        locale: str | None = None,
        timezone: str | None = None,
        group: str | None = None,
        clear: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Validate and apply the given fields (None: unchanged; the names in ``clear`` —
        phone, locale, timezone, group — are removed); the names of those that changed. Any change
        bumps ``version``; one invalid field applies nothing. A new email is unverified."""
        country = self.default_address.country_code if self.default_address else None
        wanted: dict[str, str | None] = {
            "name": None if name is None else clean_text(name, ["name"], max_length=MAX_NAME),
            "email": None if email is None else clean_email(email, ["email"]),
            "phone": clean_phone(phone, ["phone"], country=country),
            "locale": clean_locale(locale, ["locale"]),
            "timezone": clean_timezone(timezone, ["timezone"]),
            "group": clean_customer_group(group, ["group"]),
        }
        changed: list[str] = []
        for attribute, value in wanted.items():
            if attribute in clear:
                value = None
            elif value is None:
                continue
            if getattr(self, attribute) != value:
                setattr(self, attribute, value)
                changed.append(attribute)
        if "email" in changed:
            self.email_verified_at = None
        if changed:
            self.version += 1
        return changed
