"""Reading a PDF the way a person or a scanner would: rendered to pixels with PDFium.

``read_pdf`` renders every page and extracts its text; ``scan_code39`` finds the barcode on a
rendered page and decodes it from the pixels alone (bar widths along one row), so a test proves
the bars say what the slip claims, not only that something dark was drawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

A4_POINTS = (595.28, 841.89)
LETTER_POINTS = (612.0, 792.0)
SCALE = 4  # 288 dpi: a 0.3 mm narrow bar is about 3.4 pixels wide

# Code 39: per character, nine elements (bar, space, bar, …) of which three are wide.
CODE39 = {
    "nnnwwnwnn": "0", "wnnwnnnnw": "1", "nnwwnnnnw": "2", "wnwwnnnnn": "3",
    "nnnwwnnnw": "4", "wnnwwnnnn": "5", "nnwwwnnnn": "6", "nnnwnnwnw": "7",
    "wnnwnnwnn": "8", "nnwwnnwnn": "9", "wnnnnwnnw": "A", "nnwnnwnnw": "B",
    "wnwnnwnnn": "C", "nnnnwwnnw": "D", "wnnnwwnnn": "E", "nnwnwwnnn": "F",
    "nnnnnwwnw": "G", "wnnnnwwnn": "H", "nnwnnwwnn": "I", "nnnnwwwnn": "J",
    "wnnnnnnww": "K", "nnwnnnnww": "L", "wnwnnnnwn": "M", "nnnnwnnww": "N",
    "wnnnwnnwn": "O", "nnwnwnnwn": "P", "nnnnnnwww": "Q", "wnnnnnwwn": "R",
    "nnwnnnwwn": "S", "nnnnwnwwn": "T", "wwnnnnnnw": "U", "nwwnnnnnw": "V",
    "wwwnnnnnn": "W", "nwnnwnnnw": "X", "wwnnwnnnn": "Y", "nwwnwnnnn": "Z",
    "nwnnnnwnw": "-", "wwnnnnwnn": ".", "nwwnnnwnn": " ", "nwnnwnwnn": "*",
    "nwnwnwnnn": "$", "nwnwnnnwn": "/", "nwnnnwnwn": "+", "nnnwnwnwn": "%",
}  # fmt: skip


@dataclass(frozen=True)
class RenderedPage:
    size: tuple[float, float]  # points
    text: str
    image: Image.Image  # greyscale

    @property
    def is_a4_or_letter(self) -> bool:
        return any(
            abs(self.size[0] - w) < 1 and abs(self.size[1] - h) < 1
            for w, h in (A4_POINTS, LETTER_POINTS)
        )


def read_pdf(data: bytes) -> list[RenderedPage]:
    assert data.startswith(b"%PDF-"), data[:20]
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            text = page.get_textpage().get_text_bounded()
            image = page.render(scale=SCALE).to_pil().convert("L")
            pages.append(RenderedPage((width, height), text, image))
        return pages
    finally:
        document.close()


def save_png(page: RenderedPage, path: Path) -> Path:
    page.image.save(path, format="PNG")
    return path


def _runs(row: list[bool]) -> Iterator[tuple[bool, int]]:
    """(dark, length) runs along a row of pixels."""
    start = 0
    for index in range(1, len(row) + 1):
        if index == len(row) or row[index] != row[start]:
            yield row[start], index - start
            start = index


def _dark_row(image: Image.Image, y: int, left: int, right: int) -> list[bool]:
    return [value < 128 for value in image.crop((left, y, right, y + 1)).tobytes()]


@dataclass(frozen=True)
class Barcode:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels
    dark_ratio: float  # share of dark pixels inside the box


QUIET_ZONE = 20  # pixels of light wider than any space inside a barcode (a wide one is ~10)


def segments(row: list[bool]) -> Iterator[tuple[int, list[tuple[bool, int]]]]:
    """Stretches of a row separated by quiet zones: (start pixel, runs from dark to dark)."""
    position, start = 0, 0
    current: list[tuple[bool, int]] = []
    for dark, length in _runs(row):
        if not dark and length >= QUIET_ZONE:
            if current:
                yield start, current
            current = []
        elif dark or current:
            if not current:
                start = position
            current.append((dark, length))
        position += length
    while current and not current[-1][0]:
        current.pop()
    if current:
        yield start, current


def decode_runs(runs: list[tuple[bool, int]]) -> str | None:
    """The Code 39 text of dark-to-dark runs, without the ``*`` start and stop characters."""
    if len(runs) < 29 or (len(runs) + 1) % 10:  # start, a character, stop: 10 elements each
        return None
    widths = [length for _, length in runs]
    threshold = (min(widths) + max(widths)) / 2
    elements = "".join("w" if width > threshold else "n" for width in widths)
    chars = []
    for start in range(0, len(elements), 10):  # nine elements, then a narrow gap
        char = CODE39.get(elements[start : start + 9])
        if char is None:
            return None
        chars.append(char)
    text = "".join(chars)
    if not (text.startswith("*") and text.endswith("*")):
        return None
    return text[1:-1]


def decode_row(row: list[bool]) -> tuple[str, int, int] | None:
    """The first barcode along a row: (text, left pixel, right pixel)."""
    for start, runs in segments(row):
        text = decode_runs(runs)
        if text is not None:
            return text, start, start + sum(length for _, length in runs)
    return None


def scan_code39(page: RenderedPage) -> Barcode:
    """The first Code 39 barcode found scanning the page's rows from the top."""
    image = page.image
    width, height = image.size
    rows: list[tuple[int, str, int, int]] = []
    for y in range(0, height, 2):
        decoded = decode_row(_dark_row(image, y, 0, width))
        if decoded is None:
            if rows:
                break
            continue
        rows.append((y, *decoded))
    assert rows, "no Code 39 barcode on the page"
    texts = {text for _, text, _, _ in rows}
    assert len(texts) == 1, texts  # every row across the bars reads the same
    _, text, left, right = rows[len(rows) // 2]
    box = (left, rows[0][0], right, rows[-1][0] + 1)
    dark = sum(image.crop(box).histogram()[:128])
    return Barcode(text, box, dark / ((box[2] - box[0]) * (box[3] - box[1])))
