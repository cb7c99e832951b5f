"""What every printed document shares: an A4 page in the core fonts, Latin-1 text, addresses.

Text uses the PDF core fonts (Helvetica), which need no font file but cover Latin-1 only: other
characters are folded to their base letter (``Łódź`` → ``Lódz``) or shown as ``?``.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pycountry
from fpdf import FPDF, FontFace

from ordergraph.domain.customers import Address

PAGE_WIDTH = 210.0  # A4, millimetres
MARGIN = 15.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADING = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
SKU = FontFace(family="Courier", emphasis="BOLD", size_pt=9)  # 0 and O apart; 25 fit a line
# letters that Unicode does not decompose to a Latin-1 base letter
_FOLDS = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "\u0131": "i", "€": "EUR"}
)


def latin1(text: str) -> str:
    """``text`` as the core fonts can show it."""
    shown = []
    for char in unicodedata.normalize("NFC", text.translate(_FOLDS)):
        if char.isprintable() and ord(char) < 256:
            shown.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        printable = base.isprintable() and all(ord(c) < 256 for c in base)
        shown.append(base if base and printable else "?")
    return "".join(shown)


def day(moment: datetime) -> str:
    return moment.strftime("%d %b %Y")


def _country(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return f"{found.name} ({code})" if found is not None else code


def address_lines(address: Address) -> list[str]:
    place = " ".join(part for part in (address.postal_code, address.city) if part)
    lines = [address.name, address.line1, address.line2, place, address.region]
    lines.append(_country(address.country_code))
    if address.phone:
        lines.append(f"Phone: {address.phone}")
    return [line for line in lines if line]


class _DocumentPdf(FPDF):
    def __init__(self, label: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.label = latin1(label)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.label} - page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def new_document(*, title: str, author: str, created: datetime) -> FPDF:
    """An A4 document with its first page open; every page's footer says ``title`` and
    "page n of m"."""
    pdf = _DocumentPdf(title)
    pdf.set_title(latin1(title))
    pdf.set_author(latin1(author))
    pdf.set_creator("ordergraph")
    pdf.set_creation_date(created)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf
