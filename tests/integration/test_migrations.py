"""Migrations build exactly the schema ``db/tables.py`` describes, and come down cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ordergraph.db.engine import create_engine
from ordergraph.db.migrate import downgrade, upgrade
from ordergraph.db.tables import metadata
from tests.support.databases import Databases

ORDERGRAPH_TABLES = frozenset(metadata.tables)


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_url(request: pytest.FixtureRequest, databases: Databases) -> Iterator[str]:
    if request.param == "postgresql":
        url = databases.new_postgres(migrated=False)
        yield url
        databases.drop_postgres(url)
    else:
        yield databases.new_sqlite(migrated=False)


async def _inspect(url: str, look: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync_conn: look(sa.inspect(sync_conn)))
    finally:
        await engine.dispose()


async def _table_names(url: str) -> set[str]:
    names: list[str] = await _inspect(url, lambda insp: insp.get_table_names())
    return set(names)


def _for_dialect(dialect: str) -> Any:
    """Alembic ignores ``ddl_if``: leave out the objects built only on another dialect (the
    PostgreSQL-only trigram indexes)."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: bool, _compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        wanted = getattr(condition, "dialect", None)
        return wanted is None or dialect in ((wanted,) if isinstance(wanted, str) else wanted)

    return include


async def _schema_differences(url: str, target: sa.MetaData) -> list[Any]:
    def compare(sync_conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection=sync_conn,
            opts={
                "compare_type": True,
                "target_metadata": target,
                "include_object": _for_dialect(sync_conn.dialect.name),
            },
        )
        return list(compare_metadata(context, target))

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


def _check_constraint_names(insp: sa.Inspector) -> dict[str, set[str]]:
    return {
        table: {str(ck["name"]) for ck in insp.get_check_constraints(table)}
        for table in ORDERGRAPH_TABLES
    }


def _expected_check_constraint_names() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, table in metadata.tables.items():
        found[name] = {str(c.name) for c in table.constraints if isinstance(c, sa.CheckConstraint)}
    return found


async def test_upgrade_downgrade_upgrade_round_trip_leaves_the_full_schema(empty_url: str) -> None:
    assert await _table_names(empty_url) == set()

    await upgrade(empty_url)
    assert await _table_names(empty_url) == ORDERGRAPH_TABLES | {"alembic_version"}

    await downgrade(empty_url)
    assert await _table_names(empty_url) <= {"alembic_version"}

    await upgrade(empty_url)
    assert await _table_names(empty_url) == ORDERGRAPH_TABLES | {"alembic_version"}
    assert await _schema_differences(empty_url, metadata) == []


async def test_migrated_schema_has_the_same_check_constraints_as_the_tables(
    empty_url: str,
) -> None:
    # Autogenerate does not compare CHECK constraints, so compare their names directly.
    await upgrade(empty_url)
    assert await _inspect(empty_url, _check_constraint_names) == (
        _expected_check_constraint_names()
    )


def _kind(difference: Any) -> str:
    # Additions are tuples ("add_column", ...); modifications are lists of such tuples.
    return str(difference[0] if isinstance(difference, tuple) else difference[0][0])


async def test_schema_comparison_notices_a_missing_column_index_constraint_and_type(
    databases: Databases,
) -> None:
    # The comparison above could pass vacuously; show it fails when the schema really differs.
    url = databases.new_postgres()
    try:
        target = sa.MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.tables.values():
            table.to_metadata(target)
        products = target.tables["products"]
        products.append_column(sa.Column("colour", sa.String(20)))
        sa.Index("ix_products_name", products.c.name)
        products.append_constraint(sa.UniqueConstraint("name", name="uq_products_name"))
        products.c.currency.type = sa.String(8)

        differences = await _schema_differences(url, target)
    finally:
        databases.drop_postgres(url)

    kinds = sorted(_kind(diff) for diff in differences)
    assert kinds == ["add_column", "add_constraint", "add_index", "modify_type"]


async def test_draft_orders_migration_downgrades_to_0028_and_back(empty_url: str) -> None:
    await upgrade(empty_url)
    assert "draft_orders" in await _table_names(empty_url)

    await downgrade(empty_url, "0028")
    assert "draft_orders" not in await _table_names(empty_url)
    assert "orders" in await _table_names(empty_url)

    await upgrade(empty_url)
    assert await _schema_differences(empty_url, metadata) == []


async def test_exchanges_migration_adds_and_removes_only_the_exchanges_table(
    empty_url: str,
) -> None:
    await upgrade(empty_url, "0029")
    before = await _table_names(empty_url)
    assert "exchanges" not in before

    await upgrade(empty_url, "0030")
    assert await _table_names(empty_url) == before | {"exchanges"}
    columns = await _inspect(
        empty_url, lambda insp: {c["name"] for c in insp.get_columns("exchanges")}
    )
    assert {"original_order_id", "replacement_order_id", "return_id", "settlement"} <= columns

    await downgrade(empty_url, "0029")
    assert await _table_names(empty_url) == before
