"""CSV import files: the formats, reading them, and the per-row error report.

Pure: the CLI hands in the file's text, the use cases in ``services/catalog_import.py`` hand
back an ``ImportReport``. Each file format is one tuple of ``Column``s; a column added here (a
product's ``status`` or ``group``, say) is read, validated and reported like the others.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TextIO, TypeVar

from ordergraph.domain.errors import InvalidInput

MAX_QUANTITY = 1_000_000_000
K = TypeVar("K", bound=Hashable)
MAX_PRINTED_ERRORS = 50


class UnreadableFile(ValueError):
    """The file cannot be imported at all: not CSV, or a header that does not fit. (Not a
    ``DomainError``: no API answers with it; the CLI exits 2.)"""


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its header name, whether it must be there, and how a cell is read.

    ``parse`` turns a non-empty, stripped cell into a value or raises ``InvalidInput``.
    """

    name: str
    required: bool
    parse: Callable[[str], object]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one data row; ``line`` is the row's line in the file (header = 1)."""

    line: int
    column: str | None
    message: str
    code: str

    def describe(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message} ({self.code})"


class RowProblem(Exception):
    """Raised while checking one row; carried into the report as a ``RowError``."""

    def __init__(self, column: str | None, message: str, code: str) -> None:
        super().__init__(message)
        self.column, self.message, self.code = column, message, code

    def at(self, line: int) -> RowError:
        return RowError(line, self.column, self.message, self.code)


@dataclass(frozen=True, slots=True)
class CsvRow:
    """A data row: its line and the non-empty cells by column name (blank cells left out)."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    rows: list[CsvRow]
    errors: list[RowError]  # rows whose shape is wrong (too many or too few cells)
    header: tuple[str, ...]

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.errors)


# ---- cell readers: each raises InvalidInput with the reason ----


def read_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise InvalidInput("is not a whole number", code="INVALID") from None
        if not low <= value <= high:
            raise InvalidInput(f"must be between {low:,} and {high:,}", code="INVALID")
        return value

    return parse


_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def read_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput("is not true or false (true/false, yes/no, 1/0)", code="INVALID")


def read_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput("is not a decimal number", code="INVALID") from None
    if not value.is_finite():
        raise InvalidInput("must be a finite number", code="INVALID")
    return value


def read_text(text: str) -> str:
    return text  # the domain's own rules (length, characters) apply when the object is built


# ---- reading a file ----


def read_table(text: str, columns: Sequence[Column]) -> CsvTable:
    """Split ``text`` into rows of named cells; ``UnreadableFile`` when the header is wrong.

    The header must name every required column, may name optional ones in any order, and
    nothing else (a misspelt column would otherwise be silently ignored).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise UnreadableFile("the file is empty: it needs a header row")
        names = tuple(cell.strip().lower() for cell in header)
        _check_header(names, columns)
        rows: list[CsvRow] = []
        errors: list[RowError] = []
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines are not rows
            if len(record) != len(names):
                errors.append(
                    RowError(
                        start,
                        None,
                        f"has {len(record)} cells, the header has {len(names)}",
                        "INVALID",
                    )
                )
                continue
            cells = {n: c.strip() for n, c in zip(names, record, strict=True) if c.strip()}
            rows.append(CsvRow(start, cells))
    except csv.Error as exc:
        raise UnreadableFile(f"not a readable CSV file (line {reader.line_num}): {exc}") from exc
    return CsvTable(rows, errors, names)


def _check_header(names: tuple[str, ...], columns: Sequence[Column]) -> None:
    known = {c.name for c in columns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnreadableFile(
            f"unknown column {unknown[0]!r}; the columns are: "
            + ", ".join(c.name + ("" if c.required else "?") for c in columns)
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UnreadableFile(f"column {twice[0]!r} appears twice in the header")
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise UnreadableFile("the header lacks the required column(s): " + ", ".join(missing))


def parse_cells(row: CsvRow, columns: Sequence[Column]) -> dict[str, object]:
    """The typed values of a row's given cells; ``RowProblem`` at the first bad or missing one."""
    values: dict[str, object] = {}
    for column in columns:
        text = row.cells.get(column.name)
        if text is None:
            if column.required:
                raise RowProblem(column.name, "is required", "REQUIRED")
            continue
        try:
            values[column.name] = column.parse(text)
        except InvalidInput as exc:
            raise RowProblem(column.name, exc.message, exc.code) from exc
    return values


def first_occurrences(
    rows: Iterable[tuple[int, K]], what: Callable[[K], str], column: str | None
) -> tuple[set[int], list[RowError]]:
    """Lines whose key was seen before in the file become DUPLICATE errors: a file names
    each key once, so which of two rows wins never depends on batch boundaries."""
    seen: dict[K, int] = {}
    errors: list[RowError] = []
    dropped: set[int] = set()
    for line, key in rows:
        if key in seen:
            errors.append(
                RowError(line, column, f"{what(key)} is also on line {seen[key]}", "DUPLICATE")
            )
            dropped.add(line)
        else:
            seen[key] = line
    return dropped, errors


# ---- the outcome ----


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do), row by row."""

    kind: str  # "products" | "inventory"
    dry_run: bool
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({e.line for e in self.errors})

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when any row failed."""
        return 1 if self.errors else 0

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.line)

    def summary(self, seconds: float) -> str:
        verb = "dry run, nothing written: " if self.dry_run else ""
        return (
            f"{self.kind}: {verb}{self.rows_read} rows read, {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.failed} failed "
            f"in {seconds:.2f} s"
        )

    def error_lines(self, limit: int = MAX_PRINTED_ERRORS) -> list[str]:
        errors = self.sorted_errors()
        lines = [e.describe() for e in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"… and {len(errors) - limit} more errors (--errors-file keeps them all)")
        return lines

    def write_errors(self, out: TextIO) -> None:
        """The error report as CSV: line, column, code, message."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["line", "column", "code", "message"])
        for e in self.sorted_errors():
            writer.writerow([e.line, e.column or "", e.code, e.message])
