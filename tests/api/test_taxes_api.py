"""Taxes over real HTTP on both backends: tax rates (create, update with versions, the list by
country, validation, who may change them), products' tax class, and markets' failure policy.

Tests share one database per backend, so each names its rates with its own suffix.
"""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient

RATE_FIELDS = "id countryCode region taxClass rate name taxShipping active version"

CREATE_RATE = f"""
mutation($input: CreateTaxRateInput!) {{
  createTaxRate(input: $input) {{
    taxRate {{ {RATE_FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

UPDATE_RATE = f"""
mutation($input: UpdateTaxRateInput!) {{
  updateTaxRate(input: $input) {{
    taxRate {{ {RATE_FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

RATES = f"query($country: String!) {{ taxRates(countryCode: $country) {{ {RATE_FIELDS} }} }}"

MARKET_FIELDS = "id handle taxFailurePolicy fallbackTaxRate version"
CREATE_MARKET = f"""
mutation($input: CreateMarketInput!) {{
  createMarket(input: $input) {{
    market {{ {MARKET_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""
UPDATE_MARKET = f"""
mutation($input: UpdateMarketInput!) {{
  updateMarket(input: $input) {{
    market {{ {MARKET_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku taxClass version } userErrors { field code } }
}"""
UPDATE_PRODUCT = """
mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) { product { sku taxClass version } userErrors { field code } }
}"""
PRODUCT = "query($sku: String!) { product(sku: $sku) { sku taxClass } }"


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def rate_input(name: str, **extra: Any) -> dict[str, Any]:
    return {"countryCode": "CA", "taxClass": "STANDARD", "rate": "5", "name": name} | extra


async def create_rate(client: GraphQLClient, name: str, **extra: Any) -> dict[str, Any]:
    payload = await client.mutate(CREATE_RATE, {"input": rate_input(name, **extra)})
    assert payload["userErrors"] == [], payload
    rate = payload["taxRate"]
    assert isinstance(rate, dict)
    return rate


async def ours(client: GraphQLClient, country: str, unique: str) -> list[dict[str, Any]]:
    rates = (await client.data(RATES, {"country": country}))["taxRates"]
    return [r for r in rates if r["name"].endswith(unique)]


async def test_rates_are_created_normalized_and_listed_by_country(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    gst = await create_rate(admin, f"GST {unique}", rate="5.000", taxShipping=True)
    pst = await create_rate(admin, f"PST {unique}", region=" on ", rate="8")
    reduced = await create_rate(
        admin, f"Reduced {unique}", countryCode="de", taxClass="REDUCED", rate="7.25"
    )
    assert gst == {
        "id": gst["id"],
        "countryCode": "CA",
        "region": None,
        "taxClass": "STANDARD",
        "rate": "5",
        "name": f"GST {unique}",
        "taxShipping": True,
        "active": True,
        "version": 1,
    }
    assert (pst["region"], pst["rate"], pst["taxShipping"]) == ("ON", "8", False)
    assert (reduced["countryCode"], reduced["taxClass"]) == ("DE", "REDUCED")
    assert reduced["rate"] == "7.25"
    # storefronts may read the rates (catalog:read), to show prices with tax
    assert [r["name"] for r in await ours(storefront, "ca", unique)] == [
        f"GST {unique}",
        f"PST {unique}",
    ]
    assert [r["id"] for r in await ours(admin, "DE", unique)] == [reduced["id"]]


async def test_updates_take_an_expected_version_and_deactivate_a_rate(
    admin: GraphQLClient, unique: str
) -> None:
    rate = await create_rate(admin, f"HST {unique}", region="NS", rate="15")
    changed = await admin.mutate(
        UPDATE_RATE,
        {"input": {"id": rate["id"], "expectedVersion": 1, "rate": "14", "taxShipping": True}},
    )
    assert changed["userErrors"] == []
    assert (changed["taxRate"]["rate"], changed["taxRate"]["taxShipping"]) == ("14", True)
    assert changed["taxRate"]["version"] == 2
    stale = await admin.mutate(
        UPDATE_RATE, {"input": {"id": rate["id"], "expectedVersion": 1, "active": False}}
    )
    assert codes(stale) == ["CONFLICT"]
    assert stale["userErrors"][0]["currentVersion"] == 2
    off = await admin.mutate(UPDATE_RATE, {"input": {"id": rate["id"], "active": False}})
    assert (off["taxRate"]["active"], off["taxRate"]["version"]) == (False, 3)
    (listed,) = await ours(admin, "CA", unique)
    assert (listed["active"], listed["rate"]) == (False, "14")


async def test_a_name_is_unique_per_country_region_and_class(
    admin: GraphQLClient, unique: str
) -> None:
    name = f"VAT {unique}"
    await create_rate(admin, name, countryCode="NL", rate="21")
    twin = await admin.mutate(CREATE_RATE, {"input": rate_input(name, countryCode="NL")})
    assert codes(twin) == ["DUPLICATE"]
    assert twin["taxRate"] is None
    # the same name for another class, or a region, is another rate
    await create_rate(admin, name, countryCode="NL", taxClass="REDUCED", rate="9")
    await create_rate(admin, name, countryCode="NL", region="NH", rate="1")
    regional_twin = await admin.mutate(
        CREATE_RATE, {"input": rate_input(name, countryCode="NL", region="nh")}
    )
    assert codes(regional_twin) == ["DUPLICATE"]
    assert len(await ours(admin, "NL", unique)) == 3
    other = await create_rate(admin, f"Other {unique}", countryCode="NL", rate="3")
    renamed = await admin.mutate(UPDATE_RATE, {"input": {"id": other["id"], "name": name}})
    assert codes(renamed) == ["DUPLICATE"]


async def test_bad_input_gets_coded_user_errors_and_writes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    cases = [
        (rate_input(f"a {unique}", rate="100.5"), ["input", "rate"], "INVALID"),
        (rate_input(f"b {unique}", rate="-1"), ["input", "rate"], "INVALID"),
        (rate_input(f"c {unique}", rate="7.12345"), ["input", "rate"], "INVALID"),
        (rate_input(f"d {unique}", rate="twenty"), ["input", "rate"], "INVALID"),
        (rate_input(f"e {unique}", rate="NaN"), ["input", "rate"], "INVALID"),
        (rate_input(f"f {unique}", countryCode="QQ"), ["input", "countryCode"], "INVALID_COUNTRY"),
        (rate_input(f"g {unique}", region="O N!"), ["input", "region"], "INVALID"),
        (rate_input(f"h {unique}\x07"), ["input", "name"], "INVALID_CHARACTERS"),
        (rate_input("   "), ["input", "name"], "REQUIRED"),
    ]
    for given, field, code in cases:
        payload = await admin.mutate(CREATE_RATE, {"input": given})
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)], given
    assert await ours(admin, "CA", unique) == []
    rate = await create_rate(admin, f"ok {unique}")
    bad = await admin.mutate(UPDATE_RATE, {"input": {"id": rate["id"], "rate": "101"}})
    assert codes(bad) == ["INVALID"]
    missing = await admin.mutate(UPDATE_RATE, {"input": {"id": "bogus", "rate": "1"}})
    assert codes(missing) == ["INVALID_ID"]
    query = await admin.execute(RATES, {"country": "ZZZ"})
    assert query.error_codes == ["BAD_USER_INPUT"]


async def test_only_pricing_write_may_change_rates(
    staff: GraphQLClient, storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    refused = await staff.mutate(CREATE_RATE, {"input": rate_input(f"x {unique}")})
    assert codes(refused) == ["FORBIDDEN"]
    rate = await create_rate(admin, f"y {unique}")
    refused = await storefront.mutate(UPDATE_RATE, {"input": {"id": rate["id"], "rate": "1"}})
    assert codes(refused) == ["FORBIDDEN"]
    (listed,) = await ours(admin, "CA", unique)
    assert listed["rate"] == "5"


async def test_products_carry_a_tax_class(admin: GraphQLClient, unique: str) -> None:
    price = {"amount": "10.00", "currency": "EUR"}
    plain = await admin.mutate(
        CREATE_PRODUCT, {"input": {"sku": f"TAX-STD-{unique}", "name": "Tee", "price": price}}
    )
    assert plain["product"]["taxClass"] == "STANDARD"
    book = await admin.mutate(
        CREATE_PRODUCT,
        {
            "input": {
                "sku": f"TAX-BOOK-{unique}",
                "name": "Book",
                "price": price,
                "taxClass": "REDUCED",
            }
        },
    )
    assert book["product"]["taxClass"] == "REDUCED"
    changed = await admin.mutate(
        UPDATE_PRODUCT,
        {"input": {"productId": book["product"]["id"], "expectedVersion": 1, "taxClass": "ZERO"}},
    )
    assert changed["product"] == {"sku": f"TAX-BOOK-{unique}", "taxClass": "ZERO", "version": 2}
    read = await admin.data(PRODUCT, {"sku": f"TAX-BOOK-{unique}"})
    assert read["product"]["taxClass"] == "ZERO"
    wrong = await admin.execute(
        UPDATE_PRODUCT, {"input": {"productId": book["product"]["id"], "taxClass": "LUXURY"}}
    )
    assert wrong.errors  # not an enum value: a GraphQL validation error, nothing changed
    assert (await admin.data(PRODUCT, {"sku": f"TAX-BOOK-{unique}"}))["product"]["taxClass"] == (
        "ZERO"
    )


async def test_markets_declare_a_tax_failure_policy(admin: GraphQLClient, unique: str) -> None:
    base = {"name": "M", "currency": "EUR"}
    blocking = await admin.mutate(
        CREATE_MARKET,
        {"input": base | {"handle": f"tb-{unique.lower()}", "countries": ["IS"], "active": False}},
    )
    assert blocking["market"]["taxFailurePolicy"] == "BLOCK"
    assert blocking["market"]["fallbackTaxRate"] is None
    missing = await admin.mutate(
        CREATE_MARKET,
        {
            "input": base
            | {"handle": f"tf-{unique.lower()}", "countries": ["IS"], "active": False}
            | {"taxFailurePolicy": "FALLBACK"}
        },
    )
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["input", "fallbackTaxRate"], "REQUIRED")
    ]
    falling = await admin.mutate(
        CREATE_MARKET,
        {
            "input": base
            | {"handle": f"tf-{unique.lower()}", "countries": ["IS"], "active": False}
            | {"taxFailurePolicy": "FALLBACK", "fallbackTaxRate": "24.00"}
        },
    )
    assert falling["userErrors"] == []
    assert (falling["market"]["taxFailurePolicy"], falling["market"]["fallbackTaxRate"]) == (
        "FALLBACK",
        "24",
    )
    market_id = blocking["market"]["id"]
    no_rate = await admin.mutate(
        UPDATE_MARKET, {"input": {"id": market_id, "taxFailurePolicy": "FALLBACK"}}
    )
    assert codes(no_rate) == ["REQUIRED"]
    bad_rate = await admin.mutate(
        UPDATE_MARKET, {"input": {"id": market_id, "fallbackTaxRate": "250"}}
    )
    assert [(e["field"], e["code"]) for e in bad_rate["userErrors"]] == [
        (["input", "fallbackTaxRate"], "INVALID")
    ]
    switched = await admin.mutate(
        UPDATE_MARKET,
        {"input": {"id": market_id, "taxFailurePolicy": "FALLBACK", "fallbackTaxRate": "7.5"}},
    )
    assert switched["market"]["taxFailurePolicy"] == "FALLBACK"
    assert (switched["market"]["fallbackTaxRate"], switched["market"]["version"]) == ("7.5", 2)
    back = await admin.mutate(
        UPDATE_MARKET, {"input": {"id": market_id, "taxFailurePolicy": "BLOCK"}}
    )
    # BLOCK keeps the rate, so switching back to FALLBACK needs nothing else
    assert (back["market"]["taxFailurePolicy"], back["market"]["fallbackTaxRate"]) == (
        "BLOCK",
        "7.5",
    )
