"""An invoice as an A4 PDF, drawn with fpdf2 from the invoice's frozen snapshot.

Pure, like the packing slip: the same invoice gives the same document. Layout: seller and
invoice facts, the buyer, the lines with their tax rate and tax amount, shipping, totals per
tax rate, the grand total, and what was paid.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.table import Table

from ordergraph.documents.pdf import (
    CONTENT_WIDTH,
    HEADING,
    SKU,
    address_lines,
    day,
    latin1,
    new_document,
)
from ordergraph.domain.invoices import Invoice, InvoiceLine
from ordergraph.domain.money import Money


def money(minor_units: int, currency: str) -> str:
    return f"{Money(minor_units, currency).amount} {currency}"


def rate(value: Decimal) -> str:
    return f"{value.normalize():f} %"


def render_invoice(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes."""
    pdf = new_document(
        title=f"Invoice {invoice.number}", author=invoice.seller.name, created=invoice.issued_at
    )
    _header(pdf, invoice)
    _parties(pdf, invoice)
    _lines(pdf, invoice)
    _totals(pdf, invoice)
    _payment(pdf, invoice)
    return bytes(pdf.output())


def _header(pdf: FPDF, invoice: Invoice) -> None:
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(CONTENT_WIDTH * 0.6, 10, latin1(invoice.seller.name), new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 10, "INVOICE", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    facts = [
        ("Invoice number", invoice.number),
        ("Invoice date", day(invoice.issued_at)),
        ("Order", invoice.source.order_number),
        ("Order date", day(invoice.source.order_date)),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(32, 5.5, f"{label}:", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("Helvetica", size=10)
        pdf.cell(70, 5.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _block(pdf: FPDF, x: float, heading: str, lines: list[str]) -> float:
    """A titled column of lines at ``x``; returns where it ends."""
    top = pdf.get_y()
    pdf.set_xy(x, top)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(CONTENT_WIDTH / 2, 6, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.cell(CONTENT_WIDTH / 2, 5, latin1(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_y(top)
    return bottom


def _parties(pdf: FPDF, invoice: Invoice) -> None:
    seller = invoice.seller
    sold_by = [seller.name, *seller.address_lines]
    if seller.vat_id:
        sold_by.append(f"VAT ID: {seller.vat_id}")
    source = invoice.source
    billed = [*address_lines(source.billing_address)]
    if source.buyer_name and source.buyer_name != source.billing_address.name:
        billed.insert(0, source.buyer_name)
    if source.buyer_email:
        billed.append(source.buyer_email)
    left = pdf.l_margin
    end = max(
        _block(pdf, left, "From", sold_by),
        _block(pdf, left + CONTENT_WIDTH / 2, "Bill to (billing = shipping address)", billed),
    )
    pdf.set_xy(left, end + 6)


def _row(table: Table, line: InvoiceLine, currency: str) -> None:
    row = table.row()
    row.cell(latin1(line.sku), style=SKU)
    discount = f" (discount -{money(line.discount_minor, currency)})" if line.discount_minor else ""
    row.cell(latin1(line.description + discount))
    row.cell(str(line.quantity))
    row.cell(money(line.unit_price_minor, currency))
    row.cell(rate(line.tax_rate))
    row.cell(money(line.tax_minor, currency))
    row.cell(money(line.total_minor, currency))


def _lines(pdf: FPDF, invoice: Invoice) -> None:
    currency = invoice.source.currency
    headings = ["SKU", "Description", "Qty", "Unit price", "Tax", "Tax amount", "Total"]
    align = ["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"]
    pdf.set_font("Helvetica", size=9)
    with pdf.table(
        col_widths=(48, 38, 10, 22, 12, 22, 28),
        text_align=tuple(Align.coerce(a) for a in align),
        headings_style=HEADING,
        line_height=5.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=1,
    ) as table:
        table.row(headings)
        for line in invoice.source.lines:
            _row(table, line, currency)
        _row(table, invoice.shipping_line, currency)
    pdf.ln(4)


def _totals(pdf: FPDF, invoice: Invoice) -> None:
    currency = invoice.source.currency
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, "Totals per tax rate", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)
    with pdf.table(
        col_widths=(30, 40, 40),
        width=110,
        align="RIGHT",
        text_align=(Align.R, Align.R, Align.R),
        headings_style=HEADING,
        line_height=5.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=1,
    ) as table:
        table.row(["Tax rate", "Net amount", "Tax amount"])
        for total in invoice.tax_totals:
            table.row(
                [
                    rate(total.rate),
                    money(total.taxable_minor, currency),
                    money(total.tax_minor, currency),
                ]
            )
    pdf.ln(3)
    sums = [
        ("Net total", invoice.net_total_minor),
        ("Tax total", invoice.tax_total_minor),
        ("Grand total", invoice.grand_total_minor),
    ]
    for label, amount in sums:
        grand = label == "Grand total"
        pdf.set_font("Helvetica", style="B" if grand else "", size=12 if grand else 10)
        pdf.cell(CONTENT_WIDTH - 45, 6.5, f"{label}:", align="R", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(45, 6.5, money(amount, currency), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _payment(pdf: FPDF, invoice: Invoice) -> None:
    source = invoice.source
    currency = source.currency
    pdf.set_font("Helvetica", size=10)
    facts = [
        ("Paid", money(source.paid_minor, currency)),
        ("Payment status", source.payment_status.value),
    ]
    if source.refunded_minor:
        facts.insert(1, ("Refunded", money(source.refunded_minor, currency)))
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(32, 5.5, f"{label}:", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("Helvetica", size=10)
        pdf.cell(70, 5.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
