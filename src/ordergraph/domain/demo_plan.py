"""The demo history's plan: when orders come, from where, through which channel, for what.

Pure and deterministic (a fixed seed): weekly seasonality, a growth trend, a regional mix and
one SKU whose demand sits almost all in one region. ``services/demo_history`` replays it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordergraph.domain.orders import Channel

SEED = 20261206
HISTORY = timedelta(days=182)
CHANNELS = {
    Channel.WEB: 45,
    Channel.APP: 25,
    Channel.STORE: 8,
    Channel.PHONE: 7,
    Channel.SALES_REP: 10,
    Channel.MARKETPLACE: 5,
}
REGIONS = {"EU-WEST": 30, "EU-CENTRAL": 24, "UK": 16, "US-EAST": 18, "US-WEST": 12}
WEEKDAY = (1.0, 0.95, 0.95, 1.0, 1.1, 1.35, 1.25)  # Monday first: weekends sell more
GROWTH = 1.0  # the last day sells (1 + GROWTH) times the first
# The regional skew: nearly all demand for this SKU comes from one region, so stock
# recommendations have a transfer to suggest.
SKEWED_SKU, SKEWED_REGION = "HOODIE-FOR", "US-WEST"


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    index: int
    placed_at: datetime
    channel: Channel
    region: str
    lines: tuple[tuple[str, int], ...]


def plan_orders(
    count: int, start: datetime, skus: Sequence[str], seed: int = SEED
) -> list[PlannedOrder]:
    """When, where and what: weekly seasonality, a growth trend and a regional skew."""
    rng = random.Random(seed)
    days = HISTORY.days
    weights = [
        (1 + GROWTH * d / days) * WEEKDAY[(start + timedelta(days=d)).weekday()]
        for d in range(days)
    ]
    regions, region_weights = list(REGIONS), list(REGIONS.values())
    channels, channel_weights = list(CHANNELS), list(CHANNELS.values())
    moments = sorted(
        start.replace(hour=0, minute=0, second=0, microsecond=0)
        + timedelta(days=day, hours=rng.uniform(7, 23))
        for day in rng.choices(range(days), weights=weights, k=count)
    )
    planned = []
    for n, at in enumerate(moments):
        region = rng.choices(regions, weights=region_weights)[0]
        sku_weights = [_sku_weight(sku, region) for sku in skus]
        picked: dict[str, int] = {}
        for _ in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
            sku = rng.choices(list(skus), weights=sku_weights)[0]
            picked[sku] = picked.get(sku, 0) + rng.choices((1, 2, 3), weights=(7, 2, 1))[0]
        channel = rng.choices(channels, weights=channel_weights)[0]
        planned.append(PlannedOrder(n, at, channel, region, tuple(sorted(picked.items()))))
    return planned


def _sku_weight(sku: str, region: str) -> float:
    if sku == SKEWED_SKU:
        return 30.0 if region == SKEWED_REGION else 0.3
    return 1.0
