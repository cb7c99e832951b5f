"""What an invoice says, how it is numbered, and when an order may have one.

An invoice is issued once per order, on first request, for an order that took money (paid,
or paid and then refunded in part or in full). Its numbers come from a gap-free counter per
calendar year (``INV-2026-000001``): the counter row is bumped in the transaction that stores
the invoice, so a failed issue gives its number back (a database sequence would not).

The document is frozen when issued: it is stored as a snapshot (``to_snapshot``) and every
later request draws that snapshot, so an invoice never changes after the fact. Tax is carried
per line and on shipping as a rate and an amount (a line's rates that add up, such as GST and
PST, are summed); lines are net of their discounts and of tax, so net plus tax is the order
total however prices were displayed. Orders without tax show 0 %.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordergraph.domain.customers import Address
from ordergraph.domain.payment_status import PaymentStatus

INVOICEABLE = frozenset(
    {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)
NO_TAX = Decimal("0")


class OrderNotPaid(Exception):
    """Asked for the invoice of an order not paid (yet): there is none to issue."""


def may_invoice(payment_status: PaymentStatus) -> bool:
    return payment_status in INVOICEABLE


def not_invoiceable(order_number: str, payment_status: PaymentStatus) -> str:
    """Why an unpaid order has no invoice (the 409's text)."""
    return (
        f"order {order_number} is not paid (payment status {payment_status.value}): "
        "an invoice is issued once the order is paid"
    )


def invoice_counter(year: int) -> str:
    """The name of the counter row that numbers one year's invoices."""
    return f"invoice:{year}"


def invoice_number(year: int, sequence: int) -> str:
    return f"INV-{year}-{sequence:06d}"


@dataclass(frozen=True, slots=True)
class Seller:
    name: str
    address_lines: tuple[str, ...] = ()
    vat_id: str | None = None


def seller_address_lines(text: str) -> tuple[str, ...]:
    """``ORDERGRAPH_SELLER_ADDRESS``: lines separated by ``;`` or new lines."""
    return tuple(part.strip() for part in text.replace("\n", ";").split(";") if part.strip())


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    sku: str
    description: str
    quantity: int
    unit_price_minor: int
    total_minor: int  # after discounts, net of tax
    tax_rate: Decimal = NO_TAX  # percent: Decimal("21") is 21 % (rates that add up, summed)
    tax_minor: int = 0
    discount_minor: int = 0  # the discounts taken off the line (shown; already out of total)


@dataclass(frozen=True, slots=True)
class TaxTotal:
    """What one rate adds up to over the lines and shipping."""

    rate: Decimal
    taxable_minor: int
    tax_minor: int


@dataclass(frozen=True, slots=True)
class InvoiceSource:
    """The order's facts an invoice is drawn from (read when it is issued)."""

    order_id: int
    order_number: str
    order_date: datetime
    customer_id: int | None
    payment_status: PaymentStatus
    currency: str
    buyer_name: str
    buyer_email: str | None
    buyer_phone: str | None
    billing_address: Address  # no separate billing address yet: the shipping address
    lines: tuple[InvoiceLine, ...]
    shipping_minor: int
    paid_minor: int
    refunded_minor: int
    shipping_tax_rate: Decimal = NO_TAX
    shipping_tax_minor: int = 0


@dataclass(frozen=True, slots=True)
class Invoice:
    """An issued invoice: its number, when, who sold to whom, and the order as it was."""

    number: str
    issued_at: datetime
    seller: Seller
    source: InvoiceSource

    @property
    def shipping_line(self) -> InvoiceLine:
        s = self.source
        return InvoiceLine(
            sku="",
            description="Shipping",
            quantity=1,
            unit_price_minor=s.shipping_minor,
            total_minor=s.shipping_minor,
            tax_rate=s.shipping_tax_rate,
            tax_minor=s.shipping_tax_minor,
        )

    @property
    def charged_lines(self) -> tuple[InvoiceLine, ...]:
        """The order's lines and the shipping line: everything that carries tax."""
        return (*self.source.lines, self.shipping_line)

    @property
    def tax_totals(self) -> tuple[TaxTotal, ...]:
        """One total per tax rate, highest rate first."""
        by_rate: dict[Decimal, tuple[int, int]] = {}
        for line in self.charged_lines:
            taxable, tax = by_rate.get(line.tax_rate, (0, 0))
            by_rate[line.tax_rate] = (taxable + line.total_minor, tax + line.tax_minor)
        return tuple(
            TaxTotal(rate, taxable, tax)
            for rate, (taxable, tax) in sorted(by_rate.items(), reverse=True)
        )

    @property
    def net_total_minor(self) -> int:
        return sum(line.total_minor for line in self.charged_lines)

    @property
    def tax_total_minor(self) -> int:
        return sum(line.tax_minor for line in self.charged_lines)

    @property
    def grand_total_minor(self) -> int:
        return self.net_total_minor + self.tax_total_minor

    def to_snapshot(self) -> dict[str, Any]:
        """The invoice as JSON-ready data, stored when it is issued."""
        snapshot: dict[str, Any] = _plain(asdict(self))
        return snapshot

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Invoice:
        source = dict(data["source"])
        source["order_date"] = datetime.fromisoformat(source["order_date"])
        source["payment_status"] = PaymentStatus(source["payment_status"])
        source["billing_address"] = Address(**source["billing_address"])
        source["shipping_tax_rate"] = Decimal(source["shipping_tax_rate"])
        source["lines"] = tuple(
            InvoiceLine(**{**line, "tax_rate": Decimal(line["tax_rate"])})
            for line in source["lines"]
        )
        seller = dict(data["seller"])
        return cls(
            number=data["number"],
            issued_at=datetime.fromisoformat(data["issued_at"]),
            seller=Seller(
                name=seller["name"],
                address_lines=tuple(seller["address_lines"]),
                vat_id=seller["vat_id"],
            ),
            source=InvoiceSource(**source),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class IssuedInvoice:
    """An invoice's row: what ``Order.invoice`` shows."""

    order_id: int
    number: str
    issued_at: datetime
