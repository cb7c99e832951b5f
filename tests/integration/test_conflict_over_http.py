"""Exhausted conflict retries reach the client as a ``CONFLICT`` userError, over real HTTP
against uvicorn on PostgreSQL — not as a masked 500."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.services.deps import Deps
from tests.integration.test_payment_money_bugs import order_row, placed
from tests.support.graphql import GraphQLClient
from tests.support.live import live_api

CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { field message code } }
}"""


async def test_a_cancel_that_keeps_conflicting_is_a_conflict_user_error(
    pg_url: str, pg_deps: Deps, pg_engine: AsyncEngine, unique: str
) -> None:
    order = await placed(pg_deps, unique, {"VASE": "25.00"})
    assert order.id is not None
    async with pg_engine.begin() as conn:  # every write to this order: SQLSTATE 40001
        await conn.execute(
            sa.text(
                "CREATE FUNCTION always_conflict() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; "
                "END $$ LANGUAGE plpgsql"
            )
        )
        await conn.execute(
            sa.text(
                "CREATE TRIGGER conflicts BEFORE UPDATE ON orders FOR EACH ROW "
                f"WHEN (OLD.id = {order.id}) EXECUTE FUNCTION always_conflict()"
            )
        )
    with live_api("postgresql", pg_url, ORDERGRAPH_ENV="development") as api:
        async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
            client = GraphQLClient(http, api.admin_token)
            order_gid = await client.data(
                "query($n: String!) { orders(filter: {search: $n}) { nodes { id } } }",
                {"n": order.number},
            )
            [node] = order_gid["orders"]["nodes"]
            response = await client.execute(
                CANCEL, {"input": {"orderId": node["id"], "reason": "never mind"}}
            )

    assert response.status == 200
    assert "errors" not in response.body
    payload = response.body["data"]["cancelOrder"]
    assert payload["order"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "CONFLICT"
    assert "try again" in error["message"]
    assert await order_row(pg_engine, order.id) == ("PLACED", "PENDING")
