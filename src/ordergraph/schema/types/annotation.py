"""Metadata entries and staff notes, as the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import strawberry

from ordergraph.domain.annotations import OrderNote
from ordergraph.schema.ids import encode_id


@strawberry.type(name="MetadataItem", description="One key of a metadata map.")
class MetadataItemType:
    key: str
    value: str


def metadata_items(values: Mapping[str, str]) -> list[MetadataItemType]:
    """A map as a list, by key."""
    return [MetadataItemType(key=k, value=v) for k, v in sorted(values.items())]


@strawberry.type(name="OrderNote", description="A staff comment on an order (staff only).")
class OrderNoteType:
    id: strawberry.ID
    text: str
    author: str
    created_at: datetime

    @classmethod
    def from_domain(cls, note: OrderNote) -> OrderNoteType:
        assert note.id is not None
        return cls(
            id=strawberry.ID(encode_id("OrderNote", note.id)),
            text=note.text,
            author=note.author,
            created_at=note.created_at,
        )
