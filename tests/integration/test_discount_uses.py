"""Usage limits hold against concurrency on real PostgreSQL: many transactions taking the last
uses of a code at once (each through the command runner, so 40001/40P01 retries are honoured)
never take more than the limits allow, and a use is given back exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import discount_usages, discounts
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.discounts import Discount, DiscountInvalid, DiscountKind
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.discounts import create_discount, give_back_uses, take_uses
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from tests.integration.conftest import deps_for, make_product, make_warehouse

ADDRESS: AddressFields = {
    "name": "Race Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


@pytest.fixture
async def race_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=25)
    try:
        yield engine
    finally:
        await engine.dispose()


async def placed_orders(deps: Deps, unique: str, count: int) -> list[int]:
    """``count`` real orders to hold uses (a use row references its order)."""
    warehouse = await make_warehouse(deps, f"W-{unique}")
    await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=f"SKU-{unique}",
        warehouse_id=warehouse.id,
        delta=count,
        reason=AdjustmentReason.RECEIVED,
    )
    ids = []
    for i in range(count):
        order = await place_order(
            deps,
            SYSTEM,
            channel=Channel.WEB,
            lines=[RequestedLine(f"SKU-{unique}", 1)],
            shipping_address=ADDRESS,
            email=f"guest{i}@example.com",
        )
        assert order.id is not None
        ids.append(order.id)
    return ids


async def take_all_at_once(
    deps: Deps, discount: Discount, order_ids: Sequence[int], keys: Sequence[str]
) -> list[BaseException | None]:
    async def one(order_id: int, key: str) -> None:
        async def run(uow: UnitOfWork) -> None:
            await take_uses(
                uow,
                discounts=[discount],
                order_id=order_id,
                customer_key=key,
                now=deps.clock.now(),
            )

        await in_transaction(deps, run)

    return list(
        await asyncio.gather(
            *(one(o, k) for o, k in zip(order_ids, keys, strict=True)), return_exceptions=True
        )
    )


async def stored_counts(engine: AsyncEngine, discount_id: int) -> tuple[int, int]:
    """(discounts.times_used, uses held in discount_usages) as the database has them."""
    async with engine.connect() as conn:
        used = await conn.scalar(
            sa.select(discounts.c.times_used).where(discounts.c.id == discount_id)
        )
        held = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(discount_usages)
            .where(
                discount_usages.c.discount_id == discount_id,
                discount_usages.c.given_back_at.is_(None),
            )
        )
    return int(used or 0), int(held or 0)


def outcomes(results: Sequence[BaseException | None]) -> tuple[int, list[str]]:
    """(how many took a use, the messages of the refusals); anything else fails the test."""
    unexpected = [r for r in results if r is not None and not isinstance(r, DiscountInvalid)]
    assert unexpected == []
    refusals = [r.message for r in results if isinstance(r, DiscountInvalid)]
    return sum(1 for r in results if r is None), refusals


async def test_fifty_concurrent_takers_of_a_code_limited_to_ten_get_exactly_ten(
    race_engine: AsyncEngine, unique: str
) -> None:
    deps = deps_for(race_engine)
    orders = await placed_orders(deps, unique, 50)
    code = await create_discount(
        deps,
        SYSTEM,
        code=f"TEN-{unique}",
        name="Ten",
        kind=DiscountKind.PERCENTAGE,
        value="5",
        usage_limit=10,
    )
    assert code.id is not None

    results = await take_all_at_once(deps, code, orders, [f"email:{o}@x.example" for o in orders])

    taken, refusals = outcomes(results)
    assert taken == 10
    assert refusals == [f"TEN-{unique} has been used up"] * 40
    assert await stored_counts(race_engine, code.id) == (10, 10)


async def test_five_concurrent_orders_of_one_customer_with_a_limit_of_one_get_one(
    race_engine: AsyncEngine, unique: str
) -> None:
    deps = deps_for(race_engine)
    orders = await placed_orders(deps, unique, 5)
    code = await create_discount(
        deps,
        SYSTEM,
        code=f"ONE-{unique}",
        name="One each",
        kind=DiscountKind.PERCENTAGE,
        value="5",
        per_customer_limit=1,
    )
    assert code.id is not None

    results = await take_all_at_once(deps, code, orders, ["customer:42"] * 5)

    taken, refusals = outcomes(results)
    assert taken == 1
    assert len(refusals) == 4
    assert all("used up for this customer" in m for m in refusals)
    assert await stored_counts(race_engine, code.id) == (1, 1)


async def test_concurrent_give_backs_of_one_order_give_its_use_back_once(
    race_engine: AsyncEngine, unique: str
) -> None:
    deps = deps_for(race_engine)
    orders = await placed_orders(deps, unique, 2)
    code = await create_discount(
        deps,
        SYSTEM,
        code=f"BACK-{unique}",
        name="Back",
        kind=DiscountKind.PERCENTAGE,
        value="5",
        usage_limit=5,
    )
    assert code.id is not None
    assert outcomes(await take_all_at_once(deps, code, orders, ["customer:1", "customer:2"]))[0]
    assert await stored_counts(race_engine, code.id) == (2, 2)

    async def give_back() -> list[int]:
        async def run(uow: UnitOfWork) -> list[int]:
            return await give_back_uses(uow, order_id=orders[0], now=deps.clock.now())

        return await in_transaction(deps, run)

    given = await asyncio.gather(*(give_back() for _ in range(5)))

    assert sorted(given) == [[], [], [], [], [code.id]]
    assert await stored_counts(race_engine, code.id) == (1, 1)
