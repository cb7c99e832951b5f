"""Counted stock: the rules for a counted quantity, a safety stock, a low-stock threshold, and a
batch of counts that is applied all or nothing.

The ledger (``services/stock_ledger``) applies a count; these rules decide whether a request
may reach it at all, so a bad row is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.inventory import MAX_ADJUSTMENT, AdjustmentReason
from ordergraph.domain.validation import clean_sku, optional_text

MAX_COUNT_ROWS = 250
MAX_NOTE = 500


class RowsRejected(DomainError):
    """One or more rows of a batch were refused; nothing of the batch was written.

    ``errors`` holds one error per refused row, each with its field path
    (``["rows", "<index>", "onHand"]``).
    """

    code = "INVALID"

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(f"{len(errors)} row(s) refused; nothing was changed", field=["rows"])
        self.errors: tuple[DomainError, ...] = tuple(errors)


def count_quantity(value: int, field: Sequence[str]) -> int:
    """A counted (or safety) quantity: a whole number from 0 to ``MAX_ADJUSTMENT``."""
    if value < 0:
        raise InvalidInput("must not be negative", field=field, code="INVALID_QUANTITY")
    if value > MAX_ADJUSTMENT:
        raise InvalidInput(
            f"must be at most {MAX_ADJUSTMENT}", field=field, code="INVALID_QUANTITY"
        )
    return value


def low_stock_threshold(value: int | None) -> int | None:
    """A threshold to warn below, or None for no warning."""
    return None if value is None else count_quantity(value, ["threshold"])


def count_note(reason: AdjustmentReason, note: str | None) -> str | None:
    """The note a count's movement carries: why, when it is not a plain cycle count."""
    text = optional_text(note, ["note"], max_length=MAX_NOTE - 20)
    if reason is AdjustmentReason.CYCLE_COUNT:
        return text
    return f"{reason.value}: {text}" if text else reason.value


@dataclass(frozen=True, slots=True)
class CountRow:
    """One validated row of a batch of counts; ``index`` is its place in the request."""

    index: int
    sku: str
    warehouse_id: int
    on_hand: int


@dataclass(frozen=True, slots=True)
class RawCountRow:
    """One row as the client sent it (the warehouse id already decoded, or the decoding error)."""

    sku: str
    warehouse_id: int | DomainError
    on_hand: int


def check_count_rows(rows: Sequence[RawCountRow]) -> tuple[list[CountRow], list[DomainError]]:
    """Validate every row: the good ones in ``(sku, warehouse)`` order (the order every writer
    locks levels in), and one error per bad row. A batch that is empty or too long is refused
    as a whole (``InvalidInput`` on ``rows``)."""
    if not rows:
        raise InvalidInput("needs at least one row", field=["rows"], code="REQUIRED")
    if len(rows) > MAX_COUNT_ROWS:
        raise InvalidInput(
            f"at most {MAX_COUNT_ROWS} rows per request, got {len(rows)}",
            field=["rows"],
            code="TOO_MANY_LINES",
        )
    errors: list[DomainError] = []
    valid: list[CountRow] = []
    seen: dict[tuple[str, int], int] = {}
    for index, raw in enumerate(rows):
        at = ["rows", str(index)]
        try:
            sku = clean_sku(raw.sku, [*at, "sku"])
            if isinstance(raw.warehouse_id, DomainError):
                raise raw.warehouse_id
            on_hand = count_quantity(raw.on_hand, [*at, "onHand"])
        except DomainError as error:
            errors.append(error)
            continue
        key = (sku, raw.warehouse_id)
        if key in seen:
            errors.append(
                InvalidInput(
                    f"repeats row {seen[key]}: one count per SKU and warehouse",
                    field=[*at, "sku"],
                    code="DUPLICATE",
                )
            )
            continue
        seen[key] = index
        valid.append(CountRow(index, sku, raw.warehouse_id, on_hand))
    return sorted(valid, key=lambda row: (row.sku, row.warehouse_id)), errors


def row_index(error: DomainError) -> int:
    """The row an error of a batch belongs to (-1 for the batch itself)."""
    field = error.field or ()
    return int(field[1]) if len(field) > 1 and field[0] == "rows" and field[1].isdigit() else -1


def rejected(errors: Sequence[DomainError]) -> RowsRejected:
    """Every row's error, in row order."""
    return RowsRejected(sorted(errors, key=row_index))
