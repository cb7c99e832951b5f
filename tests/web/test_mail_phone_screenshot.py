"""Mail HTML on a phone: headless Chromium (Playwright, the system browser) at 390px wide shows
the shipped and delivered mails without sideways scrolling and with a button a thumb can hit."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from ordergraph.mail.render import TemplateRenderer
from tests.support.browser import chromium_or_skip, launched_chromium
from tests.support.mail_context import FEEDBACK_URL, TRACKING_LINK, full_context

PHONE_WIDTH, PHONE_HEIGHT = 390, 844
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def chromium() -> Path:
    return chromium_or_skip()


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with launched_chromium(chromium, "og-mail-") as launched:
        yield launched


@pytest.mark.parametrize(
    ("type", "locale", "link", "label"),
    [
        ("ORDER_SHIPPED", "en", TRACKING_LINK, "Track your parcel"),
        ("ORDER_DELIVERED", "nl", FEEDBACK_URL, "Beoordeel je bezorging"),
    ],
)
async def test_the_mail_fits_a_phone_and_its_button_is_easy_to_tap(
    browser: Browser, tmp_path: Path, type: str, locale: str, link: str, label: str
) -> None:
    context = full_context()
    # a long unbroken word must wrap, not widen the page
    context["order"]["lines"][0]["name"] = "Fietsbel" + "x" * 80
    context["shipment"]["lines"][0]["name"] = "Fietsbel" + "x" * 80
    html = TemplateRenderer().render(type, context, locale=locale, timezone="Europe/Amsterdam").html
    page = await browser.new_page(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
    try:
        await page.set_content(html, wait_until="load")
        scroll_width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= PHONE_WIDTH
        button = page.locator(f'a.button[href="{link}"]')
        assert await button.is_visible()
        assert (await button.inner_text()).strip() == label
        box = await button.bounding_box()
        assert box is not None
        assert box["height"] >= 40
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE_WIDTH
        plain_link = page.locator(f'a.break[href="{link}"]')
        assert await plain_link.count() >= 1
        shot = tmp_path / f"{type}.{locale}.png"
        await page.screenshot(path=str(shot), full_page=True)
    finally:
        await page.close()
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width == PHONE_WIDTH
    assert height >= PHONE_HEIGHT // 2
    assert len(data) > 20_000  # a rendered mail, not a blank page
