"""``Invoice``: an issued invoice as ``Order.invoice`` shows it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.invoices import IssuedInvoice


@strawberry.type(
    name="Invoice",
    description=(
        "An order's invoice, issued on the first GET of its url once the order is paid; its "
        "number (gap-free per year, INV-2026-000001) and document never change."
    ),
)
class InvoiceType:
    number: str
    issued_at: datetime
    url: str = strawberry.field(
        description="The PDF: GET it with a staff token (orders:read) or the customer's token."
    )

    @classmethod
    def from_domain(cls, invoice: IssuedInvoice, url: str) -> InvoiceType:
        return cls(number=invoice.number, issued_at=invoice.issued_at, url=url)
