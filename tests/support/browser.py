"""Headless Debian Chromium through playwright (never a downloaded browser), for page tests."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = "install Debian's chromium package to run the browser test; .ci/run does"


def chromium_or_skip() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    return CHROMIUM


@contextlib.asynccontextmanager
async def launched_chromium(chromium: Path, prefix: str = "og-browser-") -> AsyncIterator[Browser]:
    """A headless browser whose HOME and XDG dirs are a throwaway directory, so Chromium
    writes nothing outside it."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        env: dict[str, str | float | bool] = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_CACHE_HOME": f"{home}/cache",
        }
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(chromium),
                headless=True,
                env=env,
                args=["--disable-gpu", "--disable-quic", "--no-first-run"],
            )
            try:
                yield browser
            finally:
                await browser.close()
