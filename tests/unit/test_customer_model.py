"""Customers and addresses: normalised contact details, errors pointing at the right field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.errors import InvalidInput

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_address(
    *,
    region: str | None = " eu-west ",
    country_code: str = "nl",
    phone: str | None = "020 123 4567",
    line2: str | None = "  ",
    field_prefix: tuple[str, ...] = ("address",),
) -> Address:
    return Address.create(
        name=" Ada Lovelace ",
        line1=" 1 Dam Square ",
        line2=line2,
        city="Amsterdam",
        region=region,
        postal_code=" 1012 JS ",
        country_code=country_code,
        phone=phone,
        field_prefix=field_prefix,
    )


def test_an_address_is_trimmed_and_its_codes_upper_cased() -> None:
    address = make_address()
    assert address.name == "Ada Lovelace"
    assert address.line1 == "1 Dam Square"
    assert address.line2 is None
    assert address.region == "EU-WEST"
    assert address.postal_code == "1012 JS"
    assert address.country_code == "NL"


def test_an_address_phone_is_read_in_the_address_country() -> None:
    assert make_address(phone="020 123 4567").phone == "+31201234567"
    assert make_address(country_code="US", phone="(212) 555-0100").phone == "+12125550100"


def test_an_address_without_region_or_phone_keeps_them_empty() -> None:
    address = make_address(region=None, phone=None)
    assert (address.region, address.phone) == (None, None)
    assert make_address(region="   ").region is None


def test_address_errors_name_the_field_under_the_given_prefix() -> None:
    with pytest.raises(InvalidInput) as bad_country:
        make_address(country_code="XX")
    assert bad_country.value.field == ("address", "countryCode")
    with pytest.raises(InvalidInput) as bad_phone:
        make_address(phone="12", field_prefix=("input", "shippingAddress"))
    assert bad_phone.value.field == ("input", "shippingAddress", "phone")
    assert bad_phone.value.code == "INVALID_PHONE"


def test_a_new_customer_has_a_normalised_email_and_no_password_hash() -> None:
    customer = Customer.create(
        email=" Ada@Example.COM ", name=" Ada ", phone=None, address=None, now=NOW
    )
    assert customer.id is None
    assert customer.email == "ada@example.com"
    assert customer.name == "Ada"
    assert customer.password_hash is None
    assert customer.created_at == NOW


def test_a_customer_national_phone_is_read_in_the_default_address_country() -> None:
    customer = Customer.create(
        email="ada@example.com",
        name="Ada",
        phone="020 765 4321",
        address=make_address(),
        now=NOW,
    )
    assert customer.phone == "+31207654321"
    assert customer.default_address is not None
    assert customer.default_address.country_code == "NL"


def test_a_customer_national_phone_without_an_address_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.create(
            email="ada@example.com", name="Ada", phone="020 765 4321", address=None, now=NOW
        )
    assert caught.value.field == ("phone",)
    assert caught.value.code == "INVALID_PHONE"


def test_a_customer_with_a_malformed_email_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.create(email="ada", name="Ada", phone=None, address=None, now=NOW)
    assert caught.value.field == ("email",)
