"""The public tracking page ``GET /t/{code}`` as a real browser renders it (headless Chromium).

A live server on PostgreSQL gets a shipped order through GraphQL with two carrier events; Chromium
then loads the page, and the tests assert on the rendered DOM and on a phone-sized screenshot.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.databases import Databases
from tests.support.live import live_api

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = "install Debian's chromium package to run the browser test; .ci/run does"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_SECONDS = 30
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

SET_UP = """
mutation($warehouse: CreateWarehouseInput!, $product: CreateProductInput!) {
  createWarehouse(input: $warehouse) { warehouse { id } userErrors { code message } }
  createProduct(input: $product) { product { id } userErrors { code message } }
}"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { code message } }
}"""
PLACE_ORDER = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number } userErrors { code message } }
}"""
AUTHORIZE = """
mutation($input: PaymentInput!) {
  authorizePayment(input: $input) {
    order { status fulfillments { id } }
    userErrors { code message }
  }
}"""
START_PICKING = """
mutation($input: FulfillmentInput!) {
  startPicking(input: $input) { fulfillment { status } userErrors { code message } }
}"""
MARK_PACKED = """
mutation($input: FulfillmentInput!) {
  markPacked(input: $input) { fulfillment { status } userErrors { code message } }
}"""
SHIP = """
mutation($input: ShipFulfillmentInput!) {
  shipFulfillment(input: $input) {
    shipment { id trackingCode trackingUrl }
    userErrors { code message }
  }
}"""
RECORD_EVENT = """
mutation($input: ShipmentEventInput!) {
  recordShipmentEvent(input: $input) { shipment { status } userErrors { code message } }
}"""


@dataclass(frozen=True)
class TrackedShipment:
    base_url: str
    code: str
    order_number: str
    tracking_number: str

    @property
    def page_url(self) -> str:
        return f"{self.base_url}/t/{self.code}"


def mutate(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run a one-or-more-field mutation; fail on top-level or user errors; the payloads."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    for payload in data.values():
        assert payload["userErrors"] == [], payload["userErrors"]
    return data


def ship_an_order_with_two_events(client: httpx.Client) -> tuple[str, str, str]:
    """Warehouse → product → stock → order → paid → picked → packed → shipped by DHL → two
    events. Returns (tracking code, order number, tracking number)."""
    suffix = uuid.uuid4().hex[:8].upper()
    sku = f"BROWSER-{suffix}"
    created = mutate(
        client,
        SET_UP,
        {
            "warehouse": {
                "code": f"AMS-{suffix}",
                "name": "Amsterdam",
                "region": "EU-WEST",
                "countryCode": "NL",
            },
            "product": {
                "sku": sku,
                "name": "Browser test mug",
                "price": {"amount": "12.50", "currency": "EUR"},
            },
        },
    )
    warehouse_id = created["createWarehouse"]["warehouse"]["id"]
    mutate(
        client,
        ADJUST,
        {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": 5, "reason": "RECEIVED"}},
    )
    order = mutate(
        client,
        PLACE_ORDER,
        {
            "input": {
                "channel": "WEB",
                "lines": [{"sku": sku, "quantity": 2}],
                "email": f"browser-{suffix.lower()}@example.com",
                "shippingAddress": {
                    "name": "Browser Tester",
                    "line1": "Damrak 1",
                    "city": "Amsterdam",
                    "region": "EU-WEST",
                    "postalCode": "1012 LG",
                    "countryCode": "NL",
                },
            }
        },
    )["placeOrder"]["order"]
    authorized = mutate(client, AUTHORIZE, {"input": {"orderId": order["id"], "token": "tok_ok"}})
    (fulfillment,) = authorized["authorizePayment"]["order"]["fulfillments"]
    target = {"input": {"fulfillmentId": fulfillment["id"]}}
    mutate(client, START_PICKING, target)
    mutate(client, MARK_PACKED, target)
    tracking_number = f"JD0146{suffix}"
    shipment = mutate(
        client,
        SHIP,
        {
            "input": {
                "fulfillmentId": fulfillment["id"],
                "carrier": "dhl",
                "trackingNumber": tracking_number,
            }
        },
    )["shipFulfillment"]["shipment"]
    for status, location in (("IN_TRANSIT", "Utrecht hub"), ("OUT_FOR_DELIVERY", None)):
        event = {
            "shipmentId": shipment["id"],
            "status": status,
            "occurredAt": datetime.now(UTC).isoformat(),
            "location": location,
        }
        recorded = mutate(client, RECORD_EVENT, {"input": event})
        assert recorded["recordShipmentEvent"]["shipment"]["status"] == status
    return shipment["trackingCode"], order["number"], tracking_number


@pytest.fixture(scope="module")
def tracked(databases: Databases) -> Iterator[TrackedShipment]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    database_url = databases.new_postgres()
    try:
        with live_api("postgresql", database_url) as live:
            headers = {"Authorization": f"Bearer {live.admin_token}"}
            with httpx.Client(base_url=live.base_url, headers=headers, timeout=30) as client:
                code, number, tracking_number = ship_an_order_with_two_events(client)
            yield TrackedShipment(live.base_url, code, number, tracking_number)
    finally:
        databases.drop_postgres(database_url)


def chromium(*arguments: str) -> str:
    """Run headless Chromium once on a throwaway profile (removed afterwards); its stdout."""
    with tempfile.TemporaryDirectory(prefix="og-chromium-") as profile:
        # HOME and XDG dirs too, so Chromium writes nothing outside the throwaway directory.
        env = {
            **os.environ,
            "HOME": profile,
            "XDG_CONFIG_HOME": f"{profile}/config",
            "XDG_CACHE_HOME": f"{profile}/cache",
        }
        command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}/data", *arguments]
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(timeout=CHROMIUM_SECONDS)
        finally:
            # Chromium's helpers (zygote, crashpad) share its session; end them with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    stderr = err.decode(errors="replace")[-3000:]
    assert process.returncode == 0, f"chromium exited with {process.returncode}\n{stderr}"
    return out.decode()


class Page(HTMLParser):
    """The parts of a DOM the tests look at: tags with their attributes, and text per tag."""

    def __init__(self, dom: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_in: dict[str, list[str]] = {}
        self._open: list[str] = []
        self.feed(dom)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        if tag not in {"meta", "br", "link", "img", "input", "hr"}:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in set(self._open):
            self.text_in.setdefault(tag, []).append(data)

    def text(self, tag: str) -> str:
        return " ".join("".join(self.text_in.get(tag, [])).split())

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def page(tracked: TrackedShipment) -> Page:
    return Page(chromium("--dump-dom", tracked.page_url))


def test_the_browser_renders_the_order_number_status_and_timeline(
    tracked: TrackedShipment, page: Page
) -> None:
    (html,) = page.all("html")
    assert html.get("lang") == "en"
    assert page.text("h1") == f"Order {tracked.order_number}"
    (status,) = [attrs for attrs in page.all("p") if attrs.get("role") == "status"]
    assert "status" in status.get("class", "")
    assert "Out for delivery" in page.text("p")
    assert page.text("title") == f"Order {tracked.order_number}: Out for delivery"
    timeline = page.text("ol")
    assert "Utrecht hub" in timeline
    # newest first: out for delivery above the earlier in-transit scan
    assert timeline.index("Out for delivery") < timeline.index("In transit")
    assert tracked.tracking_number in page.text("dd")


def test_the_carrier_link_points_at_dhl_tracking(tracked: TrackedShipment, page: Page) -> None:
    links = [attrs["href"] for attrs in page.all("a") if "href" in attrs]
    (carrier,) = links
    assert carrier.startswith("https://www.dhl.com"), carrier
    assert tracked.tracking_number in carrier
    assert "Track with DHL" in page.text("a")


def test_the_page_is_mobile_ready_and_loads_nothing_from_other_hosts(
    tracked: TrackedShipment, page: Page
) -> None:
    viewports = [m for m in page.all("meta") if m.get("name") == "viewport"]
    (viewport,) = viewports
    assert "width=device-width" in viewport.get("content", "")
    assert page.all("script") == []
    own_host = urlsplit(tracked.base_url).netloc
    carrier_host = "www.dhl.com"
    outside = []
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            value = attrs.get(name)
            if value is None:
                continue
            host = urlsplit(value.strip()).netloc
            allowed = host in ("", own_host) or (tag == "a" and host == carrier_host)
            if not allowed:
                outside.append((tag, name, value))
    assert outside == []
    # no stylesheet or font pulled in from elsewhere through CSS either
    css = page.text("style")
    assert css
    assert "url(" not in css
    assert "@import" not in css


def png_width_height(data: bytes) -> tuple[int, int]:
    """From the IHDR chunk, which must come first and carry a valid CRC."""
    assert data[:8] == PNG_SIGNATURE, data[:16]
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(b"IHDR" + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def png_pixel_bytes(data: bytes) -> bytes:
    """The decompressed image data (all IDAT chunks), walking the chunk list to IEND."""
    offset, idat = 8, b""
    while True:
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IEND":
            break
    assert offset == len(data)
    return zlib.decompress(idat)


def test_a_phone_sized_screenshot_is_a_valid_png_of_the_requested_width(
    tracked: TrackedShipment, tmp_path: Path
) -> None:
    shot = tmp_path / "tracking-phone.png"
    size = f"--window-size={PHONE_WIDTH},{PHONE_HEIGHT}"
    chromium(f"--screenshot={shot}", size, tracked.page_url)
    data = shot.read_bytes()
    assert len(data) > 1000
    assert png_width_height(data) == (PHONE_WIDTH, PHONE_HEIGHT)
    # something was drawn: a blank page compresses to a handful of distinct byte values
    assert len(set(png_pixel_bytes(data))) > 16


def test_an_unknown_tracking_code_renders_the_not_found_page(tracked: TrackedShipment) -> None:
    missing = Page(chromium("--dump-dom", f"{tracked.base_url}/t/NOPE{uuid.uuid4().hex[:8]}"))
    assert missing.text("h1") == "Tracking link not found"
    assert "Check the link in your shipping email" in missing.text("p")
    assert "Order" not in missing.text("body")
