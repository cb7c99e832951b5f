"""Prices people pay, over real HTTP on both backends, against totals worked out by hand.

Each test builds its own market (a country of its own), price list, tax rates, a warehouse in a
routing region of its own and a carrier service that ships within it for a price in the market
currency, so every amount in an order is known in advance. The arithmetic is in the docstrings.
Checked for every order: the quote placed right before equals it, the lines and shipping add up
to the total, the test gateway captured exactly the total, and refunds give back exactly what was
charged, tax and discounts included.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_markets_api import create as create_market
from tests.api.test_place_order_api import address, create_warehouse, receive
from tests.api.test_price_lists_api import new_list, priced
from tests.api.test_returns_api import capture, refund, refund_ok
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi
from tests.support.pdf import read_pdf, save_png

MONEY = "{ amount currency }"
TAX = f"name rate taxableAmount {MONEY} amount {MONEY}"
LINE = (
    f"sku quantity unitPrice {MONEY} total {MONEY} discountTotal {MONEY} taxTotal {MONEY} "
    f"chargedTotal {MONEY} taxLines {{ {TAX} }}"
)
TOTALS = (
    f"subtotal {MONEY} discountTotal {MONEY} taxTotal {MONEY} shippingTotal {MONEY} "
    f"shippingDiscount {MONEY} shippingTax {MONEY} total {MONEY} pricesIncludeTax taxPolicy "
    f"taxLines {{ {TAX} }}"
)
TOTAL_FIELDS = [word for word in TOTALS.split() if word[0].islower() and word not in TAX.split()]
ORDER = (
    f"id paymentStatus {TOTALS} lines {{ id {LINE} }} "
    f"discountAllocations {{ orderLineId code name amount {MONEY} }} "
    f"payments {{ kind status amount {MONEY} }}"
)
PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{ order {{ {ORDER} }} userErrors {{ field message code }} }}
}}"""
QUOTE = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{
    quote {{ {TOTALS} lines {{ {LINE} }} discounts {{ code name automatic amount {MONEY} }} }}
    userErrors {{ field message code }}
  }}
}}"""
READ = f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"
CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { field code } }
}"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id taxClass } userErrors { field code } }
}"""
CREATE_RATE = """
mutation($input: CreateTaxRateInput!) {
  createTaxRate(input: $input) { taxRate { id } userErrors { field message code } }
}"""
CREATE_SERVICE = """
mutation($input: CreateCarrierServiceInput!) {
  createCarrierService(input: $input) { carrierService { id } userErrors { field message code } }
}"""
CREATE_DISCOUNT = """
mutation($input: CreateDiscountInput!) {
  createDiscount(input: $input) { discount { id code timesUsed } userErrors { field code } }
}"""
DISCOUNT = "query($code: String) { discounts(code: $code) { nodes { code timesUsed } } }"


def money(value: str, currency: str) -> dict[str, str]:
    return {"amount": value, "currency": currency}


def amount(m: dict[str, str]) -> Decimal:
    return Decimal(m["amount"])


async def ok(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(query, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


class Shop:
    """One market with its country, routing region, price list, rates and carrier service."""

    def __init__(self, admin: GraphQLClient, unique: str, country: str, currency: str) -> None:
        self.admin, self.unique, self.country, self.currency = admin, unique, country, currency
        self.region = f"PR-{unique}"
        self.market_id = ""
        self.list_id = ""
        self.warehouse = ""

    async def open(self, *, inclusive: bool, shipping: str, **market: Any) -> Shop:
        made = await create_market(
            self.admin,
            f"p-{self.unique.lower()}",
            [self.country],
            currency=self.currency,
            taxDisplay="INCLUSIVE" if inclusive else "EXCLUSIVE",
            **market,
        )
        self.market_id = made["id"]
        self.list_id = (await new_list(self.admin, self.market_id))["id"]
        self.warehouse = await create_warehouse(
            self.admin, f"W-{self.unique}", region=self.region, country=self.country
        )
        await ok(
            self.admin,
            CREATE_SERVICE,
            {
                "carrier": "dhl",
                "service": f"pricing-{self.unique}",
                "lanes": [
                    {
                        "originRegion": self.region,
                        "destinationRegion": self.region,
                        "transitDaysMin": 1,
                        "transitDaysMax": 2,
                    }
                ],
                "rates": [{"maxWeightGrams": 30000, "price": money(shipping, self.currency)}],
            },
        )
        return self

    async def product(self, name: str, price: str, tax_class: str = "STANDARD") -> str:
        sku = f"{name}-{self.unique}"
        payload = await ok(
            self.admin,
            CREATE_PRODUCT,
            {
                "sku": sku,
                "name": f"Product {name}",
                "price": money("1.00", "EUR"),  # the list price in the market wins
                "weightGrams": 100,
                "taxClass": tax_class,
            },
        )
        assert payload["product"]["taxClass"] == tax_class
        await priced(self.admin, self.list_id, [(sku, price)])
        await receive(self.admin, sku, self.warehouse, 200)
        return sku

    async def rate(self, name: str, rate: str, tax_class: str = "STANDARD", **extra: Any) -> None:
        await ok(
            self.admin,
            CREATE_RATE,
            {
                "countryCode": self.country,
                "taxClass": tax_class,
                "rate": rate,
                "name": name,
                "taxShipping": True,
            }
            | extra,
        )

    def order(self, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
        return {
            "channel": "WEB",
            "lines": [{"sku": sku, "quantity": q} for sku, q in lines],
            "shippingAddress": address(region=self.region, country=self.country),
            "email": f"buyer-{self.unique.lower()}@example.com",
        } | extra


async def quote_and_place(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    """Quote, then place the same input: the quote must equal the order in every amount."""
    quoted = await client.mutate(QUOTE, {"input": values})
    assert quoted["userErrors"] == [], quoted["userErrors"]
    placed = await client.mutate(PLACE, {"input": values})
    assert placed["userErrors"] == [], placed["userErrors"]
    quote, order = quoted["quote"], placed["order"]
    for key in TOTAL_FIELDS:
        assert quote[key] == order[key], key
    assert [{k: v for k, v in line.items()} for line in quote["lines"]] == [
        {k: v for k, v in line.items() if k != "id"} for line in order["lines"]
    ]
    added = sum(amount(line["chargedTotal"]) for line in order["lines"])
    shipping = amount(order["shippingTotal"]) - amount(order["shippingDiscount"])
    if not order["pricesIncludeTax"]:
        shipping += amount(order["shippingTax"])
    assert added + shipping == amount(order["total"])
    assert isinstance(order, dict)
    return order


async def paid(admin: GraphQLClient, order: dict[str, Any]) -> dict[str, Any]:
    await capture(admin, order["id"])
    after = (await admin.data(READ, {"id": order["id"]}))["order"]
    charged = [p for p in after["payments"] if p["status"] == "SUCCESS"]
    assert [amount(p["amount"]) for p in charged] == [amount(order["total"])]
    assert isinstance(after, dict)
    return after


def refunded(payload: dict[str, Any]) -> Decimal:
    return amount(payload["breakdown"]["total"])


async def test_vat_inside_the_prices_with_two_rates_and_taxed_shipping(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str, tmp_path: Path
) -> None:
    """Prices include VAT. A 12.10 at 21 % holds 2.10; 2 x B 10.90 at 9 % hold 1.80; shipping
    4.84 at 21 % holds 0.84. The total is what the prices say, 12.10 + 21.80 + 4.84 = 38.74,
    with 4.74 VAT: 21 % on 10.00 + 4.00 = 2.94, 9 % on 20.00 = 1.80."""
    shop = await Shop(admin, unique, "NL", "EUR").open(inclusive=True, shipping="4.84")
    await shop.rate(f"VAT-{unique}", "21")
    await shop.rate(f"VAT low-{unique}", "9", "REDUCED")
    a = await shop.product("A", "12.10")
    b = await shop.product("B", "10.90", "REDUCED")

    order = await quote_and_place(admin, shop.order([(a, 1), (b, 2)]))
    eur = "EUR"
    assert (order["subtotal"], order["shippingTotal"]) == (money("33.90", eur), money("4.84", eur))
    assert (order["taxTotal"], order["total"]) == (money("4.74", eur), money("38.74", eur))
    assert (order["pricesIncludeTax"], order["taxPolicy"]) == (True, "PROVIDER")
    assert [line["taxTotal"] for line in order["lines"]] == [money("2.10", eur), money("1.80", eur)]
    assert order["shippingTax"] == money("0.84", eur)
    assert {t["name"]: (t["taxableAmount"], t["amount"]) for t in order["taxLines"]} == {
        f"VAT-{unique}": (money("14.00", eur), money("2.94", eur)),
        f"VAT low-{unique}": (money("20.00", eur), money("1.80", eur)),
    }

    await paid(admin, order)
    # the invoice: lines net of tax with their rate and tax, totals per rate, the grand total
    response = await http.get(
        f"/orders/{order['id']}/invoice.pdf", headers={"Authorization": f"Bearer {admin.token}"}
    )
    assert response.status_code == 200, response.text
    (page,) = read_pdf(response.content)
    assert save_png(page, tmp_path / "invoice.png").stat().st_size > 10_000
    text = " ".join(page.text.split())
    for row in (
        f"{a} Product A 1 12.10 EUR 21 % 2.10 EUR 10.00 EUR",
        f"{b} Product B 2 10.90 EUR 9 % 1.80 EUR 20.00 EUR",
        "Shipping 1 4.00 EUR 21 % 0.84 EUR 4.00 EUR",
        "21 % 14.00 EUR 2.94 EUR",
        "9 % 20.00 EUR 1.80 EUR",
        "Grand total: 38.74 EUR",
    ):
        assert row in text, (row, text)

    line_a, line_b = (line["id"] for line in order["lines"])
    one_b = await refund_ok(admin, order["id"], lines=[{"orderLineId": line_b, "quantity": 1}])
    assert refunded(one_b) == Decimal("10.90")
    rest = await refund_ok(
        admin,
        order["id"],
        lines=[{"orderLineId": line_a, "quantity": 1}, {"orderLineId": line_b, "quantity": 1}],
        shipping=True,
    )
    assert refunded(rest) == Decimal("12.10") + Decimal("10.90") + Decimal("4.84")
    assert refunded(one_b) + refunded(rest) == amount(order["total"])
    assert rest["order"]["paymentStatus"] == "REFUNDED"


async def test_sales_tax_on_top_with_two_codes_and_additive_rates_refunded_to_the_cent(
    admin: GraphQLClient, unique: str
) -> None:
    """Prices exclude tax; GST 5 % (the country) and PST 7 % (the region) add up.
    3 x A 20.00 + B 15.00 = 75.00. Code 10 %: 7.50, split 6.00 / 1.50. Code 5.00 off: on what
    is left, 54.00 : 13.50, split 4.00 / 1.00. Lines after discounts: A 50.00, B 12.50.
    Tax per line, half-up: A 2.50 + 3.50; B 0.625 → 0.63 and 0.875 → 0.88; shipping 10.00:
    0.50 + 0.70. Tax 8.71; total 75.00 - 12.50 + 10.00 + 8.71 = 81.21."""
    shop = await Shop(admin, unique, "CA", "CAD").open(inclusive=False, shipping="10.00")
    await shop.rate(f"GST-{unique}", "5")
    await shop.rate(f"PST-{unique}", "7", region=shop.region)
    a = await shop.product("A", "20.00")
    b = await shop.product("B", "15.00")
    pct, off = f"TEN-{unique}", f"FIVE-{unique}"
    await ok(
        admin, CREATE_DISCOUNT, {"code": pct, "name": "10 %", "kind": "PERCENTAGE", "value": "10"}
    )
    await ok(
        admin,
        CREATE_DISCOUNT,
        {"code": off, "name": "5 off", "kind": "FIXED_AMOUNT", "value": "5", "currency": "CAD"},
    )

    order = await quote_and_place(
        admin, shop.order([(a, 3), (b, 1)], discountCodes=[pct.lower(), off])
    )
    cad = "CAD"
    assert [line["discountTotal"] for line in order["lines"]] == [
        money("10.00", cad),
        money("2.50", cad),
    ]
    assert [line["taxTotal"] for line in order["lines"]] == [money("6.00", cad), money("1.51", cad)]
    assert (order["discountTotal"], order["shippingTax"]) == (
        money("12.50", cad),
        money("1.20", cad),
    )
    assert (order["taxTotal"], order["total"]) == (money("8.71", cad), money("81.21", cad))
    shares = {(d["code"], d["orderLineId"]): d["amount"] for d in order["discountAllocations"]}
    line_a, line_b = (line["id"] for line in order["lines"])
    assert shares == {
        (pct, line_a): money("6.00", cad),
        (pct, line_b): money("1.50", cad),
        (off, line_a): money("4.00", cad),
        (off, line_b): money("1.00", cad),
    }

    await paid(admin, order)
    # A was charged 50.00 + 6.00 tax = 56.00 for 3 units: 2 units give back 37.33, the last 18.67
    two = await refund_ok(admin, order["id"], lines=[{"orderLineId": line_a, "quantity": 2}])
    assert refunded(two) == Decimal("37.33")
    last = await refund_ok(admin, order["id"], lines=[{"orderLineId": line_a, "quantity": 1}])
    assert refunded(last) == Decimal("18.67")
    rest = await refund_ok(
        admin, order["id"], lines=[{"orderLineId": line_b, "quantity": 1}], shipping=True
    )
    assert refunded(rest) == Decimal("12.50") + Decimal("1.51") + Decimal("10.00") + Decimal("1.20")
    assert refunded(two) + refunded(last) + refunded(rest) == amount(order["total"])


async def test_yen_with_consumption_tax_inside_and_a_fixed_discount(
    admin: GraphQLClient, unique: str
) -> None:
    """JPY has no minor unit. A ¥1,100 (10 %) + 3 x B ¥540 (8 %) = ¥2,720; ¥500 off split by
    1,100 : 1,620 → 202 / 298; tax inside 898 x 10/110 = 81.6 → 82 and 1,322 x 8/108 = 97.9 →
    98; shipping ¥550 holds 50. Total 2,720 - 500 + 550 = ¥2,770, tax ¥230."""
    shop = await Shop(admin, unique, "JP", "JPY").open(inclusive=True, shipping="550")
    await shop.rate(f"JCT-{unique}", "10")
    await shop.rate(f"JCT low-{unique}", "8", "REDUCED")
    a = await shop.product("A", "1100")
    b = await shop.product("B", "540", "REDUCED")
    code = f"YEN-{unique}"
    await ok(
        admin,
        CREATE_DISCOUNT,
        {"code": code, "name": "¥500", "kind": "FIXED_AMOUNT", "value": "500", "currency": "JPY"},
    )
    order = await quote_and_place(admin, shop.order([(a, 1), (b, 3)], discountCodes=[code]))
    jpy = "JPY"
    assert [line["discountTotal"] for line in order["lines"]] == [
        money("202", jpy),
        money("298", jpy),
    ]
    assert [line["taxTotal"] for line in order["lines"]] == [money("82", jpy), money("98", jpy)]
    assert (order["taxTotal"], order["total"]) == (money("230", jpy), money("2770", jpy))
    await paid(admin, order)
    everything = await refund_ok(
        admin,
        order["id"],
        lines=[
            {"orderLineId": line["id"], "quantity": line["quantity"]} for line in order["lines"]
        ],
        shipping=True,
    )
    assert refunded(everything) == Decimal("2770")


async def test_a_code_that_cannot_apply_is_refused_and_nothing_is_placed(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await Shop(admin, unique, "BE", "EUR").open(inclusive=True, shipping="5.00")
    a = await shop.product("A", "20.00")
    big = f"BIG-{unique}"
    await ok(
        admin,
        CREATE_DISCOUNT,
        {
            "code": big,
            "name": "big baskets",
            "kind": "FREE_SHIPPING",
            "minimumSubtotal": money("50.00", "EUR"),
        },
    )
    for codes, index in ([["nope-" + unique], "0"], [[big], "0"]):
        payload = await admin.mutate(PLACE, {"input": shop.order([(a, 1)], discountCodes=codes)})
        assert payload["order"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "discountCodes", index], "DISCOUNT_INVALID")
        ], payload["userErrors"]
    order = await quote_and_place(admin, shop.order([(a, 3)], discountCodes=[big]))
    assert (order["shippingDiscount"], order["total"]) == (
        money("5.00", "EUR"),
        money("60.00", "EUR"),
    )
    assert order["taxPolicy"] == "NONE"  # no rate for BE: nothing charged, as before taxes


async def test_an_automatic_product_discount_applies_without_a_code(
    admin: GraphQLClient, unique: str
) -> None:
    """25 % off A only, automatically: 2 x 8.00 → 4.00 off; B untouched."""
    shop = await Shop(admin, unique, "AT", "EUR").open(inclusive=True, shipping="0.00")
    a = await shop.product("A", "8.00")
    b = await shop.product("B", "3.00")
    await ok(
        admin,
        CREATE_DISCOUNT,
        {
            "name": f"A week {unique}",
            "kind": "PERCENTAGE",
            "value": "25",
            "scope": "PRODUCTS",
            "skus": [a],
        },
    )
    quoted = await admin.mutate(QUOTE, {"input": shop.order([(a, 2), (b, 1)])})
    assert quoted["quote"]["discounts"] == [
        {
            "code": None,
            "name": f"A week {unique}",
            "automatic": True,
            "amount": money("4.00", "EUR"),
        }
    ]
    order = await quote_and_place(admin, shop.order([(a, 2), (b, 1)]))
    assert [line["discountTotal"] for line in order["lines"]] == [
        money("4.00", "EUR"),
        money("0.00", "EUR"),
    ]
    assert order["total"] == money("15.00", "EUR")


async def test_fifty_concurrent_orders_for_a_code_with_ten_uses_discount_exactly_ten(
    admin: GraphQLClient, unique: str, live: LiveApi
) -> None:
    if live.backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serializes every write)")
    shop = await Shop(admin, unique, "LU", "EUR").open(inclusive=True, shipping="0.00")
    a = await shop.product("A", "10.00")
    code = f"TEN-USES-{unique}"
    await ok(
        admin,
        CREATE_DISCOUNT,
        {"code": code, "name": "ten uses", "kind": "PERCENTAGE", "value": "50", "usageLimit": 10},
    )

    async def one(i: int) -> dict[str, Any]:
        values = shop.order([(a, 1)], discountCodes=[code], email=f"b{i}-{unique}@example.com")
        payload = await admin.mutate(PLACE, {"input": values})
        assert isinstance(payload, dict)
        return payload

    answers = await asyncio.gather(*(one(i) for i in range(50)))
    placed = [p["order"] for p in answers if p["order"] is not None]
    refused = [p["userErrors"] for p in answers if p["order"] is None]
    assert len(placed) == 10
    assert all(o["discountTotal"] == money("5.00", "EUR") for o in placed)
    assert len(refused) == 40
    assert all(e[0]["code"] == "DISCOUNT_INVALID" for e in refused)
    found = (await admin.data(DISCOUNT, {"code": code}))["discounts"]["nodes"]
    assert found == [{"code": code, "timesUsed": 10}]

    # a cancelled order gives its use back, exactly once
    for _ in range(2):
        await admin.mutate(
            CANCEL, {"input": {"orderId": placed[0]["id"], "reason": "changed mind"}}
        )
    found = (await admin.data(DISCOUNT, {"code": code}))["discounts"]["nodes"]
    assert found == [{"code": code, "timesUsed": 9}]
    again = await admin.mutate(
        PLACE,
        {"input": shop.order([(a, 1)], discountCodes=[code], email=f"z-{unique}@example.com")},
    )
    assert again["userErrors"] == []
    assert again["order"]["discountTotal"] == money("5.00", "EUR")


async def test_a_refund_never_exceeds_what_a_discounted_line_was_charged(
    admin: GraphQLClient, unique: str
) -> None:
    shop = await Shop(admin, unique, "IE", "EUR").open(inclusive=True, shipping="0.00")
    a = await shop.product("A", "9.99")
    code = f"THIRD-{unique}"
    await ok(
        admin,
        CREATE_DISCOUNT,
        {"code": code, "name": "a third", "kind": "PERCENTAGE", "value": "33.33"},
    )
    order = await quote_and_place(admin, shop.order([(a, 3)], discountCodes=[code]))
    # 29.97 x 33.33 % = 9.989001 → 9.99 off; 19.98 charged, 6.66 per unit
    assert order["total"] == money("19.98", "EUR")
    await paid(admin, order)
    line_id = order["lines"][0]["id"]
    parts = [
        refunded(
            await refund_ok(admin, order["id"], lines=[{"orderLineId": line_id, "quantity": 1}])
        )
        for _ in range(3)
    ]
    assert parts == [Decimal("6.66")] * 3
    more = await refund(admin, order["id"], lines=[{"orderLineId": line_id, "quantity": 1}])
    assert [e["code"] for e in more["userErrors"]] == ["REFUND_QUANTITY_EXCEEDED"]
