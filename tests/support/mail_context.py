"""A realistic notification context, as the notification consumer passes it to the renderer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ordergraph.domain.money import Money

ORDER_NUMBER = "OG-1042"
TRACKING_LINK = "https://og.example/t/ABC123"
FEEDBACK_URL = "https://og.example/f/XYZ789"
ACTION_URL = "https://shop.example/account/verify?token=abc123"
LABEL_URL = "https://og.example/returns/7/label.pdf"
INVOICE_URL = "https://shop.example/invoices/9"


def eur(cents: int) -> Money:
    return Money(cents, "EUR")


def full_context(**overrides: Any) -> dict[str, Any]:
    line = {"sku": "BELL-1", "name": "Bike bell", "quantity": 2}
    context: dict[str, Any] = {
        "shop": {"name": "Fietsenwinkel", "url": "https://shop.example"},
        "customer": {"name": "Anna de Vries", "email": "anna@example.com"},
        "order": {
            "number": ORDER_NUMBER,
            "placed_at": datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
            "status": "SHIPPED",
            "subtotal": eur(1998),
            "shipping_total": eur(495),
            "total": eur(2493),
            "lines": [{**line, "unit_price": eur(999), "total": eur(1998)}],
            "shipping_address": {
                "name": "Anna de Vries",
                "line1": "Kerkstraat 1",
                "line2": "bus 3",
                "city": "Gent",
                "region": "",
                "postal_code": "9000",
                "country_code": "BE",
            },
            "promised_delivery_at": datetime(2026, 12, 4, 12, tzinfo=UTC),
        },
        "shipment": {
            "carrier": "PostNL",
            "tracking_number": "3SABCD1234567",
            "tracking_url": "https://postnl.example/track/3SABCD1234567",
            "short_link": TRACKING_LINK,
            "promised_delivery_at": datetime(2026, 12, 4, 12, tzinfo=UTC),
            "delivered_at": datetime(2026, 12, 3, 9, 15, tzinfo=UTC),
            "lines": [line],
        },
        "feedback_url": FEEDBACK_URL,
        "delay": {
            "reason": "Storm in the North Sea",
            "previous_estimate": datetime(2026, 12, 4, 12, tzinfo=UTC),
            "new_estimate": datetime(2026, 12, 7, 12, tzinfo=UTC),
        },
        "cancellation": {
            "reason": "Out of stock",
            "full": False,
            "lines": [{**line, "quantity": 1}],
            "refund": eur(999),
        },
        "return": {
            "id": 7,
            "status": "APPROVED",
            "instructions": "Pack the bell in its box.\nDrop it at any PostNL point.",
            "label_url": LABEL_URL,
            "lines": [{**line, "quantity": 1, "reason": "Arrived broken"}],
        },
        "refund": {"amount": eur(999), "reason": "Arrived broken"},
        "action_url": ACTION_URL,
        "expires_at": datetime(2026, 12, 4, 8, tzinfo=UTC),
        "edit": {"summary": ["Added 1 x Bike light"], "total_difference": eur(1250)},
        "draft": {"invoice_url": INVOICE_URL, "total": eur(2493)},
    }
    context.update(overrides)
    return context
