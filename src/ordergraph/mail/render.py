"""Mail templates: a subject, a plain-text and an HTML part per notification type and locale.

Templates live in ``templates/<locale>/<TYPE>.{subject.txt,txt,html}``; an override folder with
the same layout is searched first, so a merchant can replace any single file. Money and dates are
formatted with Babel in the customer's locale, dates in the customer's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency
from jinja2 import (
    ChainableUndefined,
    Environment,
    FileSystemLoader,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context, Undefined

from ordergraph.domain.money import Money

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
_LOCALE_VAR = "_babel_locale"
_WIDTHS: dict[str, Literal["full", "long", "medium", "short"]] = {
    "full": "full",
    "long": "long",
    "medium": "medium",
    "short": "short",
}
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_TIMEZONE_VAR = "_timezone"


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


class TemplateRenderer:
    """Renders one notification in the best matching locale (``nl-BE`` → ``nl`` → default)."""

    def __init__(self, override_dir: Path | None = None, *, default_locale: str = "en") -> None:
        self._folders = [p for p in (override_dir, PACKAGE_TEMPLATES) if p is not None]
        self._default = default_locale
        self._env = Environment(
            loader=FileSystemLoader([str(p) for p in self._folders]),
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            undefined=ChainableUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["money"] = _money
        self._env.filters["date"] = _date
        self._env.filters["datetime"] = _datetime

        self._locales = self._find_locales()

    @property
    def locales(self) -> tuple[str, ...]:
        """The locale folders with templates, the default first (override folder included)."""
        return self._locales

    def _find_locales(self) -> tuple[str, ...]:
        found = {
            d.name
            for folder in self._folders
            if folder.is_dir()
            for d in folder.iterdir()
            if d.is_dir() and not d.name.startswith("_") and any(d.glob("*.subject.txt"))
        }
        return tuple(sorted(found, key=lambda name: (name != self._default, name)))

    def template_locale(self, locale: str | None) -> str:
        """The template folder for a requested locale: exact, then its language, then default."""
        available = self._locales
        if not locale:
            return self._default
        cleaned = locale.strip().replace("-", "_")
        language = cleaned.split("_")[0].lower()
        for candidate in (cleaned, language):
            if candidate in available:
                return candidate
        return self._default

    def render(
        self,
        type: str,
        context: Mapping[str, Any],
        *,
        locale: str | None,
        timezone: str | None,
    ) -> RenderedMessage:
        chosen = self.template_locale(locale)
        values = {
            **context,
            "locale": chosen,
            _LOCALE_VAR: _babel_locale(locale, chosen, self._default),
            _TIMEZONE_VAR: _zone(timezone),
        }

        def part(suffix: str) -> str:
            names = [f"{chosen}/{type}.{suffix}", f"{self._default}/{type}.{suffix}"]
            return self._env.select_template(names).render(values)

        # one line; a no-break space in "€ 19,99" stays
        subject = _WHITESPACE.sub(" ", part("subject.txt")).strip()
        text = _BLANK_LINES.sub("\n\n", part("txt")).strip() + "\n"
        return RenderedMessage(subject=subject, text=text, html=part("html"))


def _babel_locale(requested: str | None, chosen: str, default: str) -> Locale:
    """Babel's locale: the requested one (``nl_BE``) when it is of the chosen language."""
    if requested:
        try:
            parsed = Locale.parse(requested.strip().replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            parsed = None
        if parsed is not None and parsed.language == chosen.split("_")[0]:
            return parsed
    try:
        return Locale.parse(chosen)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(default)


def _zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined) or value == ""


@pass_context
def _money(context: Context, value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, Money):
        return format_currency(value.amount, value.currency, locale=context[_LOCALE_VAR])
    return str(value)


def _as_datetime(value: Any) -> datetime | date | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    return None


@pass_context
def _date(context: Context, value: Any, format: str = "long") -> str:
    moment = _as_datetime(value)
    if moment is None:
        return "" if _missing(value) else str(value)
    if isinstance(moment, datetime):
        moment = moment.astimezone(context[_TIMEZONE_VAR]).date()
    return format_date(moment, format=format, locale=context[_LOCALE_VAR])


@pass_context
def _datetime(context: Context, value: Any, format: str = "long") -> str:
    """A date in words and the time without seconds: "December 3, 2026 at 10:00 AM"."""
    moment = _as_datetime(value)
    if not isinstance(moment, datetime):
        return _date(context, value)
    locale = context[_LOCALE_VAR]
    local = moment.astimezone(context[_TIMEZONE_VAR])
    width = _WIDTHS.get(format, "long")
    pattern = str(get_datetime_format(width, locale=locale)).replace("'", "")
    time = format_time(local, format="short", locale=locale)
    return pattern.replace("{0}", time).replace("{1}", format_date(local, format, locale=locale))
