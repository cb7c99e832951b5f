"""createExchange on the fake unit of work: one linked return and replacement, money by the
difference, the replacement's hold lifted (and any refund paid) when the return comes in."""

from __future__ import annotations

from typing import Any

import pytest

from ordergraph.domain.errors import DomainError, NotFound
from ordergraph.domain.exchanges import ExchangeSettlement, NewLine
from ordergraph.domain.order_changes import ChangeKind
from ordergraph.domain.orders import HoldType, OrderStatus, PaymentStatus
from ordergraph.domain.payments import TransactionKind, TransactionStatus
from ordergraph.domain.refunds import RefundNotPossible, RefundStatus
from ordergraph.domain.returns import (
    RequestedReturnLine,
    ReturnDisposition,
    ReturnReason,
    ReturnStatus,
)
from ordergraph.services.exchanges import ExchangeOutcome, create_exchange
from ordergraph.services.refunds import refund_order
from ordergraph.services.returns import Receipt, receive_return
from tests.unit.fakes import ADMIN, Shop


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99")
    await shop.add_product("TEE-L", "19.99")
    await shop.add_product("MUG", "12.50")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE-L", "AMS", 5)
    await shop.receive("MUG", "AMS", 5)
    return shop


def line_id(shop: Shop, order_id: int, sku: str) -> int:
    (found,) = [line.id for line in shop.store.order(order_id).lines if line.sku == sku]
    assert found is not None
    return found


async def exchange(
    shop: Shop,
    order_id: int,
    returned: tuple[str, int],
    new: list[tuple[str, int]],
    **extra: Any,
) -> ExchangeOutcome:
    sku, quantity = returned
    return await create_exchange(
        shop.deps,
        ADMIN,
        order_id=order_id,
        return_lines=[
            RequestedReturnLine(line_id(shop, order_id, sku), quantity, ReturnReason.SIZE_FIT)
        ],
        new_lines=[NewLine(s, q) for s, q in new],
        **extra,
    )


def snapshot(shop: Shop) -> tuple[Any, ...]:
    s = shop.store
    return (s.returns, shop.stock(), s.orders, s.payments, s.outbox, len(s.movements))


async def receive_all(shop: Shop, outcome: ExchangeOutcome) -> None:
    assert outcome.rma.id is not None
    await receive_return(
        shop.deps,
        ADMIN,
        return_id=outcome.rma.id,
        receipts=[
            Receipt(line.id or 0, line.quantity, ReturnDisposition.RESTOCK)
            for line in outcome.rma.lines
        ],
    )


async def test_an_even_exchange_links_an_approved_return_to_a_paid_held_replacement(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    version = shop.store.order(order_id).version
    payments = len(shop.store.payments)
    reserved = shop.level("TEE-L", "AMS").reserved

    done = await exchange(shop, order_id, ("TEE", 1), [("TEE-L", 1)])

    assert done.terms.settlement is ExchangeSettlement.NONE
    assert done.rma.status is ReturnStatus.APPROVED
    replacement = shop.store.order(done.exchange.replacement_order_id)
    assert (replacement.status, replacement.payment_status) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PAID,
    )
    assert replacement.shipping_total.minor_units == 0
    assert [h.type for h in replacement.active_holds] == [HoldType.AWAITING_RETURN]
    assert shop.level("TEE-L", "AMS").reserved == reserved + 1
    assert len(shop.store.payments) == payments  # no money moved
    original = shop.store.order(order_id)
    assert original.version == version + 1
    async with shop.deps.uow() as uow:
        changes = await uow.order_changes.for_order(order_id)
    assert [(c.kind, c.order_version) for c in changes] == [(ChangeKind.EXCHANGE, version + 1)]
    for oid in (order_id, replacement.id):
        assert "order.exchange_created" in [e.type for e in shop.store.outbox if e.order_id == oid]


async def test_a_dearer_replacement_is_charged_first_and_the_charge_is_its_payment(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("MUG", 1)])
    done = await exchange(shop, order_id, ("MUG", 1), [("TEE", 1)], payment_token="tok_ok")

    assert done.terms.settlement is ExchangeSettlement.CHARGE
    replacement_id = done.exchange.replacement_order_id
    (charge,) = [t for t in shop.store.payments if t.order_id == replacement_id]
    assert (charge.kind, charge.status, charge.amount) == (
        TransactionKind.SALE,
        TransactionStatus.SUCCESS,
        done.terms.difference,
    )
    assert charge.settled_at is not None


async def test_a_dearer_replacement_without_a_token_or_with_a_declined_card_writes_nothing(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("MUG", 1)])
    before = snapshot(shop)
    with pytest.raises(DomainError) as required:
        await exchange(shop, order_id, ("MUG", 1), [("TEE", 1)])
    assert (required.value.code, required.value.field) == ("PAYMENT_REQUIRED", ("paymentToken",))
    assert snapshot(shop) == before

    with pytest.raises(DomainError) as declined:
        await exchange(shop, order_id, ("MUG", 1), [("TEE", 1)], payment_token="tok_declined")
    assert declined.value.code == "PAYMENT_DECLINED"
    assert shop.store.returns == before[0]
    assert shop.stock() == before[1]
    assert len(shop.store.orders) == len(before[2])


async def test_a_cheaper_replacement_is_refunded_once_and_released_when_the_return_arrives(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    done = await exchange(shop, order_id, ("TEE", 1), [("MUG", 1)])
    assert done.terms.settlement is ExchangeSettlement.REFUND_ON_RECEIPT
    assert [r for r in shop.store.refunds if r.order_id == order_id] == []

    await receive_all(shop, done)

    replacement = shop.store.order(done.exchange.replacement_order_id)
    assert replacement.active_holds == []
    (refund,) = [r for r in shop.store.refunds if r.order_id == order_id]
    assert refund.status is RefundStatus.SUCCEEDED
    assert refund.breakdown.total.minor_units == -done.terms.difference.minor_units
    with pytest.raises(RefundNotPossible) as refused:
        await refund_order(shop.deps, ADMIN, order_id=order_id, return_id=done.rma.id)
    assert refused.value.code == "EXCHANGE_RETURN"


async def test_shipping_first_places_no_hold_and_a_dry_run_writes_nothing(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    before = snapshot(shop)
    preview = await exchange(shop, order_id, ("TEE", 1), [("TEE-L", 1)], dry_run=True)
    assert preview.dry_run
    assert preview.terms.settlement is ExchangeSettlement.NONE
    assert snapshot(shop) == before

    done = await exchange(
        shop, order_id, ("TEE", 1), [("TEE-L", 1)], ship_before_return_received=True
    )
    assert shop.store.order(done.exchange.replacement_order_id).active_holds == []


async def test_an_unknown_sku_is_refused_under_new_lines(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    before = snapshot(shop)
    with pytest.raises(NotFound) as caught:
        await exchange(shop, order_id, ("TEE", 1), [("NOPE", 1)])
    assert caught.value.field == ("newLines", "0", "sku")
    assert snapshot(shop) == before


async def test_a_later_line_refund_cannot_pay_back_exchanged_units_again(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    await exchange(shop, order_id, ("TEE", 1), [("TEE-L", 1)])
    tee = line_id(shop, order_id, "TEE")

    with pytest.raises(RefundNotPossible) as refused:
        await refund_order(shop.deps, ADMIN, order_id=order_id, lines={tee: 2})
    assert (refused.value.code, refused.value.field) == (
        "REFUND_QUANTITY_EXCEEDED",
        ("lines", "0", "quantity"),
    )

    done = await refund_order(shop.deps, ADMIN, order_id=order_id, lines={tee: 1})
    charged = shop.store.order(order_id).lines[0].charged.minor_units
    assert done.refund is not None
    assert [(x.quantity, x.amount.minor_units) for x in done.refund.breakdown.lines] == [
        (1, charged - charged // 2)
    ]
