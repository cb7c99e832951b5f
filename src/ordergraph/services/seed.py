"""Demo data: warehouses in five regions, 50 products, stock, 20 customers, 12 orders in every
state (delivered, in transit, paid, authorized, on hold, unpaid, cancelled).

Idempotent by construction: every write carries an idempotency key, so a second run replays
instead of writing again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordergraph.domain.automation import ActionKind, ActionSpec
from ordergraph.domain.customers import AddressFields, address_fields
from ordergraph.domain.errors import Duplicate
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, HoldType, Order, OutOfStock, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.services import (
    automation,
    cancellation,
    carrier_services,
    catalog,
    customers,
    demo_history,
    fulfillment,
    holds,
    inventory,
    orders,
    payments,
    shipments,
)
from ordergraph.services.carrier_services import CutoffSpec, LaneSpec, RateSpec
from ordergraph.services.deps import Deps

WAREHOUSES = [
    ("AMS-1", "Amsterdam", "EU-WEST", "NL", 10),
    ("FRA-1", "Frankfurt", "EU-CENTRAL", "DE", 20),
    ("LON-1", "London", "UK", "GB", 30),
    ("NJ-1", "New Jersey", "US-EAST", "US", 10),
    ("RNO-1", "Reno", "US-WEST", "US", 20),
]
CITIES = [
    ("Amsterdam", "EU-WEST", "NL", "1011 AB", "+31 20 123 4567"),
    ("Rotterdam", "EU-WEST", "NL", "3011 AA", "+31 10 123 4567"),
    ("Berlin", "EU-CENTRAL", "DE", "10115", "+49 30 1234567"),
    ("Munich", "EU-CENTRAL", "DE", "80331", "+49 89 1234567"),
    ("London", "UK", "GB", "SW1A 1AA", "+44 20 7946 0000"),
    ("Manchester", "UK", "GB", "M1 1AE", "+44 161 496 0000"),
    ("New York", "US-EAST", "US", "10001", "+1 212 555 0100"),
    ("Boston", "US-EAST", "US", "02108", "+1 617 555 0100"),
    ("San Francisco", "US-WEST", "US", "94103", "+1 415 555 0100"),
    ("Seattle", "US-WEST", "US", "98101", "+1 206 555 0100"),
]
KINDS = [
    "Tee",
    "Hoodie",
    "Cap",
    "Mug",
    "Notebook",
    "Backpack",
    "Bottle",
    "Sticker Pack",
    "Socks",
    "Tote",
]
COLOURS = ["Black", "White", "Forest", "Ocean", "Sand"]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Tim",
]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"]


REGIONS = {region: country for _, _, region, country, _ in WAREHOUSES}
REGIONS_BY_CODE = {code: region for code, _, region, _, _ in WAREHOUSES}
TIMEZONES = {
    "AMS-1": "Europe/Amsterdam",
    "FRA-1": "Europe/Berlin",
    "LON-1": "Europe/London",
    "NJ-1": "America/New_York",
    "RNO-1": "America/Los_Angeles",
}
EU = ("EU-WEST", "EU-CENTRAL")
HOLIDAYS = [date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)]


def _brackets(*prices: tuple[int, str]) -> list[RateSpec]:
    return [RateSpec(grams, Decimal(price), "EUR") for grams, price in prices]


def demo_carrier_services() -> list[tuple[str, str, list[LaneSpec], list[RateSpec]]]:
    """PostNL and DPD within the EU, DHL Express between every demo region, Royal Mail in
    the UK and USPS in the US: a cheap slow option and a dear fast one on most lanes."""
    express = [
        LaneSpec(origin, 1 if origin == to else 2, 2 if origin == to else 4, destination_region=to)
        for origin in REGIONS
        for to in REGIONS
    ]
    return [
        (
            "POSTNL",
            "STANDARD",
            [
                LaneSpec("EU-WEST", 1, 2, destination_region="EU-WEST"),
                LaneSpec("EU-WEST", 2, 3, destination_region="EU-CENTRAL"),
            ],
            [*_brackets((2000, "4.95"), (10000, "6.95"), (30000, "12.95"))],
        ),
        (
            "DPD",
            "ECONOMY",
            [
                LaneSpec(a, 2 if a == b else 3, 4 if a == b else 5, destination_region=b)
                for a in EU
                for b in EU
            ],
            _brackets((5000, "3.95"), (30000, "6.95")),
        ),
        ("DHL", "EXPRESS", express, _brackets((5000, "14.95"), (30000, "24.95"))),
        (
            "ROYAL_MAIL",
            "TRACKED48",
            [LaneSpec("UK", 2, 3, destination_region="UK")],
            _brackets((2000, "3.95"), (20000, "7.95")),
        ),
        (
            "USPS",
            "GROUND",
            [
                LaneSpec(a, 2 if a == b else 4, 5 if a == b else 7, destination_region=b)
                for a in ("US-EAST", "US-WEST")
                for b in ("US-EAST", "US-WEST")
            ],
            _brackets((5000, "5.95"), (30000, "11.95")),
        ),
    ]


def demo_lanes() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(origin region, destination region) → the demo (carrier, service) pairs serving it."""
    lanes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for carrier, service, specs, _ in demo_carrier_services():
        for lane in specs:
            if lane.destination_region is not None:
                lanes.setdefault((lane.origin_region, lane.destination_region), []).append(
                    (carrier, service)
                )
    return lanes


async def seed_carrier_services(deps: Deps, warehouse_ids: dict[str, int]) -> None:
    """The demo's carrier services: they, not the fixed rate table, price its orders."""
    cutoffs = [CutoffSpec(wid, "15:00", TIMEZONES[code]) for code, wid in warehouse_ids.items()]
    for carrier, service, lanes, rates in demo_carrier_services():
        try:
            await carrier_services.create_carrier_service(
                deps,
                SYSTEM,
                carrier=carrier,
                service=service,
                lanes=lanes,
                rates=rates,
                cutoffs=cutoffs,
                holidays=HOLIDAYS,
            )
        except Duplicate:
            continue  # seeded by an earlier run


@dataclass(frozen=True, slots=True)
class SeedSummary:
    warehouses: int
    products: int
    stock_levels: int
    customers: int
    orders: int = 0
    history_orders: int = 0
    history_skipped: bool = False  # the history was already there


async def seed_demo(deps: Deps, *, history_orders: int = 0) -> SeedSummary:
    """The demo data; with ``history_orders``, months of back-dated orders too
    (``services/demo_history``)."""
    rng = random.Random(20261129)
    warehouse_ids: dict[str, int] = {}
    for code, name, region, country, priority in WAREHOUSES:
        warehouse = await catalog.create_warehouse(
            deps,
            SYSTEM,
            code=code,
            name=f"{name} DC",
            region=region,
            country_code=country,
            priority=priority,
            idempotency_key=f"seed:warehouse:{code}",
        )
        assert warehouse.id is not None
        warehouse_ids[code] = warehouse.id
    await seed_carrier_services(deps, warehouse_ids)

    skus: list[str] = []
    for i, kind in enumerate(KINDS):
        for j, colour in enumerate(COLOURS):
            sku = f"{kind.upper().replace(' ', '-')[:8]}-{colour.upper()[:3]}"
            price = Decimal(rng.randrange(400, 9000)) / 100
            await catalog.create_product(
                deps,
                SYSTEM,
                sku=sku,
                name=f"{colour} {kind}",
                price_amount=price,
                price_currency="EUR",
                weight_grams=100 + 50 * (i + j),
                idempotency_key=f"seed:product:{sku}",
            )
            skus.append(sku)

    levels = 0
    for sku in skus:
        for code in rng.sample(sorted(warehouse_ids), k=3):
            await inventory.adjust_inventory(
                deps,
                SYSTEM,
                sku=sku,
                warehouse_id=warehouse_ids[code],
                delta=rng.randrange(0, 120) + 1,
                reason=AdjustmentReason.RECEIVED,
                note="demo stock",
                idempotency_key=f"seed:stock:{sku}:{code}",
            )
            levels += 1

    created = 0
    customer_ids: list[tuple[int, AddressFields | None]] = []
    for n in range(20):
        first, last = FIRST[n % len(FIRST)], LAST[n // len(FIRST) % len(LAST) + n % 2]
        phone = CITIES[n % len(CITIES)][4]
        email = f"{first}.{last}.{n}@example.com".lower()
        try:
            customer = await customers.create_customer(
                deps,
                SYSTEM,
                email=email,
                name=f"{first} {last}",
                phone=phone,
                password="demo-password" if n == 0 else None,
                address=_demo_address(n, f"{first} {last}", f"{10 + n} Main Street"),
                idempotency_key=f"seed:customer:{email}",
            )
        except Duplicate:
            continue  # created by hand with the same email: leave it alone
        assert customer.id is not None
        if customer.erased_at is not None:
            # erased on request since the first seed: it stays erased, and keeps its place so
            # the other demo orders replay with the same keys
            customer_ids.append((customer.id, None))
            continue
        created += 1
        assert customer.default_address is not None
        customer_ids.append((customer.id, address_fields(customer.default_address)))
    placed = await _seed_orders(deps, rng, skus, customer_ids)
    history = await demo_history.seed_demo_history(
        deps,
        skus=skus,
        customers=_history_customers(customer_ids),
        warehouses={wid: REGIONS_BY_CODE[code] for code, wid in warehouse_ids.items()},
        lanes=demo_lanes(),
        count=history_orders,
    )
    await _seed_rules(deps)  # after the orders: rules act on events committed after them
    return SeedSummary(
        len(warehouse_ids), len(skus), levels, created, placed, history.orders, history.skipped
    )


def _demo_address(n: int, name: str, line1: str) -> AddressFields:
    """The n-th demo address: the demo cities in turn."""
    city, region, country, postal, phone = CITIES[n % len(CITIES)]
    return AddressFields(
        name=name,
        line1=line1,
        line2=None,
        city=city,
        region=region,
        postal_code=postal,
        country_code=country,
        phone=phone,
    )


def _history_customers(
    customer_ids: list[tuple[int, AddressFields | None]],
) -> list[demo_history.HistoryCustomer]:
    """The demo customers who are not erased, and 50 guests spread over the demo cities."""
    known = [
        demo_history.HistoryCustomer(customer_id, address)
        for customer_id, address in customer_ids
        if address is not None
    ]
    guests = []
    for n in range(50):
        name = f"{FIRST[(n * 3) % len(FIRST)]} {LAST[n % len(LAST)]}"
        address = _demo_address(n, name, f"{100 + n} Market Street")
        guests.append(demo_history.HistoryCustomer(None, address, f"guest.{n}@example.com"))
    return known + guests


async def _seed_orders(
    deps: Deps,
    rng: random.Random,
    skus: list[str],
    customer_ids: list[tuple[int, AddressFields | None]],
) -> int:
    """Orders in every state the demo needs: paid, authorized, unpaid, on hold, cancelled."""
    channels = list(Channel)
    placed = 0
    for n, (customer_id, address) in enumerate(customer_ids[:12]):
        key = f"seed:order:{n}"
        lines = [RequestedLine(sku, rng.randrange(1, 3)) for sku in rng.sample(skus, k=1 + n % 3)]
        if address is None:
            continue  # an erased customer: its order was placed by the first seed, and kept
        try:
            order = await orders.place_order(
                deps,
                SYSTEM,
                channel=channels[n % len(channels)],
                lines=lines,
                shipping_address=address,
                customer_id=customer_id,
                idempotency_key=key,
            )
        except OutOfStock:
            continue  # stock was changed by hand since the first seed
        placed += 1
        assert order.id is not None
        step = n % 6
        if step in (0, 1):
            paid = await payments.capture_payment(
                deps, SYSTEM, order_id=order.id, token="tok_ok", idempotency_key=f"{key}:pay"
            )
            await _ship(deps, paid.order, key, delivered=step == 0)
        elif step in (2, 3):
            await payments.authorize_payment(
                deps, SYSTEM, order_id=order.id, token="tok_ok", idempotency_key=f"{key}:pay"
            )
        if step == 3:
            await holds.hold_order(
                deps,
                SYSTEM,
                order_id=order.id,
                hold_type=HoldType.FRAUD_REVIEW,
                reason="demo: billing and shipping countries differ",
                idempotency_key=f"{key}:hold",
            )
        elif step == 4:
            await cancellation.cancel_order(
                deps,
                SYSTEM,
                order_id=order.id,
                reason="demo: customer changed their mind",
                idempotency_key=f"{key}:cancel",
            )
    return placed


DEMO_RULES = [
    (
        "Fraud check: first orders over 1,000",
        "order.placed",
        "order.total.amount > 1000.0 && (customer == null || customer.orderCount <= 1)",
        ActionSpec(ActionKind.HOLD, {"type": "FRAUD_REVIEW", "reason": "first order over 1,000"}),
    ),
    (
        "Auto-approve damaged returns under 50",
        "return.requested",
        'return != null && return.status == "REQUESTED" '
        '&& return.lines.all(l, l.reason == "DAMAGED") && return.total.amount < 50.0',
        ActionSpec(ActionKind.APPROVE_RETURN, {}),
    ),
    (
        "Tag marketplace orders",
        "order.imported",
        'order.channel == "MARKETPLACE" || order.source != null',
        ActionSpec(ActionKind.ADD_TAGS, {"tags": ["marketplace"]}),
    ),
]


async def _seed_rules(deps: Deps) -> None:
    async with deps.uow() as uow:
        existing = await uow.automation.names()
    for name, trigger, condition, action in DEMO_RULES:
        if name not in existing:
            await automation.create_rule(
                deps, SYSTEM, name=name, trigger=trigger, condition=condition, actions=[action]
            )


async def _ship(deps: Deps, order: Order, key: str, *, delivered: bool) -> None:
    """Pick, pack and ship every fulfillment; mark the parcels delivered if asked."""
    assert order.id is not None
    async with deps.uow() as uow:
        found = await uow.fulfillments.for_order(order.id)
    for f in found:
        assert f.id is not None
        step_key = f"{key}:f{f.id}"
        await fulfillment.start_picking(
            deps, SYSTEM, fulfillment_id=f.id, idempotency_key=f"{step_key}:pick"
        )
        await fulfillment.mark_packed(
            deps, SYSTEM, fulfillment_id=f.id, idempotency_key=f"{step_key}:pack"
        )
        done = await fulfillment.ship_fulfillment(
            deps,
            SYSTEM,
            fulfillment_id=f.id,
            carrier="DHL",
            tracking_number=f"JD{order.number[-6:]}{f.id:04d}",
            idempotency_key=f"{step_key}:ship",
        )
        assert done.shipment is not None
        assert done.shipment.id is not None
        # the parcel's own clock: same instants on every run, so replays match
        at = done.shipment.shipped_at
        statuses = [ShipmentStatus.IN_TRANSIT] + ([ShipmentStatus.DELIVERED] if delivered else [])
        for status in statuses:
            await shipments.record_shipment_event(
                deps,
                SYSTEM,
                shipment_id=done.shipment.id,
                status=status,
                occurred_at=at,
                location="Demo hub",
                idempotency_key=f"{step_key}:{status.value}",
            )
