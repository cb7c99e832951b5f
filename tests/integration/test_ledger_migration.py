"""Migration 0014 turns each old two-delta movement into one row per field, so the ledger
still sums to every level, and it comes back down the same way."""

from __future__ import annotations

import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import downgrade, upgrade
from tests.integration.test_migrations import empty_url  # noqa: F401 - the fixture

OLD_MOVEMENTS = [
    # kind, on_hand_delta, reserved_delta
    ("RECEIVE", 10, 0),
    ("RESERVE", 0, 3),
    ("SHIP", -2, -2),
    ("WRITE_OFF", 0, 0),
]


async def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(sa.text(sql))]
    finally:
        await engine.dispose()


async def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for sql in statements:
                await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


async def test_old_movements_become_one_row_per_field_and_come_back(empty_url: str) -> None:  # noqa: F811
    await upgrade(empty_url, "0011")
    await _execute(
        empty_url,
        "INSERT INTO warehouses (id, code, name, region, country_code, priority, created_at) "
        "VALUES (1, 'AMS', 'Amsterdam', 'EU', 'NL', 1, CURRENT_TIMESTAMP)",
        "INSERT INTO products (id, sku, name, price_minor, currency, created_at) "
        "VALUES (1, 'TEE', 'Tee', 900, 'EUR', CURRENT_TIMESTAMP)",
        "INSERT INTO inventory_levels (sku, warehouse_id, on_hand, reserved, updated_at) "
        "VALUES ('TEE', 1, 8, 1, CURRENT_TIMESTAMP)",
        *(
            "INSERT INTO inventory_movements (sku, warehouse_id, kind, on_hand_delta, "
            f"reserved_delta, reason, actor, created_at) VALUES ('TEE', 1, '{kind}', {on_hand}, "
            f"{reserved}, 'r-{kind}', 'test', CURRENT_TIMESTAMP)"
            for kind, on_hand, reserved in OLD_MOVEMENTS
        ),
    )

    await upgrade(empty_url, "0014")
    rows = await _rows(
        empty_url,
        "SELECT kind, field, delta, note FROM inventory_movements ORDER BY kind, field",
    )
    assert rows == [
        ("RECEIVE", "ON_HAND", 10, "r-RECEIVE"),
        ("RESERVE", "RESERVED", 3, "r-RESERVE"),
        ("SHIP", "ON_HAND", -2, "r-SHIP"),
        ("SHIP", "RESERVED", -2, "r-SHIP"),
        ("WRITE_OFF", "ON_HAND", 0, "r-WRITE_OFF"),
    ]
    sums = await _rows(
        empty_url,
        "SELECT field, SUM(delta) FROM inventory_movements GROUP BY field ORDER BY field",
    )
    assert [(f, int(str(s))) for f, s in sums] == [("ON_HAND", 8), ("RESERVED", 1)]
    level = await _rows(
        empty_url,
        "SELECT safety_stock, in_transit, incoming, low_stock_threshold FROM inventory_levels",
    )
    assert level == [(0, 0, 0, None)]

    await downgrade(empty_url, "0011")
    old = await _rows(
        empty_url,
        "SELECT kind, SUM(on_hand_delta), SUM(reserved_delta) FROM inventory_movements "
        "GROUP BY kind ORDER BY kind",
    )
    assert [(k, int(str(a)), int(str(b))) for k, a, b in old] == sorted(OLD_MOVEMENTS)
