"""The tag and metadata conditions of the orders and customers list filters."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLError

from ordergraph.domain.annotations import MAX_METADATA_VALUE_LENGTH, clean_metadata_key
from ordergraph.domain.automation import check_tags
from ordergraph.domain.errors import InvalidInput
from ordergraph.schema.annotation_io import MetadataFilterInput

MAX_METADATA_FILTERS = 10


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def tag_condition(tag: str | None) -> str | None:
    """The tag as stored (cleaned and lower-cased, as tags are when added)."""
    if tag is None:
        return None
    try:
        return check_tags([tag], ["filter", "tag"])[0]
    except InvalidInput as exc:
        raise _bad(f"filter.tag: {exc.message}") from exc


def metadata_conditions(
    given: Sequence[MetadataFilterInput] | None,
) -> list[tuple[str, str | None]]:
    if not given:
        return []
    if len(given) > MAX_METADATA_FILTERS:
        raise _bad(f"filter.metadata takes at most {MAX_METADATA_FILTERS} pairs")
    pairs: list[tuple[str, str | None]] = []
    for index, item in enumerate(given):
        try:
            key = clean_metadata_key(item.key, ["filter", "metadata", str(index), "key"])
        except InvalidInput as exc:
            raise _bad(f"filter.metadata[{index}].key: {exc.message}") from exc
        if item.value is not None and (
            len(item.value) > MAX_METADATA_VALUE_LENGTH or "\x00" in item.value
        ):
            raise _bad(f"filter.metadata[{index}].value: not a value metadata can hold")
        pairs.append((key, item.value))
    return pairs
