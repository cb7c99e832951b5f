"""GET /fulfillments/{id}/packing-slip.pdf over real HTTP, on PostgreSQL and SQLite.

Each slip is read as a person and a scanner would: PDFium renders it to pixels, its text is
extracted, and its barcode is decoded from the bar widths in the image.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergraph.domain.principals import Role, Scope
from ordergraph.schema.ids import decode_id
from tests.api.test_customer_login_api import customer, login
from tests.api.test_fulfillment_api import confirm, pack, request_statements, ship_ok
from tests.api.test_place_order_api import (
    address,
    create_product,
    create_warehouse,
    order_input,
    receive,
    short,
    stock,
)
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token, live_api
from tests.support.pdf import RenderedPage, read_pdf, save_png, scan_code39

SHOP = "Packing Test Shop"
SLIPS = """
query($id: ID!) {
  order(id: $id) {
    number
    fulfillments { id packingSlipUrl warehouse { code } lines { id sku quantity } }
  }
}"""


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live(request: pytest.FixtureRequest, databases: Databases) -> Iterator[LiveApi]:
    backend: str = request.param
    with live_api(backend, databases.new(backend), ORDERGRAPH_SHOP_NAME=SHOP) as api:
        yield api


async def slips(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    order = (await admin.data(SLIPS, {"id": order_id}))["order"]
    assert isinstance(order, dict)
    return order


async def fetch(http: httpx.AsyncClient, url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.get(url, headers=headers)


async def slip_pages(http: httpx.AsyncClient, url: str, token: str) -> list[RenderedPage]:
    response = await fetch(http, url, token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return read_pdf(response.content)


def words(text: str) -> str:
    """The page's text with line breaks as spaces, for phrases a table cell may wrap."""
    return " ".join(text.split())


async def test_a_packing_slip_is_an_a4_page_with_the_order_its_lines_and_a_scannable_barcode(
    admin: GraphQLClient,
    staff: GraphQLClient,
    http: httpx.AsyncClient,
    live: LiveApi,
    unique: str,
    tmp_path: Path,
) -> None:
    item = await stock(admin, unique, on_hand=10)
    other = f"OTHER-{unique}-{short()}"
    await create_product(admin, other)
    await receive(admin, other, item.warehouse_id, 5)
    placed = await confirm(
        admin, order_input([(item.sku, 3), (other, 2)], ship_to=address(name="Grace Hopper"))
    )
    order = await slips(admin, placed["id"])
    (fulfillment,) = order["fulfillments"]
    url = fulfillment["packingSlipUrl"]
    assert url == f"{live.base_url}/fulfillments/{fulfillment['id']}/packing-slip.pdf"

    response = await fetch(http, url, staff.token)  # read-only staff: orders:read is enough

    assert response.status_code == 200, response.text
    number = f"{order['number']}-F1"
    assert response.headers["content-disposition"] == (
        f'inline; filename="packing-slip-{number}.pdf"'
    )
    (page,) = read_pdf(response.content)
    png = save_png(page, tmp_path / f"packing-slip-{number}.png")
    assert png.stat().st_size > 10_000
    assert page.is_a4_or_letter, page.size
    text = page.text
    for expected in (SHOP, order["number"], number, item.warehouse_code, "Grace Hopper"):
        assert expected in text, (expected, text)
    assert fulfillment["id"] in text
    assert "Partial shipment" not in text
    # each line: SKU, name, quantity, nothing shipped yet, all of it to pack
    assert f"{item.sku} Product {item.sku} 3 0 3" in words(text), text
    assert f"{other} Product {other} 2 0 2" in words(text), text
    assert "5 units to pack on 2 lines" in text

    barcode = scan_code39(page)
    assert barcode.text == number
    assert 0.35 < barcode.dark_ratio < 0.8, barcode
    left, top, right, bottom = barcode.box
    # at 288 dpi: about 65 mm by 14 mm, big enough for a handheld scanner
    assert right - left > 600, barcode
    assert bottom - top > 120, barcode


async def test_a_split_order_prints_fulfillment_1_of_2_and_2_of_2_with_each_warehouse_s_lines(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str, tmp_path: Path
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    first = await create_warehouse(admin, f"ONE-{unique}", region=region, priority=1)
    second = await create_warehouse(admin, f"TWO-{unique}", region=region, priority=2)
    await receive(admin, sku, first, 2)
    await receive(admin, sku, second, 3)
    placed = await confirm(admin, order_input([(sku, 5)], ship_to=address(region=region)))
    order = await slips(admin, placed["id"])
    by_code = {f["warehouse"]["code"]: f for f in order["fulfillments"]}
    assert set(by_code) == {f"ONE-{unique}", f"TWO-{unique}"}
    # numbered in the order the fulfillments were made
    ordered = sorted(order["fulfillments"], key=lambda f: int(decode_id(f["id"])[1]))

    seen = []
    for position, fulfillment in enumerate(ordered, start=1):
        (page,) = await slip_pages(http, fulfillment["packingSlipUrl"], admin.token or "")
        save_png(page, tmp_path / f"split-{position}.png")
        number = f"{order['number']}-F{position}"
        note = (
            f"Partial shipment: fulfillment {position} of 2 for order {order['number']}. "
            "The other items ship separately."
        )
        assert note in words(page.text), page.text
        assert fulfillment["warehouse"]["code"] in page.text
        (line,) = fulfillment["lines"]
        assert f"{sku} Product {sku} {line['quantity']} 0 {line['quantity']}" in words(page.text)
        assert scan_code39(page).text == number
        seen.append(line["quantity"])
    assert sorted(seen) == [2, 3]


async def test_a_partly_shipped_fulfillment_lists_only_what_is_left_to_pack(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    placed = await confirm(admin, order_input([(item.sku, 5)]))
    (fulfillment,) = placed["fulfillments"]
    (line,) = fulfillment["lines"]
    await pack(admin, fulfillment["id"])
    await ship_ok(
        admin, fulfillment["id"], lines=[{"fulfillmentLineId": line["id"], "quantity": 2}]
    )
    url = (await slips(admin, placed["id"]))["fulfillments"][0]["packingSlipUrl"]

    (page,) = await slip_pages(http, url, admin.token or "")

    assert f"{item.sku} Product {item.sku} 5 2 3" in words(page.text), page.text
    assert "3 units to pack on 1 line" in page.text
    assert "Status: PACKED" in page.text


async def test_the_plain_fulfillment_number_finds_the_same_slip(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    item = await stock(admin, unique)
    placed = await confirm(admin, order_input([(item.sku, 1)]))
    (fulfillment,) = placed["fulfillments"]
    key = decode_id(fulfillment["id"])[1]

    (page,) = await slip_pages(http, f"/fulfillments/{key}/packing-slip.pdf", admin.token or "")

    assert scan_code39(page).text == f"{placed['number']}-F1"


async def a_slip_url(admin: GraphQLClient, unique: str, **order: Any) -> str:
    item = await stock(admin, unique)
    placed = await confirm(admin, order_input([(item.sku, 1)], **order))
    url = (await slips(admin, placed["id"]))["fulfillments"][0]["packingSlipUrl"]
    assert isinstance(url, str)
    return url


def plain_refusal(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    assert not response.content.startswith(b"%PDF")
    return response.text


async def test_without_a_token_or_with_an_unknown_one_it_is_401(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    url = await a_slip_url(admin, unique)

    anonymous = await fetch(http, url, None)
    assert "Authorization: Bearer" in plain_refusal(anonymous, 401)
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    plain_refusal(await fetch(http, url, "og_not_a_real_token"), 401)
    plain_refusal(await http.get(url, headers={"Authorization": "Basic YTpi"}), 401)


async def test_storefront_and_customer_tokens_are_403_even_for_the_customer_s_own_order(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    anonymous: GraphQLClient,
    http: httpx.AsyncClient,
    unique: str,
) -> None:
    email = f"pat-{unique.lower()}@example.com"
    owner = await customer(admin, email, "pat's own password")
    url = await a_slip_url(admin, unique, customerId=owner)
    token = (await login(anonymous, email, "pat's own password"))["token"]

    for caller in (storefront.token, token):
        text = plain_refusal(await fetch(http, url, caller), 403)
        assert "orders:read" in text


async def test_a_warehouse_app_s_staff_token_may_print(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    url = await a_slip_url(admin, unique)
    warehouse_app = issue_token(live.database_url, Role.STAFF, frozenset({Scope.FULFILLMENT_WRITE}))

    response = await fetch(http, url, warehouse_app)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "key",
    [
        "999999999",
        "RnVsZmlsbG1lbnQ6OTk5OTk5OTk5",  # Fulfillment:999999999
        "T3JkZXI6MQ",  # Order:1 — an ID, but not a fulfillment's
        "RnVsZmlsbG1lbnQ6YWJj",  # Fulfillment:abc
        "not-an-id",
        "%00",
        "9" * 30,
        "x" * 300,
    ],
)
async def test_unknown_and_malformed_ids_are_404_never_a_server_error(
    admin: GraphQLClient, http: httpx.AsyncClient, key: str
) -> None:
    response = await fetch(http, f"/fulfillments/{key}/packing-slip.pdf", admin.token)

    assert plain_refusal(response, 404) == "no such fulfillment\n"


async def test_packing_slip_url_is_for_staff_and_a_forbidden_null_for_the_order_s_customer(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    email = f"quinn-{unique.lower()}@example.com"
    owner = await customer(admin, email, "quinn's own password")
    item = await stock(admin, unique)
    placed = await confirm(admin, order_input([(item.sku, 1)], customerId=owner))
    as_customer = anonymous.as_token(
        (await login(anonymous, email, "quinn's own password"))["token"]
    )

    result = await as_customer.execute(SLIPS, {"id": placed["id"]})

    assert result.error_codes == ["FORBIDDEN"]
    (fulfillment,) = result.body["data"]["order"]["fulfillments"]
    assert fulfillment["packingSlipUrl"] is None
    assert fulfillment["lines"][0]["sku"] == item.sku  # the rest of the order is still theirs


async def test_a_slip_of_thirty_lines_takes_the_same_statements_as_one_of_one_line(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=50)
    skus = [item.sku]
    for _ in range(29):
        sku = f"MANY-{unique}-{short()}"
        await create_product(admin, sku)
        await receive(admin, sku, item.warehouse_id, 1)
        skus.append(sku)

    async def statements_for(lines: list[str]) -> list[str]:
        placed = await confirm(admin, order_input([(sku, 1) for sku in lines]))
        url = (await slips(admin, placed["id"]))["fulfillments"][0]["packingSlipUrl"]
        live.sql.clear()
        pages = await slip_pages(http, url, admin.token or "")
        text = words(" ".join(page.text for page in pages))
        assert all(f"{sku} Product {sku} 1 0 1" in text for sku in lines), text
        return request_statements(live)

    one = await statements_for(skus[:1])
    thirty = await statements_for(skus)

    assert len(one) == len(thirty), (one, thirty)
    assert len([s for s in thirty if "fulfillment_lines" in s]) == 1, thirty
