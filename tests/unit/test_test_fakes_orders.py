"""The in-memory order, payment and reservation ports behave like the SQL ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.customers import Address, Customer
from ordergraph.domain.inventory import AdjustmentReason, StockAdjustment
from ordergraph.domain.money import Money
from ordergraph.domain.orders import (
    Channel,
    Hold,
    HoldType,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)
from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus
from ordergraph.domain.ports import StoredAllocation, UnitOfWork
from ordergraph.domain.routing import Allocation
from ordergraph.services import stock_ledger
from tests.unit.fakes import DEFAULT_NOW, FakeStore

LATER = DEFAULT_NOW + timedelta(hours=1)


def new_order(number: str = "OG-1", expires_in: timedelta | None = timedelta(minutes=30)) -> Order:
    return Order(
        id=None,
        number=number,
        status=OrderStatus.PLACED,
        payment_status=PaymentStatus.PENDING,
        channel=Channel.WEB,
        customer_id=None,
        email="ann@example.com",
        contact_name=None,
        phone=None,
        currency="EUR",
        lines=[OrderLine(None, "TEE", "Tee", 2, Money(1000, "EUR"))],
        shipping_total=Money(0, "EUR"),
        shipping_address=Address("Ann", "Main 1", None, "Amsterdam", None, None, "NL", None),
        placed_by="storefront:web",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
        expires_at=DEFAULT_NOW + expires_in if expires_in is not None else None,
        routing={"candidates": [], "allocations": []},
    )


def product(sku: str, *, backorder_limit: int | None = None) -> Product:
    return Product.create(
        sku=sku,
        name=sku,
        price=Money(1000, "EUR"),
        weight_grams=1,
        allow_backorder=backorder_limit is not None,
        backorder_limit=backorder_limit,
        now=DEFAULT_NOW,
    )


async def stocked(uow: UnitOfWork, sku: str, quantity: int) -> int:
    warehouse = await uow.warehouses.add(
        Warehouse.create(
            code=f"W-{sku}",
            name="W",
            region="EU-WEST",
            country_code="NL",
            priority=1,
            now=DEFAULT_NOW,
        )
    )
    assert warehouse.id is not None
    await uow.products.add(product(sku))
    adjustment = StockAdjustment.create(
        sku=sku,
        warehouse_id=warehouse.id,
        delta=quantity,
        reason=AdjustmentReason.RECEIVED,
        note=None,
    )
    await stock_ledger.adjust(uow, adjustment, actor="test", now=DEFAULT_NOW)
    return warehouse.id


async def test_reserving_more_than_is_available_changes_nothing() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        wid = await stocked(uow, "TEE", 3)
        assert await stock_ledger.reserve(
            uow, sku="TEE", warehouse_id=wid, quantity=2, actor="test", reference=None, now=LATER
        )
        assert not await stock_ledger.reserve(
            uow, sku="TEE", warehouse_id=wid, quantity=2, actor="test", reference=None, now=LATER
        )
        assert not await stock_ledger.reserve(
            uow, sku="GHOST", warehouse_id=wid, quantity=1, actor="test", reference=None, now=LATER
        )
        assert await uow.inventory.availability(["TEE", "GHOST"]) == {("TEE", wid): 1}
        await uow.commit()
    level = store.levels[("TEE", wid)]
    assert (level.on_hand, level.reserved, level.updated_at) == (3, 2, LATER)


async def test_releasing_more_than_is_reserved_is_an_error() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        wid = await stocked(uow, "TEE", 3)
        await stock_ledger.reserve(
            uow, sku="TEE", warehouse_id=wid, quantity=2, actor="test", reference=None, now=LATER
        )
        await stock_ledger.release(
            uow, sku="TEE", warehouse_id=wid, quantity=1, actor="test", reference=None, now=LATER
        )
        with pytest.raises(RuntimeError):
            await stock_ledger.release(
                uow,
                sku="TEE",
                warehouse_id=wid,
                quantity=2,
                actor="test",
                reference=None,
                now=LATER,
            )
        assert await uow.inventory.availability(["TEE"]) == {("TEE", wid): 2}


async def test_a_backorderable_product_is_available_in_every_warehouse_up_to_its_limit() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        wid = await stocked(uow, "TEE", 1)
        await uow.products.add(product("PRE", backorder_limit=3))
        assert await uow.inventory.availability(["PRE"]) == {("PRE", wid): 3}
        assert not await stock_ledger.reserve(
            uow, sku="PRE", warehouse_id=wid, quantity=4, actor="test", reference=None, now=LATER
        )
        assert await stock_ledger.reserve(
            uow, sku="PRE", warehouse_id=wid, quantity=3, actor="test", reference=None, now=LATER
        )
        assert await uow.inventory.availability(["PRE"]) == {("PRE", wid): 0}


async def test_customers_are_found_by_id() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        customer = await uow.customers.add(
            Customer.create(email="bo@example.com", name="Bo", phone=None, address=None, now=LATER)
        )
        assert customer.id is not None
        found = await uow.customers.get(customer.id)
        assert found is not None
        assert found.email == "bo@example.com"
        assert await uow.customers.get(customer.id + 1) is None


async def test_order_numbers_come_from_a_sequence_a_rollback_does_not_rewind() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        assert await uow.orders.next_number() == "OG-100001"
        await uow.rollback()
        assert await uow.orders.next_number() == "OG-100002"


async def test_an_added_order_gets_ids_and_reads_back_as_a_copy() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        order = await uow.orders.add(new_order())
        assert order.id is not None
        assert order.lines[0].id is not None
        read = await uow.orders.get(order.id)
        assert read == order
        assert read is not None
        read.status = OrderStatus.CANCELLED
        read.lines[0].quantity = 99
        assert read.routing is not None
        read.routing["candidates"].append("x")
        order.lines[0].quantity = 98
        again = await uow.orders.get(order.id)
        assert again is not None
        assert (again.status, again.lines[0].quantity) == (OrderStatus.PLACED, 2)
        assert again.routing == {"candidates": [], "allocations": []}
        assert await uow.orders.get(order.id + 1) is None


async def test_saving_writes_state_and_holds_but_not_lines() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        order = await uow.orders.add(new_order())
        assert order.id is not None
        order.confirm(PaymentStatus.AUTHORIZED, LATER, "staff:ann")
        order.place_hold(Hold(None, HoldType.OTHER, None, LATER, "staff:ann"), LATER)
        order.lines[0].quantity = 50
        await uow.orders.save(order)
        assert order.holds[0].id is not None
        await uow.commit()
    [stored] = store.orders
    assert (stored.status, stored.payment_status, stored.confirmed_at, stored.expires_at) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.AUTHORIZED,
        LATER,
        None,
    )
    assert stored.version == order.version
    assert stored.lines[0].quantity == 2
    assert stored.pending_events == []
    assert [(h.id, h.type, h.active) for h in stored.holds] == [
        (order.holds[0].id, HoldType.OTHER, True)
    ]

    async with store.unit_of_work() as uow:
        assert stored.id is not None
        loaded = await uow.orders.get(stored.id, for_update=True)
        assert loaded is not None
        loaded.release_hold(HoldType.OTHER, LATER, "staff:bob")
        await uow.orders.save(loaded)
        await uow.commit()
    [released] = store.orders[0].holds
    assert (released.released_at, released.released_by) == (LATER, "staff:bob")


async def test_allocations_are_listed_in_sku_and_warehouse_order_until_released() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        order = await uow.orders.add(new_order())
        other = await uow.orders.add(new_order("OG-2"))
        assert order.id is not None
        assert other.id is not None
        rows = [
            StoredAllocation(1, Allocation("TEE", 2, 1)),
            StoredAllocation(2, Allocation("MUG", 1, 1)),
            StoredAllocation(1, Allocation("TEE", 1, 1)),
        ]
        await uow.orders.add_allocations(order.id, rows)
        await uow.orders.add_allocations(other.id, [StoredAllocation(3, Allocation("CAP", 1, 1))])
        assert await uow.orders.active_allocations(order.id) == [rows[1], rows[2], rows[0]]
        await uow.orders.release_allocations(order.id, LATER)
        assert await uow.orders.active_allocations(order.id) == []
        assert len(await uow.orders.active_allocations(other.id)) == 1


async def test_only_open_fulfillments_are_cancelled() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        order = await uow.orders.add(new_order())
        assert order.id is not None
        lines = [StoredAllocation(1, Allocation("TEE", 1, 2))]
        first = await uow.orders.add_fulfillment(order.id, 1, lines, DEFAULT_NOW)
        second = await uow.orders.add_fulfillment(order.id, 2, lines, DEFAULT_NOW)
        assert first != second
        assert await uow.orders.cancel_open_fulfillments(order.id, LATER) == 2
        assert await uow.orders.cancel_open_fulfillments(order.id, LATER) == 0
        await uow.commit()
    assert {(f.status.value, f.updated_at) for f in store.fulfillments} == {("CANCELLED", LATER)}


async def test_expired_unpaid_lists_placed_orders_past_expiry_oldest_first() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        late = await uow.orders.add(new_order("OG-1", timedelta(minutes=30)))
        early = await uow.orders.add(new_order("OG-2", timedelta(minutes=10)))
        fresh = await uow.orders.add(new_order("OG-3", timedelta(hours=2)))
        never = await uow.orders.add(new_order("OG-4", None))
        confirmed = await uow.orders.add(new_order("OG-5", timedelta(minutes=5)))
        confirmed.confirm(PaymentStatus.PAID, DEFAULT_NOW, "staff:ann")
        confirmed.expires_at = DEFAULT_NOW
        await uow.orders.save(confirmed)
        assert await uow.orders.expired_unpaid(LATER, 10) == [early.id, late.id]
        assert await uow.orders.expired_unpaid(LATER, 1) == [early.id]
        assert {fresh.id, never.id, confirmed.id}.isdisjoint(
            await uow.orders.expired_unpaid(LATER + timedelta(minutes=59), 10)
        )


async def test_payments_get_ids_and_are_listed_per_order() -> None:
    store = FakeStore()

    def transaction(order_id: int, kind: TransactionKind) -> PaymentTransaction:
        return PaymentTransaction(
            None,
            order_id,
            "test",
            kind,
            TransactionStatus.SUCCESS,
            Money(100, "EUR"),
            "ref",
            None,
            None,
            DEFAULT_NOW,
        )

    async with store.unit_of_work() as uow:
        auth = await uow.payments.add(transaction(1, TransactionKind.AUTHORIZE))
        await uow.payments.add(transaction(2, TransactionKind.SALE))
        capture = await uow.payments.add(transaction(1, TransactionKind.CAPTURE))
        assert auth.id is not None
        assert capture.id is not None
        assert auth.id < capture.id
        assert await uow.payments.for_order(1) == [auth, capture]
        await uow.commit()
    assert len(store.payments) == 3


async def test_orders_added_without_a_commit_are_discarded() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        await uow.orders.add(new_order())
        await uow.payments.add(
            PaymentTransaction(
                None,
                1,
                "test",
                TransactionKind.SALE,
                TransactionStatus.SUCCESS,
                Money(1, "EUR"),
                None,
                None,
                None,
                DEFAULT_NOW,
            )
        )
    assert (store.orders, store.payments) == ([], [])
