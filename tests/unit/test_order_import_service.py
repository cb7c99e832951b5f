"""Use case: importing an order taken elsewhere, on the in-memory fakes."""

from __future__ import annotations

from typing import Any

import pytest

from ordergraph.domain.channels import ImportedDifferently, RawImportLine, RawMoney
from ordergraph.domain.errors import Forbidden, InsufficientStock, InvalidInput, NotFound
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.orders import Channel, OrderStatus, OutOfStock, PaymentStatus
from ordergraph.domain.payments import TransactionStatus
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.services import stock_ledger
from ordergraph.services.order_import import Imported, import_order
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address

DESK = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.ORDERS_WRITE})),
    name="desk",
    token_id=904,
)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 4)
    return shop


def eur(amount: str) -> RawMoney:
    return RawMoney(amount, "EUR")


async def bring_in(shop: Shop, actor: Principal = ADMIN, **changes: Any) -> Imported:
    values: dict[str, Any] = {
        "source": "bol",
        "external_id": "B-1",
        "channel": Channel.MARKETPLACE,
        "lines": [RawImportLine("TEE", 2, eur("15.00"))],
        "shipping_address": address(),
        "email": "ann@example.com",
    }
    values.update(changes)
    return await import_order(shop.deps, actor, **values)


def level(shop: Shop, code: str) -> tuple[int, int]:
    found = shop.store.levels[("TEE", shop.warehouses[code])]
    return found.on_hand, found.reserved


async def test_an_unpaid_import_reserves_stock_at_the_channels_price(shop: Shop) -> None:
    done = await bring_in(shop)

    order = done.order
    assert not done.replayed
    assert (order.status, order.payment_status) == (OrderStatus.PLACED, PaymentStatus.PENDING)
    assert order.lines[0].unit_price.minor_units == 1500
    assert (order.source, order.external_id) == ("bol", "B-1")
    assert order.expires_at is None
    assert level(shop, "AMS") == (5, 2)
    assert [e.type for e in shop.store.state.outbox if e.type.startswith("order.")] == [
        "order.placed",
        "order.imported",
    ]


async def test_a_paid_import_is_confirmed_with_an_external_captured_payment(shop: Shop) -> None:
    done = await bring_in(shop, paid_amount=eur("30.00"))

    assert (done.order.status, done.order.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PAID,
    )
    (payment,) = shop.store.payments
    assert (payment.gateway, payment.status, payment.amount.minor_units) == (
        "external",
        TransactionStatus.SUCCESS,
        3000,
    )
    assert payment.settled_at is not None
    assert len(shop.store.fulfillments) == 1


async def test_a_replay_returns_the_first_order_and_writes_nothing(shop: Shop) -> None:
    first = await bring_in(shop)
    commits = shop.store.commits

    again = await bring_in(shop)

    assert again.replayed
    assert again.order.id == first.order.id
    assert len(shop.store.orders) == 1
    assert level(shop, "AMS") == (5, 2)
    assert shop.store.commits == commits + 1  # a read-only transaction, nothing in it


async def test_other_content_under_the_same_id_is_refused_naming_the_first_order(
    shop: Shop,
) -> None:
    first = await bring_in(shop)

    with pytest.raises(ImportedDifferently) as refused:
        await bring_in(shop, lines=[RawImportLine("TEE", 3, eur("15.00"))])

    assert refused.value.order_id == first.order.id
    assert len(shop.store.orders) == 1


async def test_a_counter_sale_hands_the_goods_over_from_the_shop(shop: Shop) -> None:
    done = await bring_in(
        shop,
        source="pos-ber",
        channel=Channel.STORE,
        shipping_address=None,
        email=None,
        already_fulfilled=True,
        warehouse_id=shop.warehouses["BER"],
        paid_amount=eur("30.00"),
    )

    order = done.order
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.PAID)
    assert order.customer_id is None
    assert order.shipping_address.country_code == "DE"
    assert level(shop, "BER") == (2, 0)
    assert level(shop, "AMS") == (5, 0)
    assert shop.store.fulfillments == []
    (movement,) = [m for m in shop.store.movements if m.reference == f"order:{order.number}"]
    assert (movement.kind, movement.field, movement.delta) == (
        MovementKind.SALE,
        LevelField.ON_HAND,
        -2,
    )


async def test_a_counter_sale_may_take_units_held_back_as_safety_stock(shop: Shop) -> None:
    async with shop.store.unit_of_work() as uow:
        await stock_ledger.set_safety_stock(
            uow,
            sku="TEE",
            warehouse_id=shop.warehouses["BER"],
            quantity=4,
            actor="admin:ops",
            now=shop.clock.now(),
        )
        await uow.commit()

    done = await bring_in(
        shop,
        shipping_address=None,
        already_fulfilled=True,
        warehouse_id=shop.warehouses["BER"],
    )

    assert done.order.status is OrderStatus.DELIVERED
    assert level(shop, "BER") == (2, 0)


async def test_a_counter_sale_with_too_little_on_hand_changes_nothing(shop: Shop) -> None:
    with pytest.raises(InsufficientStock):
        await bring_in(
            shop,
            lines=[RawImportLine("TEE", 5, eur("1.00"))],
            shipping_address=None,
            already_fulfilled=True,
            warehouse_id=shop.warehouses["BER"],
        )
    assert shop.store.orders == []
    assert level(shop, "BER") == (4, 0)


async def test_an_import_that_ships_needs_stock_like_any_order(shop: Shop) -> None:
    with pytest.raises(OutOfStock):
        await bring_in(shop, lines=[RawImportLine("TEE", 10, eur("1.00"))])
    assert shop.store.orders == []


async def test_an_address_or_a_shop_is_required(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as no_address:
        await bring_in(shop, shipping_address=None)
    assert no_address.value.field == ("shippingAddress",)
    with pytest.raises(InvalidInput) as no_shop:
        await bring_in(shop, shipping_address=None, already_fulfilled=True)
    assert no_shop.value.field == ("warehouseId",)
    with pytest.raises(NotFound):
        await bring_in(shop, warehouse_id=999)


async def test_the_buyer_becomes_a_customer_found_again_by_email(shop: Shop) -> None:
    one = await bring_in(shop, external_id="B-1")
    two = await bring_in(shop, external_id="B-2")

    assert one.order.customer_id is not None
    assert one.order.customer_id == two.order.customer_id
    assert len(shop.store.customers) == 1


async def test_a_staff_member_taking_a_phone_order_is_its_sales_rep(shop: Shop) -> None:
    done = await bring_in(shop, actor=DESK, channel=Channel.PHONE)
    assert done.order.sales_rep == "desk"


async def test_only_callers_that_write_orders_may_import(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        await bring_in(shop, actor=STOREFRONT)
    assert shop.store.orders == []
