from __future__ import annotations

from decimal import Decimal

import strawberry

from ordergraph.domain.money import Money


@strawberry.type(name="Money", description="An amount in a currency; amount is a decimal string.")
class MoneyType:
    amount: Decimal
    currency: str

    @classmethod
    def from_domain(cls, money: Money) -> MoneyType:
        return cls(amount=money.amount, currency=money.currency)


@strawberry.input(description="An amount such as 19.99 and an ISO 4217 currency code.")
class MoneyInput:
    amount: Decimal
    currency: str
