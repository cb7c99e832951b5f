"""Input hygiene shared by every aggregate."""

from __future__ import annotations

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.validation import (
    clean_code,
    clean_country,
    clean_email,
    clean_phone,
    clean_sku,
    clean_text,
    optional_text,
)


def test_text_is_trimmed_and_normalised_to_nfc() -> None:
    assert clean_text("  Café \t", ["name"], max_length=10) == "Café"
    assert clean_text("Cafe\u0301", ["name"], max_length=10) == "Caf\u00e9"


@pytest.mark.parametrize(
    "value", ["a\x00b", "\x00", "line\nbreak", "bell\x07", "esc\x1b[0m", "\x7f"]
)
def test_nul_and_other_control_characters_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text(value, ["name"], max_length=100)
    assert caught.value.code == "INVALID_CHARACTERS"
    assert caught.value.field == ("name",)


def test_a_tab_inside_text_is_allowed() -> None:
    assert clean_text("a\tb", ["note"], max_length=10) == "a\tb"


def test_blank_required_text_is_refused_and_blank_optional_text_is_none() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text("   ", ["name"], max_length=10)
    assert caught.value.code == "REQUIRED"
    assert optional_text("   ", ["note"], max_length=10) is None
    assert optional_text(None, ["note"], max_length=10) is None
    assert optional_text(" hi ", ["note"], max_length=10) == "hi"


def test_text_longer_than_the_limit_is_refused_after_trimming() -> None:
    assert clean_text("  abcde  ", ["name"], max_length=5) == "abcde"
    with pytest.raises(InvalidInput) as caught:
        clean_text("abcdef", ["name"], max_length=5)
    assert caught.value.code == "TOO_LONG"


def test_codes_are_upper_cased_and_restricted_to_a_small_alphabet() -> None:
    assert clean_code(" eu-west ", ["region"]) == "EU-WEST"
    assert clean_code("ams_1.b", ["code"]) == "AMS_1.B"
    for bad in ["AMS 1", "-AMS", "AMS/1", "ÅMS"]:
        with pytest.raises(InvalidInput) as caught:
            clean_code(bad, ["code"])
        assert caught.value.field == ("code",)


def test_skus_keep_their_case_and_allow_slashes() -> None:
    assert clean_sku(" Tee/Blk-M ", ["sku"]) == "Tee/Blk-M"
    for bad in ["TEE BLK", "/TEE", "x" * 65]:
        with pytest.raises(InvalidInput):
            clean_sku(bad, ["sku"])


def test_country_codes_are_iso_alpha_2_upper_cased() -> None:
    assert clean_country(" nl ", ["countryCode"]) == "NL"
    assert clean_country("gb", ["countryCode"]) == "GB"
    for bad in ["XX", "N", "NLD", "12"]:
        with pytest.raises(InvalidInput) as caught:
            clean_country(bad, ["countryCode"])
        assert caught.value.field == ("countryCode",)
    with pytest.raises(InvalidInput) as unknown:
        clean_country("XX", ["countryCode"])
    assert unknown.value.code == "INVALID_COUNTRY"


def test_emails_are_trimmed_and_lower_cased() -> None:
    assert clean_email("  Ada.Lovelace@Example.COM ", ["email"]) == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    "value", ["not-an-email", "a@b", "@example.com", "ada@", "a b@example.com"]
)
def test_malformed_emails_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_email(value, ["email"])
    assert caught.value.code == "INVALID_EMAIL"
    assert caught.value.field == ("email",)


def test_international_phone_numbers_become_e164_without_a_country() -> None:
    assert clean_phone("+31 20 123 4567", ["phone"], country=None) == "+31201234567"
    assert clean_phone("+1 (212) 555-0100", ["phone"], country="NL") == "+12125550100"


def test_national_phone_numbers_use_the_given_country() -> None:
    assert clean_phone("020 123 4567", ["phone"], country="NL") == "+31201234567"
    assert clean_phone("(212) 555-0100", ["phone"], country="US") == "+12125550100"


@pytest.mark.parametrize(
    ("value", "country"),
    [("020 123 4567", None), ("12", "NL"), ("phone me", "NL"), ("+999 123", None)],
)
def test_impossible_phone_numbers_are_refused(value: str, country: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_phone(value, ["phone"], country=country)
    assert caught.value.code == "INVALID_PHONE"


def test_a_missing_or_blank_phone_is_none() -> None:
    assert clean_phone(None, ["phone"], country="NL") is None
    assert clean_phone("  ", ["phone"], country="NL") is None
