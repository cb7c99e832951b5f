"""Serve strawberry's GraphiQL page without any CDN.

Strawberry's GraphiQL HTML loads React, GraphiQL and the explorer plugin from
``https://unpkg.com``. This machine and many users' networks cannot reach unpkg,
so the IDE would render as a blank page. We vendor pinned copies of exactly
those files (``static/graphiql/``, refreshed by ``scripts/vendor_graphiql.sh``)
and rewrite the page to load them from ``/static/graphiql/``.

The rewrite is strict: an unpkg URL not covered by ``VERSIONS.txt``, an
``integrity`` hash that does not match the local file, or any external
``http(s)://`` script/stylesheet/src left in the page raises
:class:`GraphiQLAssetsError`. A strawberry upgrade that changes the page thus
fails loudly in the tests instead of silently going back online.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

__all__ = [
    "GRAPHIQL_ASSETS_PREFIX",
    "GRAPHIQL_STATIC_DIR",
    "GraphiQLAsset",
    "GraphiQLAssetsError",
    "graphiql_csp",
    "graphiql_html",
    "load_manifest",
]

GRAPHIQL_STATIC_DIR: Final[Path] = Path(__file__).resolve().parent / "static" / "graphiql"
GRAPHIQL_ASSETS_PREFIX: Final = "/static/graphiql"

_MANIFEST_NAME: Final = "VERSIONS.txt"
_CDN_PREFIX: Final = "https://unpkg.com/"
# "<pkg>@<version>/<path>" where pkg may be scoped ("@scope/name").
_UNPKG_URL_RE: Final = re.compile(
    r"^https://unpkg\.com/(?P<spec>(?:@[^/@]+/)?[^/@]+@[^/@?#]+)/(?P<path>[^?#]+)$"
)
# A start tag of <script> or <link>; quoted attribute values may contain ">".
_TAG_RE: Final = re.compile(
    r"<(?P<name>script|link)\b"
    r"(?P<attrs>(?:\s+[^\s=>/\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(?P<end>/?)>",
    re.IGNORECASE,
)
_ATTR_RE: Final = re.compile(
    r"(?P<key>[^\s=>/\"']+)(?:\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<uq>[^\s\"'=<>`]+)))?"
)
# Browsers pick the strongest algorithm present in an SRI list.
_SRI_ALGORITHMS: Final = ("sha512", "sha384", "sha256")


class GraphiQLAssetsError(RuntimeError):
    """The GraphiQL page cannot be served with the vendored assets only."""


@dataclass(frozen=True, slots=True)
class GraphiQLAsset:
    """One vendored file, as listed in ``VERSIONS.txt``."""

    package: str
    version: str
    package_path: str
    local_name: str

    @property
    def spec(self) -> str:
        """``package@version``, as in the unpkg URL."""
        return f"{self.package}@{self.version}"

    @property
    def cdn_url(self) -> str:
        """The unpkg URL strawberry's page uses for this file."""
        return f"{_CDN_PREFIX}{self.spec}/{self.package_path}"

    @property
    def local_url(self) -> str:
        """The same-origin URL the rewritten page uses."""
        return f"{GRAPHIQL_ASSETS_PREFIX}/{self.local_name}"

    @property
    def file(self) -> Path:
        """Path of the vendored file on disk."""
        return GRAPHIQL_STATIC_DIR / self.local_name


@functools.cache
def load_manifest() -> tuple[GraphiQLAsset, ...]:
    """Parse ``VERSIONS.txt`` (written by ``scripts/vendor_graphiql.sh``)."""
    manifest = GRAPHIQL_STATIC_DIR / _MANIFEST_NAME
    try:
        text = manifest.read_text(encoding="utf-8")
    except OSError as exc:
        raise GraphiQLAssetsError(f"{manifest} is missing; run scripts/vendor_graphiql.sh") from exc
    assets: list[GraphiQLAsset] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 3:
            raise GraphiQLAssetsError(f"{manifest}:{lineno}: malformed line {raw!r}")
        spec, package_path, local_name = fields[:3]
        package, sep, version = spec.rpartition("@")
        if not sep or not package or not version or "/" in local_name:
            raise GraphiQLAssetsError(f"{manifest}:{lineno}: malformed line {raw!r}")
        assets.append(GraphiQLAsset(package, version, package_path, local_name))
    if not assets:
        raise GraphiQLAssetsError(f"{manifest} lists no assets")
    return tuple(assets)


@functools.cache
def _file_digest(path: Path, algorithm: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GraphiQLAssetsError(
            f"vendored GraphiQL asset {path} is missing; run scripts/vendor_graphiql.sh"
        ) from exc
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii")


def _check_integrity(asset: GraphiQLAsset, integrity: str) -> None:
    """Raise unless the local file satisfies the SRI metadata, as a browser would check it."""
    by_alg: dict[str, list[str]] = {}
    for token in integrity.split():
        alg, sep, value = token.partition("-")
        if sep and alg.lower() in _SRI_ALGORITHMS:
            by_alg.setdefault(alg.lower(), []).append(value.split("?", 1)[0])
    strongest = next((alg for alg in _SRI_ALGORITHMS if alg in by_alg), None)
    if strongest is None:  # no usable hash: browsers do not enforce it either
        return
    if _file_digest(asset.file, strongest) not in by_alg[strongest]:
        raise GraphiQLAssetsError(
            f"{asset.file.name} does not match the integrity hash strawberry expects for "
            f"{asset.cdn_url} ({integrity}); re-run scripts/vendor_graphiql.sh"
        )


def _attr_value(match: re.Match[str]) -> str | None:
    for group in ("dq", "sq", "uq"):
        value = match.group(group)
        if value is not None:
            return html.unescape(value)
    return None


def _rewrite_tag(tag: re.Match[str], assets: dict[str, GraphiQLAsset]) -> str:
    name = tag.group("name").lower()
    url_attr = "src" if name == "script" else "href"
    attrs = list(_ATTR_RE.finditer(tag.group("attrs")))
    asset: GraphiQLAsset | None = None
    for attr in attrs:
        value = _attr_value(attr)
        if attr.group("key").lower() == url_attr and value and value.startswith(_CDN_PREFIX):
            asset = assets.get(value)
            if asset is None:
                raise GraphiQLAssetsError(
                    f"GraphiQL page loads {value}, which is not vendored in "
                    f"{GRAPHIQL_STATIC_DIR / _MANIFEST_NAME}; update the pins in "
                    "scripts/vendor_graphiql.sh to match strawberry and re-run it"
                )
    if asset is None:
        return tag.group(0)

    parts = [f"<{tag.group('name')}"]
    for attr in attrs:
        key = attr.group("key").lower()
        value = _attr_value(attr)
        if key == "crossorigin":  # same-origin now; SRI works without CORS
            continue
        if key == url_attr:
            value = asset.local_url
        elif key == "integrity" and value is not None:
            _check_integrity(asset, value)  # still valid: keep it
        if value is None:
            parts.append(f" {attr.group('key')}")
        else:
            parts.append(f' {attr.group("key")}="{html.escape(value, quote=True)}"')
    parts.append(" />" if tag.group("end") else ">")
    return "".join(parts)


def _is_external(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http://", "https://", "//"))


class _ExternalResourceFinder(HTMLParser):
    """Collect URLs the browser would fetch from another origin on page load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None or not _is_external(value):
                continue
            if key == "src" or (tag == "link" and key == "href"):
                self.external.append(f"<{tag} {key}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _assert_offline(page: str) -> None:
    finder = _ExternalResourceFinder()
    finder.feed(page)
    finder.close()
    if finder.external:
        raise GraphiQLAssetsError(
            "GraphiQL page still loads external resources after rewriting: "
            + ", ".join(finder.external)
            + "; vendor them via scripts/vendor_graphiql.sh"
        )


@functools.lru_cache(maxsize=8)
def graphiql_html(graphql_ide_html: str) -> str:
    """Return strawberry's GraphiQL page rewritten to use the vendored assets.

    ``graphql_ide_html`` is what strawberry renders (``view.graphql_ide_html``).
    Each ``https://unpkg.com/...`` script/stylesheet URL becomes
    ``/static/graphiql/<file>``; ``crossorigin`` is dropped and ``integrity`` is kept
    after checking that it matches the local file.

    Raises:
        GraphiQLAssetsError: an asset is not vendored (e.g. strawberry was upgraded),
            a local file does not match its integrity hash, or an external
            ``http(s)://`` script/link/src would remain in the page.
    """
    assets = {asset.cdn_url: asset for asset in load_manifest()}
    page = _TAG_RE.sub(lambda tag: _rewrite_tag(tag, assets), graphql_ide_html)
    _assert_offline(page)
    return page


_INLINE_SCRIPT_RE: Final = re.compile(r"<script>(?P<body>.*?)</script>", re.DOTALL)


def graphiql_csp(page: str) -> str:
    """The page's Content-Security-Policy: scripts only from this server plus the page's own
    inline bootstrap (by hash), requests only to this server. GraphiQL injects styles at run
    time, so styles may be inline."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group('body').encode()).digest()).decode()}'"
        for m in _INLINE_SCRIPT_RE.finditer(page)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
