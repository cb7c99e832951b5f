"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

import pycountry

from ordergraph.domain.errors import InvalidInput

# ISO 4217 minor-unit exponents that differ from 2 (pycountry carries no exponents).
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

MAX_MINOR_UNITS = 10**15  # a billion in any currency, far below BIGINT


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def clean_currency(value: str, field: Sequence[str]) -> str:
    code = value.strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput("is not an ISO 4217 currency code", field=field, code="INVALID_CURRENCY")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's minor unit (cents for EUR, yen for JPY)."""

    minor_units: int
    currency: str

    @classmethod
    def parse(cls, amount: Decimal | str, currency: str, field: Sequence[str]) -> Money:
        """Build from a decimal amount; rejects more precision than the currency has."""
        code = clean_currency(currency, [*field, "currency"])
        try:
            value = Decimal(amount)
        except (InvalidOperation, ValueError) as exc:
            raise InvalidInput("is not a decimal number", field=[*field, "amount"]) from exc
        if not value.is_finite():
            raise InvalidInput("must be a finite number", field=[*field, "amount"])
        too_large = InvalidInput("is too large", field=[*field, "amount"], code="INVALID_AMOUNT")
        if value.adjusted() > 15:
            raise too_large
        exponent = currency_exponent(code)
        with localcontext() as ctx:
            # enough precision that scaling is exact: never round away a stray digit
            ctx.prec = len(value.as_tuple().digits) + exponent + 2
            scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                f"has more decimal places than {code} allows",
                field=[*field, "amount"],
                code="INVALID_AMOUNT",
            )
        minor = int(scaled)
        if abs(minor) > MAX_MINOR_UNITS:
            raise too_large
        return cls(minor, code)

    @property
    def amount(self) -> Decimal:
        """The decimal amount with exactly the currency's number of places."""
        exponent = currency_exponent(self.currency)
        return Decimal(self.minor_units).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot subtract {other.currency} from {self.currency}")
        return Money(self.minor_units - other.minor_units, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.minor_units * factor, self.currency)
