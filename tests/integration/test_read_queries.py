"""The read side: keyset pages walk every row exactly once; batches answer in key order."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries import batches
from ordergraph.db.queries.catalog import inventory_levels_query, products_query
from ordergraph.db.queries.pagination import Page, PageRequest, count, fetch_page
from ordergraph.db.tables import addresses, customers, inventory_levels, products
from ordergraph.services.deps import Deps
from tests.integration.conftest import make_product, make_warehouse

NOW = datetime(2026, 2, 1, tzinfo=UTC)


async def _insert_products(engine: AsyncEngine, unique: str, n: int) -> list[int]:
    async with engine.begin() as conn:
        ids = [
            await conn.scalar(
                sa.insert(products)
                .values(
                    sku=f"P{i:02d}-{unique}",
                    name=f"Product {i}",
                    price_minor=100 + i,
                    currency="EUR",
                    created_at=NOW,
                )
                .returning(products.c.id)
            )
            for i in range(n)
        ]
    return [int(i) for i in ids if i is not None]


def _ids(page: Page) -> list[int]:
    return [int(row["id"]) for row in page.rows]


async def test_products_page_forward_in_keyset_order(engine: AsyncEngine, unique: str) -> None:
    all_ids = await _insert_products(engine, unique, 25)
    stmt, keys = products_query()

    seen: list[list[int]] = []
    flags: list[tuple[bool, bool]] = []
    after: tuple[int, ...] | None = None
    while True:
        page = await fetch_page(engine, stmt, keys, PageRequest(first=10, after=after))
        seen.append(_ids(page))
        flags.append((page.has_next_page, page.has_previous_page))
        if not page.has_next_page:
            break
        after = (int(page.rows[-1]["id"]),)

    assert [len(ids) for ids in seen] == [10, 10, 5]
    assert flags == [(True, False), (True, True), (False, True)]
    assert [i for ids in seen for i in ids] == sorted(all_ids)
    assert await count(engine, stmt) == 25


async def test_products_page_backward_with_last_and_before(
    engine: AsyncEngine, unique: str
) -> None:
    all_ids = await _insert_products(engine, unique, 25)
    stmt, keys = products_query()

    seen: list[list[int]] = []
    flags: list[tuple[bool, bool]] = []
    before: tuple[int, ...] | None = None
    while True:
        page = await fetch_page(engine, stmt, keys, PageRequest(last=10, before=before))
        seen.append(_ids(page))
        flags.append((page.has_next_page, page.has_previous_page))
        if not page.has_previous_page:
            break
        before = (int(page.rows[0]["id"]),)

    ordered = sorted(all_ids)
    assert seen == [ordered[15:], ordered[5:15], ordered[:5]]
    assert flags == [(False, True), (True, True), (True, False)]


async def test_a_page_rows_carry_the_table_columns(engine: AsyncEngine, unique: str) -> None:
    await _insert_products(engine, unique, 3)
    stmt, keys = products_query()
    page = await fetch_page(engine, stmt, keys, PageRequest(first=1))
    row = page.rows[0]
    assert (row["sku"], row["price_minor"], row["created_at"]) == (f"P00-{unique}", 100, NOW)


async def test_inventory_levels_page_on_a_composite_key(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    warehouse_ids = []
    for n in range(3):
        warehouse = await make_warehouse(deps, f"W{n}-{unique}")
        assert warehouse.id is not None
        warehouse_ids.append(warehouse.id)
    skus = [f"A-{unique}", f"B-{unique}"]
    async with engine.begin() as conn:
        for sku in skus:
            await conn.execute(
                sa.insert(products).values(
                    sku=sku, name=sku, price_minor=1, currency="EUR", created_at=NOW
                )
            )
            for warehouse_id in warehouse_ids:
                await conn.execute(
                    sa.insert(inventory_levels).values(
                        sku=sku, warehouse_id=warehouse_id, on_hand=1, updated_at=NOW
                    )
                )
    expected = [(sku, w) for sku in skus for w in sorted(warehouse_ids)]
    stmt, keys = inventory_levels_query(None, None)

    walked: list[tuple[str, int]] = []
    after: tuple[str, int] | None = None
    for _ in range(4):
        page = await fetch_page(engine, stmt, keys, PageRequest(first=4, after=after))
        walked += [(r["sku"], r["warehouse_id"]) for r in page.rows]
        if not page.has_next_page:
            break
        after = walked[-1]
    assert walked == expected

    back = await fetch_page(engine, stmt, keys, PageRequest(last=2, before=expected[3]))
    assert [(r["sku"], r["warehouse_id"]) for r in back.rows] == expected[1:3]
    assert (back.has_next_page, back.has_previous_page) == (True, True)

    one_sku, _ = inventory_levels_query(skus[1], warehouse_ids[2])
    assert await count(engine, one_sku) == 1
    assert await count(engine, stmt) == 6


async def test_warehouse_and_product_batches_answer_in_key_order_with_gaps(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    first = await make_warehouse(deps, f"W1-{unique}")
    second = await make_warehouse(deps, f"W2-{unique}")
    apple = await make_product(deps, f"APPLE-{unique}")
    pear = await make_product(deps, f"PEAR-{unique}")
    assert first.id is not None
    assert second.id is not None
    assert apple.id is not None
    assert pear.id is not None
    missing = max(first.id, second.id, apple.id, pear.id) + 1000

    found = await batches.warehouses_by_id(engine, [second.id, missing, first.id, second.id])
    assert [w.code if w else None for w in found] == [second.code, None, first.code, second.code]

    by_sku = await batches.products_by_sku(engine, [pear.sku, "NOPE", apple.sku])
    assert [p.sku if p else None for p in by_sku] == [pear.sku, None, apple.sku]
    assert by_sku[0] is not None
    assert by_sku[0].price == pear.price

    by_id = await batches.products_by_id(engine, [missing, apple.id, pear.id])
    assert [p.id if p else None for p in by_id] == [None, apple.id, pear.id]


async def test_level_batches_answer_in_key_order_with_gaps(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    near = await make_warehouse(deps, f"N-{unique}")
    far = await make_warehouse(deps, f"F-{unique}")
    apple = await make_product(deps, f"APPLE-{unique}")
    pear = await make_product(deps, f"PEAR-{unique}")
    assert near.id is not None
    assert far.id is not None
    async with engine.begin() as conn:
        for sku, warehouse_id, on_hand in [
            (apple.sku, far.id, 7),
            (apple.sku, near.id, 3),
            (pear.sku, far.id, 9),
        ]:
            await conn.execute(
                sa.insert(inventory_levels).values(
                    sku=sku, warehouse_id=warehouse_id, on_hand=on_hand, updated_at=NOW
                )
            )

    grouped = await batches.levels_by_sku(engine, [pear.sku, "NOPE", apple.sku])
    assert [[(lv.warehouse_id, lv.on_hand) for lv in levels] for levels in grouped] == [
        [(far.id, 9)],
        [],
        sorted([(near.id, 3), (far.id, 7)]),
    ]

    keyed = await batches.levels_by_key(
        engine, [(pear.sku, near.id), (apple.sku, far.id), (pear.sku, far.id)]
    )
    assert [lv.on_hand if lv else None for lv in keyed] == [None, 7, 9]


async def test_customer_batches_answer_in_key_order_with_the_default_address_first(
    engine: AsyncEngine, unique: str
) -> None:
    async with engine.begin() as conn:
        ids = []
        for n in range(2):
            customer_id = await conn.scalar(
                sa.insert(customers)
                .values(email=f"c{n}-{unique}@example.com", name=f"C{n}", created_at=NOW)
                .returning(customers.c.id)
            )
            assert customer_id is not None
            ids.append(int(customer_id))
        for line1, is_default in [("Old Street 1", False), ("Home Lane 2", True)]:
            await conn.execute(
                sa.insert(addresses).values(
                    customer_id=ids[0],
                    name="C0",
                    line1=line1,
                    city="Amsterdam",
                    country_code="NL",
                    is_default=is_default,
                    created_at=NOW,
                )
            )
    missing = max(ids) + 1000

    found = await batches.customers_by_id(engine, [ids[1], missing, ids[0]])
    assert [c.email if c else None for c in found] == [
        f"c1-{unique}@example.com",
        None,
        f"c0-{unique}@example.com",
    ]

    book = await batches.addresses_by_customer_id(engine, [missing, ids[0], ids[1]])
    assert [[a.address.line1 for a in group] for group in book] == [
        [],
        ["Home Lane 2", "Old Street 1"],
        [],
    ]
