"""A packing slip as a one-or-more-page A4 PDF, drawn with fpdf2.

Pure: the same slip gives the same document, with no I/O (callers run it in a thread, it is CPU
work). The fulfillment number is printed as a Code 39 barcode, which every handheld scanner
reads and fpdf2 draws itself as vector bars (no image, sharp at any printer resolution).

Text uses the PDF core fonts (Helvetica), which need no font file but cover Latin-1 only: other
characters are folded to their base letter (``Łódź`` → ``Lódz``) or shown as ``?``.
"""

from __future__ import annotations

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos

from ordergraph.documents.pdf import (
    CONTENT_WIDTH,
    HEADING,
    MARGIN,
    PAGE_WIDTH,
    SKU,
    address_lines,
    day,
    latin1,
    new_document,
)
from ordergraph.domain.customers import Address
from ordergraph.domain.packing_slips import PackingSlip

__all__ = ["code39_text", "code39_width", "latin1", "render_packing_slip"]

BAR_WIDE = 0.9  # Code 39 wide bar, mm; fpdf2 makes narrow bars a third of it
BAR_HEIGHT = 14.0
CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")


def code39_text(text: str) -> str:
    """``text`` as Code 39 can carry it (numbers are made of these; never a failed render)."""
    return "".join(c if c in CODE39_CHARS else "-" for c in text.upper())


def code39_width(text: str, wide: float = BAR_WIDE) -> float:
    """How wide ``fpdf2``'s Code 39 of ``*text*`` is: per character 3 wide and 6 narrow
    elements, then a narrow gap."""
    return (len(text) + 2) * (3 * wide + 7 * wide / 3)


def render_packing_slip(slip: PackingSlip, *, shop_name: str, reference: str) -> bytes:
    """The slip as PDF bytes. ``reference`` is the fulfillment's API ID, printed for staff."""
    number = slip.number
    pdf = new_document(title=f"Packing slip {number}", author=shop_name, created=slip.order_date)

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
        ("Order date", day(slip.order_date)),
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
            f"Order {slip.order_number} placed {day(slip.order_date)}. Please check the "
            "contents against this slip; contact us quoting the order number about anything "
            "missing."
        ),
    )
    pdf.set_text_color(0, 0, 0)
