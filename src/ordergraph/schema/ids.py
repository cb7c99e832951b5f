"""Opaque global IDs: base64url of ``Type:key``, as Relay and Saleor do."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence

from ordergraph.domain.errors import InvalidInput

MAX_ID_LENGTH = 200
_INT_KEY = re.compile(r"[0-9]{1,18}")


def is_int_key(key: str) -> bool:
    """ASCII digits only: ``str.isdigit`` would accept superscripts and other scripts' digits."""
    return _INT_KEY.fullmatch(key) is not None


def encode_id(type_name: str, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def decode_id(global_id: str) -> tuple[str, str]:
    """``(type_name, key)``; raises ``InvalidInput`` (code INVALID_ID) for anything malformed."""
    if len(global_id) > MAX_ID_LENGTH:
        raise InvalidInput("is not a valid ID", code="INVALID_ID")
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidInput("is not a valid ID", code="INVALID_ID") from exc
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key or "\x00" in text:
        raise InvalidInput("is not a valid ID", code="INVALID_ID")
    return type_name, key


def decode_int_id(global_id: str, expected_type: str, field: Sequence[str]) -> int:
    """The integer key of an ID that must name ``expected_type``."""
    try:
        type_name, key = decode_id(global_id)
        if type_name != expected_type:
            raise InvalidInput(f"is not a {expected_type} ID", code="INVALID_ID")
        if not is_int_key(key):
            raise InvalidInput("is not a valid ID", code="INVALID_ID")
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field, code="INVALID_ID") from exc
    return int(key)
