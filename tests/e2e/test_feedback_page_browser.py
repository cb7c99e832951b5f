"""The delivery feedback page as a phone's browser uses it (headless Chromium, no script).

A live server on PostgreSQL delivers an order through GraphQL; Chromium at 390 px opens the
feedback link, taps the fourth star, writes a comment and sends the form; GraphQL then shows the
rating on the order.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ViewportSize, expect

from tests.api.test_order_feedback_api import ORDER_FEEDBACK, delivered, token_for
from tests.support.browser import chromium_or_skip, launched_chromium
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
PAGE_MS = 30_000


@pytest.fixture(scope="module")
def live(databases: Databases) -> Iterator[LiveApi]:
    with live_api("postgresql", databases.new("postgresql")) as api:
        yield api


@pytest.fixture(scope="session")
def chromium() -> Path:
    return chromium_or_skip()


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with launched_chromium(chromium, "og-feedback-") as launched:
        yield launched


async def test_a_customer_rates_the_delivery_on_a_phone_without_javascript(
    live: LiveApi, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as http:
        admin = GraphQLClient(http, live.admin_token)
        order = await delivered(admin, uuid.uuid4().hex[:8].upper())
        context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text))
        await page.goto(f"{live.base_url}/feedback/{token_for(live, order.id)}", timeout=PAGE_MS)

        await expect(page.get_by_role("heading", name="How was your delivery?")).to_be_visible()
        await expect(page.get_by_text(order.order["number"])).to_be_visible()
        # nothing wider than the phone: no sideways scrolling
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        star = page.locator("label[for=r4]")
        box = await star.bounding_box()
        assert box is not None
        assert box["width"] >= 44  # a comfortable tap target
        assert box["height"] >= 44

        await star.click()
        await page.get_by_label("Anything to tell us? (optional)").fill("Left at the neighbour's")
        await page.get_by_role("button", name="Send feedback").click()
        await expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        assert errors == []  # the CSP let the stylesheet through, nothing else was asked for
        await context.close()

        seen = (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"]
        assert (seen["rating"], seen["comment"]) == (4, "Left at the neighbour's")
