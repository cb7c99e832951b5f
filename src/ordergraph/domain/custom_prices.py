"""Custom unit prices: staff selling a line below (or above) its catalog price, with a reason.

A draft order line may carry one (``DraftOrderLineInput.unitPrice`` + ``priceReason``). It
replaces the market's unit price before anything else is computed, so discounts and tax apply
on it and the quote, the order line and the order total all show it (the one pricing function).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.validation import optional_text

MAX_PRICE_REASON = 500


@dataclass(frozen=True, slots=True)
class CustomPrice:
    """The unit price a line is sold at instead of the catalog's, and why."""

    unit_price: Money
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "amount": str(self.unit_price.amount),
            "currency": self.unit_price.currency,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CustomPrice:
        return cls(Money.parse(data["amount"], data["currency"], ["unitPrice"]), data["reason"])


def clean_custom_price(
    amount: Decimal | str | None,
    currency: str | None,
    reason: str | None,
    field: Sequence[str],
) -> CustomPrice | None:
    """A line's custom price, checked: a price needs a reason (``REQUIRED``), a reason needs a
    price (``INVALID``), and the price is not negative (``INVALID_AMOUNT``)."""
    text = optional_text(reason, [*field, "priceReason"], max_length=MAX_PRICE_REASON)
    if amount is None or currency is None:
        if text is not None:
            raise InvalidInput(
                "a price reason needs a unitPrice", field=[*field, "priceReason"], code="INVALID"
            )
        return None
    price = Money.parse(amount, currency, [*field, "unitPrice"])
    if price.minor_units < 0:
        raise InvalidInput(
            "must not be negative", field=[*field, "unitPrice", "amount"], code="INVALID_AMOUNT"
        )
    if text is None:
        raise InvalidInput(
            "a custom unit price needs a reason", field=[*field, "priceReason"], code="REQUIRED"
        )
    return CustomPrice(price, text)


def prices_by_sku(
    skus: Sequence[str], prices: Sequence[CustomPrice | None]
) -> dict[str, CustomPrice]:
    """The custom price of each SKU (lines of one SKU merge into one order line, so they must
    agree: ``INVALID`` on the line that differs)."""
    chosen: dict[str, CustomPrice | None] = {}
    for index, (sku, price) in enumerate(zip(skus, prices, strict=True)):
        if sku in chosen and chosen[sku] != price:
            raise InvalidInput(
                f"lines of {sku} must share one unit price",
                field=["lines", str(index), "unitPrice"],
                code="INVALID",
            )
        chosen[sku] = price
    return {sku: price for sku, price in chosen.items() if price is not None}


def apply_custom_prices(
    requested_skus: Sequence[str],
    unit_prices: Mapping[str, Money],
    custom: Mapping[str, CustomPrice],
    currency: str,
) -> dict[str, Money]:
    """``unit_prices`` with the custom ones in their place; a custom price in another currency
    than the order's is ``MIXED_CURRENCY`` on its line."""
    applied = dict(unit_prices)
    for sku, price in custom.items():
        if price.unit_price.currency != currency:
            index = list(requested_skus).index(sku)
            raise InvalidInput(
                f"must be in {currency}, the currency of the order",
                field=["lines", str(index), "unitPrice", "currency"],
                code="MIXED_CURRENCY",
            )
        applied[sku] = price.unit_price
    return applied
