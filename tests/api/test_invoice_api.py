"""GET /orders/{id}/invoice.pdf over real HTTP, on PostgreSQL and SQLite.

Each invoice is read as a person would: PDFium renders it to pixels and its text is extracted.
Numbers are checked for what "gap-free" promises: concurrent issues take consecutive numbers,
and an issuing transaction that fails hands its number to the next invoice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergraph.db.engine import create_engine
from ordergraph.db.queries.invoice import invoice_source
from ordergraph.db.repositories.invoices import issue_invoice
from ordergraph.domain.invoices import Seller
from ordergraph.schema.ids import decode_id
from tests.api.test_customer_login_api import customer, login
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.api.test_returns_api import capture
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api
from tests.support.pdf import read_pdf, save_png

SHOP = "Invoice Test Shop"
ORDER = """
query($id: ID!) {
  order(id: $id) {
    id number paymentStatus
    subtotal { amount currency } shippingTotal { amount currency } total { amount currency }
    lines { sku quantity unitPrice { amount } total { amount } }
    invoice { number issuedAt url }
  }
}"""


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live(request: pytest.FixtureRequest, databases: Databases) -> Iterator[LiveApi]:
    backend: str = request.param
    with live_api(
        backend,
        databases.new(backend),
        ORDERGRAPH_SHOP_NAME=SHOP,
        ORDERGRAPH_SELLER_ADDRESS="Hauptstrasse 1; 10115 Berlin; Germany",
        ORDERGRAPH_SELLER_VAT_ID="DE123456789",
    ) as api:
        yield api


async def read_order(client: GraphQLClient, order_id: str) -> dict[str, Any]:
    order = (await client.data(ORDER, {"id": order_id}))["order"]
    assert isinstance(order, dict)
    return order


async def paid(admin: GraphQLClient, sku: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    placed = await place_ok(admin, order_input([(sku, quantity)], **extra))
    await capture(admin, placed["id"])
    return placed


def invoice_url(order_id: str) -> str:
    return f"/orders/{order_id}/invoice.pdf"


async def fetch(http: httpx.AsyncClient, order_id: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.get(invoice_url(order_id), headers=headers)


def words(text: str) -> str:
    return " ".join(text.split())


def sequence(number: str) -> int:
    prefix, year, counter = number.split("-")
    assert (prefix, year) == ("INV", str(datetime.now(UTC).year)), number
    return int(counter)


def plain_refusal(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/plain")
    assert not response.content.startswith(b"%PDF")
    return response.text


async def test_a_paid_order_s_invoice_shows_seller_buyer_lines_tax_totals_and_payment(
    admin: GraphQLClient,
    staff: GraphQLClient,
    http: httpx.AsyncClient,
    live: LiveApi,
    unique: str,
    tmp_path: Path,
) -> None:
    item = await stock(admin, unique, on_hand=10, price="12.50")
    placed = await paid(admin, item.sku, 3)
    assert (await read_order(admin, placed["id"]))["invoice"] is None  # not issued yet

    response = await fetch(http, placed["id"], staff.token)  # orders:read is enough

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    order = await read_order(admin, placed["id"])
    invoice = order["invoice"]
    number = invoice["number"]
    assert invoice["url"] == f"{live.base_url}/orders/{placed['id']}/invoice.pdf"
    assert response.headers["content-disposition"] == f'inline; filename="invoice-{number}.pdf"'
    (page,) = read_pdf(response.content)
    png = save_png(page, tmp_path / f"invoice-{number}.png")
    assert png.stat().st_size > 10_000
    assert page.is_a4_or_letter, page.size
    text = words(page.text)
    currency = order["total"]["currency"]
    for expected in (
        SHOP,
        "Hauptstrasse 1",
        "10115 Berlin",
        "VAT ID: DE123456789",
        number,
        order["number"],
        item.sku,
        "Shipping",
        f"Grand total: {order['total']['amount']} {currency}",
        f"Paid: {order['total']['amount']} {currency}",
        "Payment status: PAID",
    ):
        assert expected in text, (expected, text)
    # SKU, description, quantity, unit price, tax rate, tax amount, line total
    assert f"3 12.50 {currency} 0 % 0.00 {currency} 37.50 {currency}" in text, text
    shipping = order["shippingTotal"]["amount"]
    assert f"Shipping 1 {shipping} {currency} 0 % 0.00 {currency} {shipping} {currency}" in text
    # one tax rate: everything at 0 % until taxes exist
    assert f"0 % {order['total']['amount']} {currency} 0.00 {currency}" in text, text


async def test_the_same_number_and_document_come_back_on_every_request(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    item = await stock(admin, unique)
    placed = await paid(admin, item.sku)
    first = await fetch(http, placed["id"], admin.token)
    assert first.status_code == 200, first.text
    again = await fetch(http, placed["id"], admin.token)
    key = decode_id(placed["id"])[1]
    by_number = await http.get(invoice_url(key), headers={"Authorization": f"Bearer {admin.token}"})

    assert again.content == first.content
    assert by_number.content == first.content
    assert again.headers["content-disposition"] == first.headers["content-disposition"]


async def test_an_unpaid_order_is_409_and_gets_no_number(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    item = await stock(admin, unique)
    placed = await place_ok(admin, order_input([(item.sku, 1)]))

    text = plain_refusal(await fetch(http, placed["id"], admin.token), 409)

    assert "not paid" in text
    assert (await read_order(admin, placed["id"]))["invoice"] is None


async def test_staff_and_the_order_s_own_customer_get_it_others_do_not(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    anonymous: GraphQLClient,
    http: httpx.AsyncClient,
    unique: str,
) -> None:
    email = f"ivy-{unique.lower()}@example.com"
    owner = await customer(admin, email, "ivy's own password")
    other_email = f"rex-{unique.lower()}@example.com"
    await customer(admin, other_email, "rex's own password")
    item = await stock(admin, unique)
    placed = await paid(admin, item.sku, customerId=owner)
    mine = (await login(anonymous, email, "ivy's own password"))["token"]
    theirs = (await login(anonymous, other_email, "rex's own password"))["token"]

    own = await fetch(http, placed["id"], mine)
    assert own.status_code == 200, own.text
    assert own.content == (await fetch(http, placed["id"], admin.token)).content
    plain_refusal(await fetch(http, placed["id"], theirs), 404)
    assert "orders:read" in plain_refusal(await fetch(http, placed["id"], storefront.token), 403)
    anonymous_response = await fetch(http, placed["id"], None)
    assert "Authorization: Bearer" in plain_refusal(anonymous_response, 401)
    assert anonymous_response.headers["www-authenticate"].startswith("Bearer")
    plain_refusal(await fetch(http, placed["id"], "og_not_a_real_token"), 401)
    for key in ("999999999", "not-an-id", "T3JkZXI6"):
        plain_refusal(await fetch(http, key, admin.token), 404)

    # Order.invoice: the customer sees it, the other customer does not see the order at all
    seen = await read_order(GraphQLClient(http, mine), placed["id"])
    assert seen["invoice"]["number"] == (await read_order(admin, placed["id"]))["invoice"]["number"]
    assert (await GraphQLClient(http, theirs).data(ORDER, {"id": placed["id"]}))["order"] is None


async def test_a_failed_issuing_transaction_leaves_no_gap(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    before, failed, after = [await paid(admin, item.sku) for _ in range(3)]
    assert (await fetch(http, before["id"], admin.token)).status_code == 200
    last = sequence((await read_order(admin, before["id"]))["invoice"]["number"])

    engine = create_engine(live.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # a writer, as the app's: queue for the lock
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
            transaction = await conn.begin()
            source = await invoice_source(conn, int(decode_id(failed["id"])[1]))
            assert source is not None
            issued = await issue_invoice(conn, source, Seller(SHOP), datetime.now(UTC))
            assert sequence(issued.number) == last + 1
            await transaction.rollback()  # e.g. the process died before commit
    finally:
        await engine.dispose()

    assert (await fetch(http, after["id"], admin.token)).status_code == 200
    assert sequence((await read_order(admin, after["id"]))["invoice"]["number"]) == last + 1
    assert (await read_order(admin, failed["id"]))["invoice"] is None


async def test_twenty_concurrent_first_requests_take_twenty_consecutive_numbers(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    if live.backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serializes every write)")
    item = await stock(admin, unique, on_hand=40)
    first = await paid(admin, item.sku)
    assert (await fetch(http, first["id"], admin.token)).status_code == 200
    last = sequence((await read_order(admin, first["id"]))["invoice"]["number"])
    orders = [await paid(admin, item.sku) for _ in range(20)]

    # the first order is asked for five times at once: one number, the others wait and read it
    firsts = [*orders, *[orders[0]] * 4]
    responses = await asyncio.gather(*(fetch(http, o["id"], admin.token) for o in firsts))
    # and the same orders again, concurrently with each other: no second number for anyone
    again = await asyncio.gather(*(fetch(http, o["id"], admin.token) for o in orders * 2))

    assert [r.status_code for r in [*responses, *again]] == [200] * 64
    assert len({r.content for r in responses[:1] + responses[20:]}) == 1
    numbers = [(await read_order(admin, o["id"]))["invoice"]["number"] for o in orders]
    assert sorted(sequence(n) for n in numbers) == list(range(last + 1, last + 21))
    for order, response in zip(orders * 2, again, strict=True):
        number = (await read_order(admin, order["id"]))["invoice"]["number"]
        assert number in response.headers["content-disposition"]
