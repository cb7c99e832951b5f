"""Markets over real HTTP on both backends: create, update with versions, the list, a country
in at most one active market (also against concurrent claims), and ``marketFor`` for
storefronts.

Tests share one database per backend, so each claims countries of its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.graphql import GraphQLClient

FIELDS = """
  id handle name countries currency currencyExponent taxDisplay channels
  rounding { mode rule } active isDefault version
"""

CREATE = f"""
mutation($input: CreateMarketInput!) {{
  createMarket(input: $input) {{
    market {{ {FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

UPDATE = f"""
mutation($input: UpdateMarketInput!) {{
  updateMarket(input: $input) {{
    market {{ {FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

LIST = f"""
query($active: Boolean) {{
  markets(first: 50, active: $active) {{ totalCount nodes {{ {FIELDS} }} }}
}}"""

MARKET_FOR = f"""
query($country: String!) {{ marketFor(countryCode: $country) {{ {FIELDS} }} }}
"""


def market_input(handle: str, countries: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "handle": handle,
        "name": handle.upper(),
        "countries": countries,
        "currency": "EUR",
    } | extra


async def create(
    client: GraphQLClient, handle: str, countries: list[str], **extra: Any
) -> dict[str, Any]:
    payload = await client.mutate(CREATE, {"input": market_input(handle, countries, **extra)})
    assert payload["userErrors"] == [], payload
    market = payload["market"]
    assert isinstance(market, dict)
    return market


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_a_market_is_created_listed_and_resolved_by_country(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    handle = f"jp-{unique.lower()}"
    market = await create(
        admin,
        handle,
        ["jp"],
        currency="jpy",
        taxDisplay="INCLUSIVE",
        channels=["WEB", "APP"],
        rounding={"mode": "PER_ORDER", "rule": "HALF_EVEN"},
    )
    assert market["countries"] == ["JP"]
    assert (market["currency"], market["currencyExponent"]) == ("JPY", 0)
    assert market["taxDisplay"] == "INCLUSIVE"
    assert market["channels"] == ["APP", "WEB"]
    assert market["rounding"] == {"mode": "PER_ORDER", "rule": "HALF_EVEN"}
    assert (market["version"], market["active"], market["isDefault"]) == (1, True, False)

    listed = (await admin.data(LIST))["markets"]["nodes"]
    assert market in listed
    found = (await storefront.data(MARKET_FOR, {"country": "jp"}))["marketFor"]
    assert found == market


async def test_a_country_no_market_claims_gets_the_default_market(
    storefront: GraphQLClient, anonymous: GraphQLClient
) -> None:
    found = (await storefront.data(MARKET_FOR, {"country": "AQ"}))["marketFor"]
    assert found["isDefault"] is True
    assert found["id"] is None
    assert (found["handle"], found["currency"], found["currencyExponent"]) == ("default", "EUR", 2)
    assert found["taxDisplay"] == "EXCLUSIVE"
    assert found["rounding"] == {"mode": "PER_LINE", "rule": "HALF_UP"}
    bad = await storefront.execute(MARKET_FOR, {"country": "ZZ"})
    assert bad.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "reason": "INVALID_COUNTRY"}
    assert "UNAUTHENTICATED" in (await anonymous.execute(MARKET_FOR, {"country": "NL"})).error_codes


async def test_updates_take_an_expected_version_and_answer_conflict_with_the_current_one(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    market = await create(admin, f"kw-{unique.lower()}", ["KW"], currency="KWD")
    assert market["currencyExponent"] == 3
    changed = await admin.mutate(
        UPDATE,
        {
            "input": {
                "id": market["id"],
                "expectedVersion": 1,
                "name": "Kuwait",
                "countries": ["KW", "BH"],
            }
        },
    )
    assert changed["userErrors"] == []
    assert changed["market"]["version"] == 2
    assert changed["market"]["countries"] == ["BH", "KW"]
    stale = await admin.mutate(
        UPDATE, {"input": {"id": market["id"], "expectedVersion": 1, "name": "x"}}
    )
    assert stale["market"] is None
    assert stale["userErrors"] == [
        {
            "field": ["input", "expectedVersion"],
            "message": stale["userErrors"][0]["message"],
            "code": "CONFLICT",
            "currentVersion": 2,
        }
    ]
    # deactivating frees the countries: they fall to the default market
    off = await admin.mutate(UPDATE, {"input": {"id": market["id"], "active": False}})
    assert off["market"]["active"] is False
    assert off["market"]["version"] == 3
    assert (await storefront.data(MARKET_FOR, {"country": "BH"}))["marketFor"]["isDefault"]
    inactive = (await admin.data(LIST, {"active": False}))["markets"]["nodes"]
    assert market["id"] in [m["id"] for m in inactive]


async def test_a_taken_country_is_refused_with_its_code_and_nothing_is_written(
    admin: GraphQLClient, unique: str
) -> None:
    first = await create(admin, f"be-{unique.lower()}", ["BE", "LU"])
    refused = await admin.mutate(
        CREATE, {"input": market_input(f"benelux-{unique.lower()}", ["NL", "LU"])}
    )
    assert refused["market"] is None
    assert refused["userErrors"][0]["code"] == "MARKET_COUNTRY_TAKEN"
    assert refused["userErrors"][0]["field"] == ["input", "countries", "1"]
    assert first["handle"] in refused["userErrors"][0]["message"]
    # the refused market's other country stayed free
    other = await create(admin, f"nl-{unique.lower()}", ["NL"])
    moved = await admin.mutate(UPDATE, {"input": {"id": other["id"], "countries": ["NL", "BE"]}})
    assert codes(moved) == ["MARKET_COUNTRY_TAKEN"]
    duplicate = await admin.mutate(CREATE, {"input": market_input(first["handle"], ["IE"])})
    assert codes(duplicate) == ["DUPLICATE"]


async def test_two_concurrent_claims_on_a_country_leave_exactly_one_winner(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    for country in ("FI", "EE", "LV", "LT"):
        tag = f"{country.lower()}-{unique.lower()}"
        payloads = await asyncio.gather(
            *(
                admin.mutate(CREATE, {"input": market_input(f"{tag}-{i}", [country])})
                for i in range(4)
            )
        )
        winners = [p["market"] for p in payloads if p["market"] is not None]
        assert len(winners) == 1, payloads
        assert sorted(c for p in payloads for c in codes(p)) == ["MARKET_COUNTRY_TAKEN"] * 3
        found = (await storefront.data(MARKET_FOR, {"country": country}))["marketFor"]
        assert found["id"] == winners[0]["id"]


async def test_bad_input_gets_coded_user_errors(admin: GraphQLClient, unique: str) -> None:
    cases = [
        (market_input(f"x-{unique.lower()}", ["PT"], currency="EURO"), "INVALID_CURRENCY"),
        (market_input(f"x-{unique.lower()}", ["QQ"]), "INVALID_COUNTRY"),
        (market_input(f"x-{unique.lower()}", []), "REQUIRED"),
        (market_input(f"x-{unique.lower()}", ["PT", "pt"]), "DUPLICATE"),
        (market_input("Bad Handle", ["PT"]), "INVALID"),
        (market_input("default", ["PT"]), "DUPLICATE"),
        (market_input(f"x-{unique.lower()}", ["PT"], channels=[]), "REQUIRED"),
    ]
    for given, code in cases:
        payload = await admin.mutate(CREATE, {"input": given})
        assert codes(payload) == [code], (given, payload)
    missing = await admin.mutate(UPDATE, {"input": {"id": "bogus", "name": "x"}})
    assert codes(missing) == ["INVALID_ID"]


async def test_only_pricing_write_may_change_markets_but_storefronts_may_read_them(
    staff: GraphQLClient, storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    refused = await staff.mutate(CREATE, {"input": market_input(f"se-{unique.lower()}", ["SE"])})
    assert codes(refused) == ["FORBIDDEN"]
    market = await create(admin, f"se-{unique.lower()}", ["SE"])
    refused = await storefront.mutate(UPDATE, {"input": {"id": market["id"], "name": "x"}})
    assert codes(refused) == ["FORBIDDEN"]
    assert (await storefront.data(LIST))["markets"]["totalCount"] >= 1
