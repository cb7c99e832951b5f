"""GraphiQL must be served from vendored assets only (no unpkg/CDN access)."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

from ordergraph.web.graphiql import (
    GRAPHIQL_ASSETS_PREFIX,
    GRAPHIQL_STATIC_DIR,
    GraphiQLAssetsError,
    graphiql_html,
    load_manifest,
)

VENDOR_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_graphiql.sh"
UNPKG_SPEC_RE = re.compile(r"https://unpkg\.com/((?:@[^/@]+/)?[^/@]+)@([^/]+)/")
MIN_ASSET_BYTES = 500


class _ResourceCollector(HTMLParser):
    """Collect (tag, attribute, url, integrity) for script src and link href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = {"script": "src", "link": "href"}.get(tag)
        url = values.get(key) if key else None
        if key and url:
            self.resources.append((tag, key, url, values.get("integrity")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _resources(page: str) -> list[tuple[str, str, str, str | None]]:
    collector = _ResourceCollector()
    collector.feed(page)
    collector.close()
    return collector.resources


def _sri(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"


def test_strawberry_page_still_uses_unpkg() -> None:
    # Guards the other tests against vacuously passing on a page with no CDN URLs.
    assert UNPKG_SPEC_RE.search(get_graphql_ide_html())


def test_rewritten_page_loads_no_external_script_or_stylesheet() -> None:
    page = graphiql_html(get_graphql_ide_html())
    resources = _resources(page)
    scripts_and_links = [url for _, _, url, _ in resources if not url.startswith("data:")]
    assert len(scripts_and_links) >= len(load_manifest())
    for tag, attr, url, _ in resources:
        assert not url.lower().startswith(("http://", "https://", "//")), (tag, attr, url)
    assert "unpkg.com" not in page
    assert "crossorigin" not in page


def test_every_local_asset_exists_and_is_not_trivial() -> None:
    page = graphiql_html(get_graphql_ide_html())
    local = [r for r in _resources(page) if r[2].startswith(f"{GRAPHIQL_ASSETS_PREFIX}/")]
    assert {url for _, _, url, _ in local} == {a.local_url for a in load_manifest()}
    for _, _, url, integrity in local:
        path = GRAPHIQL_STATIC_DIR / url.removeprefix(f"{GRAPHIQL_ASSETS_PREFIX}/")
        assert path.is_file(), url
        assert path.stat().st_size >= MIN_ASSET_BYTES, url
        if integrity is not None:  # kept integrity must match the file we serve
            algorithm = integrity.split("-", 1)[0]
            assert integrity == _sri(path, algorithm), url


def test_versions_txt_matches_strawberry_page() -> None:
    referenced = set(UNPKG_SPEC_RE.findall(get_graphql_ide_html()))
    vendored = {(a.package, a.version) for a in load_manifest()}
    assert vendored == referenced
    cdn_urls = set(re.findall(r"https://unpkg\.com/[^\"'\s]+", get_graphql_ide_html()))
    assert {a.cdn_url for a in load_manifest()} == cdn_urls


def test_versions_txt_hashes_and_licenses() -> None:
    manifest = (GRAPHIQL_STATIC_DIR / "VERSIONS.txt").read_text(encoding="utf-8")
    for asset in load_manifest():
        assert _sri(asset.file, "sha384") in manifest, asset.local_name
        license_file = GRAPHIQL_STATIC_DIR / (
            asset.package.removeprefix("@").replace("/", "-") + ".LICENSE"
        )
        assert "MIT" in license_file.read_text(encoding="utf-8"), license_file


def test_vendor_script_pins_the_same_versions() -> None:
    script = VENDOR_SCRIPT.read_text(encoding="utf-8")
    for asset in load_manifest():
        assert f'"{asset.spec} {asset.package_path} {asset.local_name}"' in script, asset


def test_unknown_unpkg_asset_fails_loudly() -> None:
    page = UNPKG_SPEC_RE.sub(r"https://unpkg.com/\1@0.0.0-not-vendored/", get_graphql_ide_html())
    with pytest.raises(GraphiQLAssetsError, match="not vendored"):
        graphiql_html(page)


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="https://cdn.jsdelivr.net/npm/foo@1/foo.js"></script>',
        '<link rel="stylesheet" href="http://example.com/x.css" />',
        "<script src='//cdn.example.com/x.js'></script>",
    ],
)
def test_remaining_external_resource_fails_loudly(tag: str) -> None:
    page = get_graphql_ide_html().replace("</head>", f"{tag}\n</head>")
    with pytest.raises(GraphiQLAssetsError, match="external resources"):
        graphiql_html(page)


def test_integrity_mismatch_fails_loudly() -> None:
    page = get_graphql_ide_html()
    original = re.search(r'integrity="(sha384-[^"]+)"', page)
    assert original
    bogus = "sha384-" + base64.b64encode(b"\0" * 48).decode("ascii")
    with pytest.raises(GraphiQLAssetsError, match="integrity"):
        graphiql_html(page.replace(original.group(1), bogus, 1))
