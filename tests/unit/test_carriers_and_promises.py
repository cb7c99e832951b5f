"""Carriers' tracking URLs, custom carriers, transit times and delivery promises."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from ordergraph.domain.carriers import CARRIERS, resolve_carrier
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.promises import Lane, TransitTimes, promised_delivery
from tests.unit.fakes import DEFAULT_NOW

# A tracking number with characters that must be escaped in a URL.
AWKWARD = "JD 0149/80?x=1&y#2"


def test_the_registry_holds_the_documented_carriers() -> None:
    assert set(CARRIERS) == {"DHL", "UPS", "FEDEX", "USPS", "ROYAL_MAIL", "DPD", "GLS", "POSTNL"}
    assert all(c.tracking_url.startswith("https://") for c in CARRIERS.values())


@pytest.mark.parametrize("code", sorted(CARRIERS))
def test_each_registry_carrier_builds_an_https_url_with_the_quoted_tracking_number(
    code: str,
) -> None:
    resolved_code, name, url = resolve_carrier(code.lower(), AWKWARD, None)
    assert (resolved_code, name) == (code, CARRIERS[code].name)
    assert url is not None
    assert url.startswith("https://")
    assert quote(AWKWARD, safe="") in url
    assert AWKWARD not in url
    assert " " not in url
    assert url == CARRIERS[code].tracking_url.replace("{tracking}", quote(AWKWARD, safe=""))


@pytest.mark.parametrize(
    ("given", "code"),
    [("Royal Mail", "ROYAL_MAIL"), (" fedex ", "FEDEX"), ("royal-mail", "ROYAL_MAIL")],
)
def test_carrier_names_are_normalized_to_registry_codes(given: str, code: str) -> None:
    assert resolve_carrier(given, "AB1", None)[0] == code


def test_a_custom_carrier_with_a_url_keeps_its_name_and_url() -> None:
    url = "https://track.acme.example/parcels/AB1"
    assert resolve_carrier("Acme Post", "AB1", url) == ("ACME_POST", "Acme Post", url)


def test_a_custom_carrier_without_a_url_has_no_tracking_link() -> None:
    assert resolve_carrier("Acme Post", "AB1", None) == ("ACME_POST", "Acme Post", None)


def test_a_registry_carrier_with_its_own_url_uses_that_url_and_the_registry_name() -> None:
    url = "http://partner.example/t/AB1"
    assert resolve_carrier("postnl", "AB1", url) == ("POSTNL", "PostNL", url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://files.example/AB1",
        "//track.example/AB1",
        "track.example/AB1",
        "https://" + "a" * 493,
    ],
)
def test_a_tracking_url_that_is_not_a_short_http_url_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_carrier("Acme Post", "AB1", url)
    assert (caught.value.code, caught.value.field) == ("INVALID", ("trackingUrl",))


def test_a_500_character_https_url_is_accepted() -> None:
    url = "https://" + "a" * 492
    assert len(url) == 500
    assert resolve_carrier("Acme Post", "AB1", url)[2] == url


@pytest.mark.parametrize(("carrier", "code"), [("  ", "REQUIRED"), ("X" * 33, "TOO_LONG")])
def test_a_blank_or_overlong_carrier_is_refused(carrier: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_carrier(carrier, "AB1", None)
    assert (caught.value.code, caught.value.field) == (code, ("carrier",))


# Transit times and promises.

AMS = Lane("EU-WEST", "NL")
ROTTERDAM = Lane("EU-SOUTHWEST", "NL")
BRUSSELS = Lane("EU-WEST", "BE")
BERLIN = Lane("EU-CENTRAL", "DE")


def test_the_same_region_takes_two_days_the_same_country_three_anywhere_else_five() -> None:
    transit = TransitTimes()
    assert transit.days(AMS, AMS) == 2
    assert transit.days(AMS, BRUSSELS) == 2  # one region across a border
    assert transit.days(AMS, ROTTERDAM) == 3
    assert transit.days(AMS, BERLIN) == 5


def test_without_regions_only_the_country_counts() -> None:
    transit = TransitTimes()
    assert transit.days(Lane(None, "NL"), Lane(None, "NL")) == 3
    assert transit.days(Lane(None, "NL"), AMS) == 3
    assert transit.days(AMS, Lane(None, "DE")) == 5


def test_an_override_wins_for_its_direction_only() -> None:
    transit = TransitTimes(overrides={("EU-WEST", "EU-CENTRAL"): 1, ("EU-WEST", "EU-WEST"): 4})
    assert transit.days(AMS, BERLIN) == 1
    assert transit.days(BERLIN, AMS) == 5
    assert transit.days(AMS, AMS) == 4
    assert transit.days(AMS, ROTTERDAM) == 3


def test_the_default_days_can_be_configured() -> None:
    transit = TransitTimes(same_region_days=1, same_country_days=2, default_days=9)
    assert [transit.days(AMS, lane) for lane in (AMS, ROTTERDAM, BERLIN)] == [1, 2, 9]


def test_a_promise_is_the_start_plus_handling_plus_transit_days() -> None:
    promise = promised_delivery(DEFAULT_NOW, timedelta(hours=24), 3)
    assert promise == DEFAULT_NOW + timedelta(days=4)
    assert promise.tzinfo is DEFAULT_NOW.tzinfo
    assert promised_delivery(DEFAULT_NOW, timedelta(0), 0) == DEFAULT_NOW
