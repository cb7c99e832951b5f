"""The demo history's plan: deterministic, inside its six months, with the patterns it claims."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from ordergraph.domain.demo_plan import HISTORY, SKEWED_REGION, SKEWED_SKU, plan_orders

START = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday
SKUS = [SKEWED_SKU, *(f"SKU-{n}" for n in range(49))]  # as many as the demo catalog


def test_the_same_inputs_plan_the_same_orders_in_time_order() -> None:
    plan = plan_orders(2000, START, SKUS)

    assert plan == plan_orders(2000, START, SKUS)
    assert [p.index for p in plan] == list(range(2000))
    moments = [p.placed_at for p in plan]
    assert moments == sorted(moments)
    assert START.replace(hour=0) <= moments[0]
    assert moments[-1] < START + HISTORY
    assert plan != plan_orders(2000, START, SKUS, seed=1)


def test_weekends_sell_more_sales_grow_and_one_sku_sits_in_one_region() -> None:
    plan = plan_orders(5000, START, SKUS)

    by_weekday = Counter(p.placed_at.weekday() for p in plan)
    # weights 1.35 and 1.25 against 0.95 to 1.1: a weekend day beats every weekday
    assert min(by_weekday[5], by_weekday[6]) > max(by_weekday[d] for d in range(5))
    first = sum(1 for p in plan if p.placed_at < START + timedelta(days=60))
    last = sum(1 for p in plan if p.placed_at >= START + HISTORY - timedelta(days=60))
    assert last > 1.3 * first  # growth: the last day sells twice the first
    skewed = Counter[str]()
    for p in plan:
        for sku, quantity in p.lines:
            if sku == SKEWED_SKU:
                skewed[p.region] += quantity
    assert skewed[SKEWED_REGION] > 0.8 * sum(skewed.values())
    assert len({p.channel for p in plan}) == 6
    assert all(1 <= len(p.lines) <= 3 and all(q >= 1 for _, q in p.lines) for p in plan)
