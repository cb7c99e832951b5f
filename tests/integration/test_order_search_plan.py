"""On PostgreSQL the order search (``OrderFilter.query``) is answered by trigram indexes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.orders import OrderFilterSpec, OrderSortField, orders_query

TRIGRAM_INDEXES = {
    "ix_orders_number_trgm",
    "ix_orders_email_trgm",
    "ix_orders_contact_name_trgm",
    "ix_order_lines_sku_trgm",
    "ix_shipments_tracking_number_trgm",
}


async def test_every_arm_of_the_search_uses_its_trigram_index(pg_engine: AsyncEngine) -> None:
    stmt, _keys = orders_query(OrderFilterSpec(query="ada_1%"), OrderSortField.CREATED_AT)
    sql = str(stmt.compile(dialect=pg_engine.dialect, compile_kwargs={"literal_binds": True}))
    async with pg_engine.connect() as conn:
        indexes = {
            row.indexname
            for row in await conn.execute(
                sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%trgm'")
            )
            if "gin_trgm_ops" in row.indexdef
        }
        # empty tables: without this the planner rightly prefers scanning them
        await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in await conn.execute(sa.text(f"EXPLAIN {sql}")))

    assert indexes == TRIGRAM_INDEXES
    assert "ILIKE" in plan.upper() or "~~*" in plan
    for name in TRIGRAM_INDEXES:
        assert f"Bitmap Index Scan on {name}" in plan, plan
