"""Invoices without a database: numbering, totals per tax rate, the snapshot, the drawing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from ordergraph.documents import render_invoice
from ordergraph.domain.customers import Address
from ordergraph.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceSource,
    Seller,
    TaxTotal,
    invoice_counter,
    invoice_number,
    may_invoice,
    seller_address_lines,
)
from ordergraph.domain.payment_status import PaymentStatus
from tests.support.pdf import read_pdf

ISSUED = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
ADDRESS = Address("Zoë Łódź", "1 Way", None, "Berlin", None, "10115", "DE", None)


def invoice(*lines: InvoiceLine, shipping_rate: str = "0", shipping_tax: int = 0) -> Invoice:
    source = InvoiceSource(
        order_id=1,
        order_number="OG-100001",
        order_date=ISSUED,
        customer_id=7,
        payment_status=PaymentStatus.PAID,
        currency="EUR",
        buyer_name="Zoë Łódź",
        buyer_email="zoe@example.com",
        buyer_phone=None,
        billing_address=ADDRESS,
        lines=lines,
        shipping_minor=495,
        paid_minor=sum(line.total_minor + line.tax_minor for line in lines) + 495 + shipping_tax,
        refunded_minor=0,
        shipping_tax_rate=Decimal(shipping_rate),
        shipping_tax_minor=shipping_tax,
    )
    seller = Seller("Shop", ("Hauptstrasse 1", "Berlin"), "DE123456789")
    return Invoice(invoice_number(2026, 1), ISSUED, seller, source)


def line(sku: str, total: int, rate: str = "0", tax: int = 0) -> InvoiceLine:
    return InvoiceLine(sku, f"Product {sku}", 1, total, total, Decimal(rate), tax)


def test_numbers_are_per_year_and_six_digits() -> None:
    assert invoice_number(2026, 1) == "INV-2026-000001"
    assert invoice_number(2027, 123456) == "INV-2027-123456"
    assert invoice_counter(2026) == "invoice:2026"


def test_only_orders_that_took_money_are_invoiced() -> None:
    invoiced = {status for status in PaymentStatus if may_invoice(status)}
    assert invoiced == {
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    }


def test_without_tax_everything_is_one_zero_rate_total() -> None:
    drawn = invoice(line("A", 1000), line("B", 250))
    assert drawn.tax_totals == (TaxTotal(Decimal("0"), 1745, 0),)
    assert (drawn.net_total_minor, drawn.tax_total_minor, drawn.grand_total_minor) == (
        1745,
        0,
        1745,
    )


def test_tax_lines_plug_in_as_totals_per_rate_with_shipping_taxed_too() -> None:
    drawn = invoice(
        line("A", 1000, "21", 210),
        line("B", 500, "9", 45),
        line("C", 200, "21", 42),
        shipping_rate="21",
        shipping_tax=104,
    )
    assert drawn.tax_totals == (
        TaxTotal(Decimal("21"), 1695, 356),
        TaxTotal(Decimal("9"), 500, 45),
    )
    assert drawn.grand_total_minor == 1000 + 500 + 200 + 495 + 356 + 45


def test_the_snapshot_gives_back_the_same_invoice() -> None:
    drawn = invoice(line("A", 1000, "21", 210))
    again = Invoice.from_snapshot(drawn.to_snapshot())
    assert again == drawn
    assert render_invoice(again) == render_invoice(drawn)


def test_seller_address_lines_split_on_semicolons_and_new_lines() -> None:
    assert seller_address_lines(" Hauptstrasse 1; 10115 Berlin\nGermany ;") == (
        "Hauptstrasse 1",
        "10115 Berlin",
        "Germany",
    )
    assert seller_address_lines("") == ()


def test_the_pdf_folds_letters_outside_latin_1_and_prints_every_rate() -> None:
    drawn = invoice(line("A", 1000, "21", 210), line("B", 500, "9.5", 48))
    (page,) = read_pdf(render_invoice(replace(drawn, number="INV-2026-000042")))
    text = " ".join(page.text.split())
    assert "INV-2026-000042" in text
    assert "Zoë Lódz" in text
    assert "21 % 1000.00 EUR" not in text  # amounts are minor units
    assert "21 % 10.00 EUR 2.10 EUR" in text, text
    assert "9.5 % 5.00 EUR 0.48 EUR" in text, text
