"""Notes, tags and metadata: what staff attach to orders, customers and products.

Pure rules only. Tags reuse the automation rules' ``check_tags`` / ``merge_tags`` (one rule for
what a tag is, whoever adds it); metadata are two string maps per object, ``metadata`` (anyone
who may see the object) and ``privateMetadata`` (staff only).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.automation import check_tags, merge_tags
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.orders import Order
from ordergraph.domain.validation import clean_text

MAX_NOTE_LENGTH = 5000
MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 100
MAX_METADATA_VALUE_LENGTH = 2000
MAX_METADATA_CHANGES = 100  # one request; the map limit is checked on the result
NOTE_ADDED = "order.note_added"
TAGS_CHANGED = "order.tags_changed"
METADATA_UPDATED = "order.metadata_updated"
_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")


class TargetKind(enum.StrEnum):
    """What tags and metadata may be put on (a global ID's type name)."""

    ORDER = "Order"
    CUSTOMER = "Customer"
    PRODUCT = "Product"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    id: int


@dataclass(slots=True)
class OrderNote:
    """A staff comment on an order's timeline; customers never see notes."""

    id: int | None
    order_id: int
    text: str
    author: str
    created_at: datetime


def clean_note(text: str) -> str:
    """Trimmed note text: 1 to 5,000 characters, no control characters (NUL first of all)."""
    return clean_text(text, ["text"], max_length=MAX_NOTE_LENGTH)


def clean_metadata_key(key: str, field: Sequence[str]) -> str:
    cleaned = clean_text(key, field, max_length=MAX_METADATA_KEY_LENGTH)
    if not _KEY_RE.match(cleaned):
        raise InvalidInput(
            "may contain only letters, digits, '_', '.', ':' and '-'", field=field, code="INVALID"
        )
    return cleaned


def check_metadata_changes(
    items: Sequence[tuple[str, str | None]],
) -> list[tuple[str, str | None]]:
    """Cleaned ``(key, value)`` changes; ``value`` None removes the key. A key given twice:
    the last one wins."""
    if not items:
        raise InvalidInput("needs at least one item", field=["metadata"], code="REQUIRED")
    if len(items) > MAX_METADATA_CHANGES:
        raise InvalidInput(
            f"at most {MAX_METADATA_CHANGES} items a request",
            field=["metadata"],
            code="TOO_MANY_KEYS",
        )
    changes: dict[str, str | None] = {}
    for index, (key, value) in enumerate(items):
        where = ["metadata", str(index)]
        cleaned_key = clean_metadata_key(key, [*where, "key"])
        if value is not None:
            value = clean_text(
                value, [*where, "value"], max_length=MAX_METADATA_VALUE_LENGTH, required=False
            )
        changes.pop(cleaned_key, None)
        changes[cleaned_key] = value
    return list(changes.items())


def apply_metadata(
    current: Mapping[str, str], changes: Sequence[tuple[str, str | None]]
) -> dict[str, str]:
    """The map after ``changes``; more than ``MAX_METADATA_KEYS`` keys is refused."""
    result = dict(current)
    for key, value in changes:
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    if len(result) > MAX_METADATA_KEYS:
        raise InvalidInput(
            f"a metadata map holds at most {MAX_METADATA_KEYS} keys",
            field=["metadata"],
            code="TOO_MANY_KEYS",
        )
    return dict(sorted(result.items()))


def add_tags(current: Sequence[str], tags: Sequence[str]) -> list[str]:
    """``current`` with the cleaned ``tags`` appended (each once)."""
    return merge_tags(current, check_tags(tags, ["tags"]))


def remove_tags(current: Sequence[str], tags: Sequence[str]) -> list[str]:
    """``current`` without the cleaned ``tags`` (absent ones are ignored)."""
    unwanted = set(check_tags(tags, ["tags"]))
    return [t for t in current if t not in unwanted]


def retag_order(order: Order, tags: list[str], now: datetime, actor: str) -> bool:
    """Give the order these tags: a new version and ``order.tags_changed`` (with what was added
    and removed) when they differ; False when nothing changed."""
    added = [t for t in tags if t not in order.tags]
    removed = [t for t in order.tags if t not in tags]
    if not added and not removed:
        return False
    order.tags = list(tags)
    order.updated_at = now
    order.version += 1
    order.record(
        TAGS_CHANGED,
        actor,
        {"added": added, "removed": removed, "tags": list(tags), "version": order.version},
    )
    return True
