"""Mail HTML on a phone: headless Chromium (Playwright, the system browser) at 390px wide shows
the shipped and delivered mails without sideways scrolling and with a button a thumb can hit."""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from ordergraph.mail.render import TemplateRenderer
from tests.support.mail_context import FEEDBACK_URL, TRACKING_LINK, full_context

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = "install Debian's chromium package to run the browser test; .ci/run does"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="og-mail-") as home:
        # HOME and XDG dirs too, so Chromium writes nothing outside the throwaway directory.
        env: dict[str, str | float | bool] = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_CACHE_HOME": f"{home}/cache",
        }
        async with async_playwright() as playwright:
            launched = await playwright.chromium.launch(
                executable_path=str(chromium),
                headless=True,
                env=env,
                args=["--disable-gpu", "--disable-quic", "--no-first-run"],
            )
            try:
                yield launched
            finally:
                await launched.close()


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
