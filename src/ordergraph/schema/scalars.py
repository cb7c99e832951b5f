"""The one ``DateTime`` scalar: ISO 8601 with a UTC offset, always.

A naive value (``2026-01-01T00:00:00``) would be read in the server's zone, or compared against
aware timestamps and crash; it is refused as ``BAD_USER_INPUT`` wherever a DateTime is accepted
(arguments, inputs, variables or literals). Output is ISO 8601 with the offset.
"""

from __future__ import annotations

from datetime import datetime

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

EXAMPLE = "2026-01-31T09:30:00Z"


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise _bad(f"DateTime must be an ISO 8601 string with a UTC offset, e.g. {EXAMPLE}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(f"DateTime {text!r} is not ISO 8601; e.g. {EXAMPLE}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _bad(f"DateTime {text!r} needs a UTC offset, e.g. {EXAMPLE}")
    return parsed


def _bad(message: str) -> StrawberryInputCoercionError:
    return StrawberryInputCoercionError(message, extensions={"code": "BAD_USER_INPUT"})


def _serialize(value: datetime) -> str:
    return value.isoformat()


DATETIME = ScalarDefinition(
    name="DateTime",
    description=f"An instant: ISO 8601 with a UTC offset, e.g. {EXAMPLE}. Values without an "
    "offset are refused.",
    specified_by_url=None,
    serialize=_serialize,
    parse_value=parse_datetime,
    parse_literal=None,
    origin=datetime,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATETIME}
