"""A packing slip as a one-or-more-page A4 PDF, drawn with fpdf2.

Pure: the same slip gives the same document, with no I/O (callers run it in a thread, it is CPU
work). The fulfillment number is printed as a Code 39 barcode, which every handheld scanner
reads and fpdf2 draws itself as vector bars (no image, sharp at any printer resolution).

Text uses the PDF core fonts (Helvetica), which need no font file but cover Latin-1 only: other
characters are folded to their base letter (``Łódź`` → ``Lódz``) or shown as ``?``.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pycountry
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos

from ordergraph.domain.customers import Address
from ordergraph.domain.packing_slips import PackingSlip

PAGE_WIDTH = 210.0  # A4, millimetres
MARGIN = 15.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BAR_WIDE = 0.9  # Code 39 wide bar, mm; fpdf2 makes narrow bars a third of it
BAR_HEIGHT = 14.0
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


CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")


def code39_text(text: str) -> str:
    """``text`` as Code 39 can carry it (numbers are made of these; never a failed render)."""
    return "".join(c if c in CODE39_CHARS else "-" for c in text.upper())


def code39_width(text: str, wide: float = BAR_WIDE) -> float:
    """How wide ``fpdf2``'s Code 39 of ``*text*`` is: per character 3 wide and 6 narrow
    elements, then a narrow gap."""
    return (len(text) + 2) * (3 * wide + 7 * wide / 3)


def _day(moment: datetime) -> str:
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


class _SlipPdf(FPDF):
    def __init__(self, number: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.number = latin1(number)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"Packing slip {self.number} - page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render_packing_slip(slip: PackingSlip, *, shop_name: str, reference: str) -> bytes:
    """The slip as PDF bytes. ``reference`` is the fulfillment's API ID, printed for staff."""
    number = slip.number
    pdf = _SlipPdf(number)
    pdf.set_title(latin1(f"Packing slip {number}"))
    pdf.set_author(latin1(shop_name))
    pdf.set_creator("ordergraph")
    pdf.set_creation_date(slip.order_date)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    _header(pdf, slip, shop_name)
    _facts(pdf, slip, reference)
    if slip.split_note is not None:
        _split_note(pdf, slip.split_note)
    _ship_to(pdf, slip.ship_to)
    _lines(pdf, slip)
    _sign_off(pdf, slip)
    return bytes(pdf.output())


def _header(pdf: FPDF, slip: PackingSlip, shop_name: str) -> None:
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(CONTENT_WIDTH * 0.6, 10, latin1(shop_name), new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 10, "PACKING SLIP", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # the barcode, top right, with its text underneath for a person
    barcode = code39_text(slip.number)
    width = code39_width(barcode)
    x = PAGE_WIDTH - MARGIN - width
    y = pdf.get_y() + 2
    pdf.set_fill_color(0, 0, 0)
    pdf.code39(f"*{barcode}*", x=x, y=y, w=BAR_WIDE, h=BAR_HEIGHT)
    pdf.set_xy(x, y + BAR_HEIGHT + 1)
    pdf.set_font("Courier", style="B", size=11)
    pdf.cell(width, 5, latin1(slip.number), align="C")
    pdf.set_xy(MARGIN, y)


def _facts(pdf: FPDF, slip: PackingSlip, reference: str) -> None:
    top = pdf.get_y()
    facts = [
        ("Order", slip.order_number),
        ("Order date", _day(slip.order_date)),
        ("Fulfillment", slip.number),
        ("Fulfillment ID", reference),
        ("Warehouse", f"{slip.warehouse_code} - {slip.warehouse_name}"),
        ("Status", slip.status.value),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(30, 5.5, f"{label}:", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("Helvetica", size=10)
        pdf.cell(70, 5.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + BAR_HEIGHT + 8) + 4)


def _split_note(pdf: FPDF, note: str) -> None:
    pdf.set_fill_color(255, 240, 200)
    pdf.set_draw_color(200, 140, 0)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.multi_cell(
        0, 7, latin1(note), border=1, fill=True, padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(4)


def _ship_to(pdf: FPDF, address: Address) -> None:
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 6, "Ship to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=11)
    for line in address_lines(address):
        pdf.cell(0, 5.5, latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _lines(pdf: FPDF, slip: PackingSlip) -> None:
    located = any(line.location for line in slip.lines)
    headings = ["SKU", "Item", *(["Location"] if located else []), "Qty", "Shipped"]
    headings += ["To pack", "Packed"]
    widths = (50, 40 if located else 64, *((24,) if located else ()), 12, 18, 18, 18)
    align = ["LEFT", "LEFT", *(["LEFT"] if located else []), "RIGHT", "RIGHT", "RIGHT", "CENTER"]
    pdf.set_font("Helvetica", size=10)
    with pdf.table(
        col_widths=widths,
        text_align=tuple(Align.coerce(a) for a in align),
        headings_style=HEADING,
        line_height=6,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=1,
    ) as table:
        table.row(headings)
        for line in slip.lines:
            row = table.row()
            row.cell(latin1(line.sku), style=SKU)
            row.cell(latin1(line.name))
            if located:
                row.cell(latin1(line.location or ""))
            row.cell(str(line.quantity))
            row.cell(str(line.shipped_quantity))
            row.cell(str(line.to_pack), style=FontFace(emphasis="BOLD"))
            row.cell("[   ]")
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=11)
    lines = len(slip.lines)
    pdf.cell(
        0,
        6,
        f"{slip.units_to_pack} units to pack on {lines} line{'s' if lines != 1 else ''}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _sign_off(pdf: FPDF, slip: PackingSlip) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font("Helvetica", size=10)
    half = CONTENT_WIDTH / 2
    pdf.cell(half, 6, "Packed by: ______________________", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(half, 6, "Checked by: ______________________", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", style="I", size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        0,
        4.5,
        latin1(
            f"Order {slip.order_number} placed {_day(slip.order_date)}. Please check the "
            "contents against this slip; contact us quoting the order number about anything "
            "missing."
        ),
    )
    pdf.set_text_color(0, 0, 0)
