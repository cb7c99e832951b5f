"""``availability``: bands, the promise from the warehouse routing would pick, restock dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.availability import (
    AvailabilityPolicy,
    QuantityBand,
    Restock,
    StockSnapshot,
    band,
)
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden, InvalidInput
from ordergraph.domain.principals import ANONYMOUS
from ordergraph.services.availability import check_availability
from ordergraph.services.deps import Deps, OrderPolicy
from tests.unit.fakes import STOREFRONT, FakeStore, fake_deps

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
BERLIN = Warehouse(1, "BER", "Berlin", "EU-CENTRAL", "DE", 10, NOW)
LYON = Warehouse(2, "LYS", "Lyon", "EU-WEST", "FR", 20, NOW)


class StubReader:
    """An ``AvailabilityReader`` over fixed numbers; counts its calls."""

    def __init__(self, snapshot: StockSnapshot, restocks: Sequence[Restock] = ()) -> None:
        self.snapshot = snapshot
        self._restocks = list(restocks)
        self.calls: list[str] = []

    async def stock(self, skus: Sequence[str]) -> StockSnapshot:
        self.calls.append("stock")
        return self.snapshot

    async def restocks(self, skus: Sequence[str]) -> list[Restock]:
        self.calls.append("restocks")
        return [r for r in self._restocks if r.sku in skus]


def deps(policy: OrderPolicy | None = None) -> Deps:
    return fake_deps(FakeStore(), FixedClock(NOW), policy=policy)


def test_bands() -> None:
    policy = AvailabilityPolicy(low_threshold=3)
    assert band(0, policy) is QuantityBand.OUT_OF_STOCK
    assert band(-2, policy) is QuantityBand.OUT_OF_STOCK
    assert band(3, policy) is QuantityBand.LOW
    assert band(4, policy) is QuantityBand.IN_STOCK


async def test_in_stock_promises_from_the_warehouse_in_the_destination_country() -> None:
    reader = StubReader(
        StockSnapshot({"MUG": False}, [BERLIN, LYON], {("MUG", 1): 40, ("MUG", 2): 3})
    )
    (found,) = await check_availability(deps(), STOREFRONT, reader, skus=["MUG"], country_code="fr")
    assert found.in_stock
    assert found.band is QuantityBand.IN_STOCK
    assert found.quantity is None  # no exact numbers unless configured
    # Lyon is in France: handling (24 h) + same country (3 days)
    assert found.promised_delivery_at == NOW + timedelta(hours=24, days=3)
    assert found.back_in_stock_at is None
    assert reader.calls == ["stock"]  # nothing is out: no restock query


async def test_exact_numbers_only_when_configured() -> None:
    policy = replace(OrderPolicy(), availability=AvailabilityPolicy(exact=True))
    reader = StubReader(StockSnapshot({"MUG": False}, [BERLIN], {("MUG", 1): 7}))
    (found,) = await check_availability(
        deps(policy), STOREFRONT, reader, skus=["MUG"], country_code="DE"
    )
    assert found.quantity == 7


async def test_a_short_warehouse_does_not_subtract_from_the_others() -> None:
    reader = StubReader(
        StockSnapshot({"MUG": True}, [BERLIN, LYON], {("MUG", 1): -4, ("MUG", 2): 2})
    )
    (found,) = await check_availability(deps(), STOREFRONT, reader, skus=["MUG"], country_code="DE")
    assert found.band is QuantityBand.LOW
    # only Lyon has stock, so it ships: another country, 5 days
    assert found.promised_delivery_at == NOW + timedelta(hours=24, days=5)


async def test_out_of_stock_and_backorderable_gives_the_earliest_restock() -> None:
    soon, later = NOW + timedelta(days=4), NOW + timedelta(days=9)
    reader = StubReader(
        StockSnapshot({"MUG": True, "CUP": False}, [BERLIN, LYON], {("MUG", 1): 0}),
        [
            Restock("MUG", 1, later),
            Restock("MUG", 2, soon),
            Restock("CUP", 1, soon),
            Restock("MUG", 99, NOW),  # an inactive warehouse: not counted
        ],
    )
    mug, cup = await check_availability(
        deps(), STOREFRONT, reader, skus=["MUG", "CUP"], country_code="DE"
    )
    assert not mug.in_stock
    assert mug.backorderable
    assert mug.back_in_stock_at == soon
    assert mug.promised_delivery_at == soon + timedelta(hours=24, days=5)  # Lyon → DE
    # not backorderable: no date, no promise
    assert cup.back_in_stock_at is None
    assert cup.promised_delivery_at is None
    assert reader.calls == ["stock", "restocks"]


async def test_a_transfer_in_transit_arrives_after_its_lane() -> None:
    reader = StubReader(
        StockSnapshot({"MUG": True}, [BERLIN, LYON], {}),
        [Restock("MUG", 1, NOW - timedelta(days=1), source_warehouse_id=2)],
    )
    (found,) = await check_availability(deps(), STOREFRONT, reader, skus=["MUG"], country_code="DE")
    # sent yesterday from Lyon to Berlin (different countries, 5 days)
    assert found.back_in_stock_at == NOW + timedelta(days=4)


async def test_a_late_restock_is_never_promised_in_the_past() -> None:
    reader = StubReader(
        StockSnapshot({"MUG": True}, [BERLIN], {}), [Restock("MUG", 1, NOW - timedelta(days=2))]
    )
    (found,) = await check_availability(deps(), STOREFRONT, reader, skus=["MUG"], country_code="DE")
    assert found.back_in_stock_at == NOW


async def test_unknown_skus_are_out_of_stock_and_repeats_answered_once() -> None:
    reader = StubReader(StockSnapshot({}, [BERLIN], {}))
    found = await check_availability(
        deps(), STOREFRONT, reader, skus=["NOPE", " NOPE", "ALSO"], country_code="DE"
    )
    assert [(f.sku, f.band) for f in found] == [
        ("NOPE", QuantityBand.OUT_OF_STOCK),
        ("ALSO", QuantityBand.OUT_OF_STOCK),
    ]


async def test_more_than_100_skus_are_refused_before_any_query() -> None:
    reader = StubReader(StockSnapshot({}, [], {}))
    with pytest.raises(InvalidInput) as raised:
        await check_availability(
            deps(), STOREFRONT, reader, skus=[f"S{i}" for i in range(101)], country_code="DE"
        )
    assert raised.value.code == "TOO_MANY_SKUS"
    assert reader.calls == []


async def test_a_bad_country_is_refused() -> None:
    with pytest.raises(InvalidInput):
        await check_availability(
            deps(), STOREFRONT, StubReader(StockSnapshot({}, [], {})), skus=["A"], country_code="X"
        )


async def test_anonymous_callers_are_refused() -> None:
    with pytest.raises(Forbidden):
        await check_availability(
            deps(), ANONYMOUS, StubReader(StockSnapshot({}, [], {})), skus=["A"], country_code="DE"
        )
