"""Price lists: prices per market, optionally for one channel or customer group, in a window.

A price list belongs to one market and lists prices in that market's currency, as shown to
the buyer (a tax-inclusive market lists gross prices). Which price a SKU gets (``choose_prices``):
among the market's lists that are active, in force (``starts_at <= now < ends_at``, an open
end never ends) and match the order (no channel or the order's; no group or the customer's),
the most specific list that prices the SKU wins — channel and group, then group, then
channel, then neither; between equals the latest ``starts_at``, then the highest id. A SKU a
more specific list does not price falls through to the next list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ordergraph.domain.customers import clean_customer_group as clean_customer_group
from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel
from ordergraph.domain.validation import clean_sku, clean_text

MAX_NAME = 100
MAX_PRICE_ROWS = 1000
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class PriceList:
    """A market's list of prices; ``channel`` and ``customer_group`` None match every order."""

    id: int | None
    name: str
    market_id: int
    channel: Channel | None = None
    customer_group: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def in_force(self, now: datetime) -> bool:
        """Active, started (or no start) and not yet ended (or no end) at ``now``."""
        if not self.active:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def matches(self, channel: Channel, customer_group: str | None) -> bool:
        """Applies to an order through ``channel`` by a customer of ``customer_group``."""
        if self.channel is not None and self.channel != channel:
            return False
        return self.customer_group is None or self.customer_group == customer_group

    @property
    def specificity(self) -> int:
        """3 channel and group, 2 group, 1 channel, 0 neither."""
        return (2 if self.customer_group is not None else 0) + (1 if self.channel else 0)

    def rank(self) -> tuple[int, datetime, int]:
        """Higher wins: specificity, then the latest start, then the highest id."""
        return (self.specificity, self.starts_at or _EARLIEST, self.id or 0)


@dataclass(frozen=True, slots=True)
class ListedPrice:
    """One SKU's price on one list, in minor units of the list's market currency."""

    price_list_id: int
    sku: str
    amount_minor: int


def choose_prices(
    lists: Iterable[PriceList],
    listed: Iterable[ListedPrice],
    *,
    channel: Channel,
    customer_group: str | None,
    now: datetime,
) -> dict[str, int]:
    """The price in force per SKU (minor units): from the best-ranked applicable list that
    prices it. Lists that are inactive, out of their window or for another channel or group
    are ignored, whatever ``lists`` holds."""
    applicable = {
        pl.id: pl.rank()
        for pl in lists
        if pl.id is not None and pl.in_force(now) and pl.matches(channel, customer_group)
    }
    best: dict[str, tuple[tuple[int, datetime, int], int]] = {}
    for price in listed:
        rank = applicable.get(price.price_list_id)
        if rank is None:
            continue
        held = best.get(price.sku)
        if held is None or rank > held[0]:
            best[price.sku] = (rank, price.amount_minor)
    return {sku: amount for sku, (_, amount) in best.items()}


def clean_name(value: str) -> str:
    return clean_text(value, ["name"], max_length=MAX_NAME)


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    """A window ends after it starts."""
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("must be after startsAt", field=["endsAt"])


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One checked row of ``setPrices``: a price, or None to remove the SKU's price."""

    index: int
    sku: str
    amount_minor: int | None


class PricesRejected(DomainError):
    """One or more rows of ``setPrices`` were refused; nothing was written. ``errors`` holds
    one error per refused row, each on ``["prices", "<index>", ...]``, in row order."""

    code = "INVALID"

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(f"{len(errors)} price(s) refused; nothing was changed", field=["prices"])
        self.errors: tuple[DomainError, ...] = tuple(sorted(errors, key=_row_of))


def _row_of(error: DomainError) -> int:
    field = error.field or ()
    return int(field[1]) if len(field) > 1 and field[1].isdigit() else -1


def clean_price(amount: str, currency: str, field: Sequence[str]) -> int:
    """A non-negative decimal amount in ``currency``, no more precise than its minor unit."""
    try:
        money = Money.parse(amount, currency, field)
    except InvalidInput as error:
        raise InvalidInput(error.message, field=error.field, code="INVALID_AMOUNT") from error
    if money.minor_units < 0:
        raise InvalidInput("must not be negative", field=[*field, "amount"], code="INVALID_AMOUNT")
    return money.minor_units


def check_price_rows(
    rows: Sequence[tuple[str, str | None]], currency: str
) -> tuple[list[PriceRow], list[DomainError]]:
    """Validate ``(sku, amount)`` rows: the good ones, and one error per bad row. Too many or
    no rows refuse the request as a whole."""
    if not rows:
        raise InvalidInput("needs at least one price", field=["prices"], code="REQUIRED")
    if len(rows) > MAX_PRICE_ROWS:
        raise InvalidInput(
            f"at most {MAX_PRICE_ROWS} prices per request, got {len(rows)}",
            field=["prices"],
            code="TOO_MANY_SKUS",
        )
    good: list[PriceRow] = []
    errors: list[DomainError] = []
    seen: dict[str, int] = {}
    for index, (sku, amount) in enumerate(rows):
        at = ["prices", str(index)]
        try:
            clean = clean_sku(sku, [*at, "sku"])
            if clean in seen:
                raise InvalidInput(
                    f"repeats row {seen[clean]}: one price per SKU",
                    field=[*at, "sku"],
                    code="DUPLICATE",
                )
            minor = None if amount is None else clean_price(amount, currency, at)
        except DomainError as error:
            errors.append(error)
            continue
        seen[clean] = index
        good.append(PriceRow(index, clean, minor))
    return good, errors


def unknown_skus(rows: Sequence[PriceRow], known: Mapping[str, object]) -> list[DomainError]:
    """``NOT_FOUND`` for each row whose SKU no product has."""
    return [
        InvalidInput(
            f"no product has SKU {row.sku}",
            field=["prices", str(row.index), "sku"],
            code="NOT_FOUND",
        )
        for row in rows
        if row.sku not in known
    ]


class MarketUnavailable(DomainError):
    """The market asked for does not exist, is inactive or does not sell through the channel."""

    code = "MARKET_UNAVAILABLE"

    def __init__(self, message: str) -> None:
        super().__init__(message, field=["marketId"])


class PriceUnavailable(DomainError):
    """A line has no price in the order's market: no list prices it and the product's base
    price is in another currency."""

    code = "PRICE_UNAVAILABLE"

    def __init__(self, sku: str, currency: str, index: int) -> None:
        super().__init__(
            f"{sku} has no price in {currency} for this market",
            field=["lines", str(index), "sku"],
        )
