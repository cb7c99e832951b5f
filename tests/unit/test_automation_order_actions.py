"""The confirm and chooseCarrierService actions of automation rules, on fakes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordergraph.domain.automation import (
    ActionKind,
    ActionSpec,
    ActionStatus,
    PastEvent,
    RunOutcome,
    check_actions,
)
from ordergraph.domain.carrier_services import ChosenBy
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.orders import Order, OrderStatus, PaymentStatus
from ordergraph.services.automation import ClaimedRun, create_rule, execute_run
from ordergraph.services.cancellation import expire_unpaid_orders
from ordergraph.services.carrier_services import (
    LaneSpec,
    RateSpec,
    choose_carrier_service,
    create_carrier_service,
)
from tests.unit.fakes import ADMIN, Shop
from tests.unit.tee_shop import place_tee_order, tee_shop

CONFIRM = ActionSpec(ActionKind.CONFIRM)
HOLD = ActionSpec(ActionKind.HOLD, {"type": "FRAUD_REVIEW", "reason": "check first"})


@pytest.fixture
async def shop() -> Shop:
    return await tee_shop()


async def place(shop: Shop) -> int:
    return await place_tee_order(shop)


async def service(
    shop: Shop, name: str, price: str, *, origin: str = "EU-WEST", active: bool = True
) -> int:
    created = await create_carrier_service(
        shop.deps,
        ADMIN,
        carrier="DHL",
        service=name,
        lanes=[LaneSpec(origin, 1, 2, destination_country="NL")],
        rates=[RateSpec(30000, Decimal(price), "EUR")],
        active=active,
    )
    assert created.id is not None
    return created.id


async def run(shop: Shop, order_id: int, *actions: ActionSpec, event_id: int = 1) -> RunOutcome:
    rule = await create_rule(
        shop.deps,
        ADMIN,
        name=f"rule-{event_id}",
        trigger="order.placed",
        condition="true",
        actions=list(actions),
    )
    assert rule.id is not None
    event = PastEvent(event_id, order_id, "order.placed", {}, shop.clock.now())
    return await execute_run(shop.deps, ClaimedRun(event_id, rule.id, event, shop.clock.now()))


def order_of(shop: Shop, order_id: int) -> Order:
    [order] = [o for o in shop.store.orders if o.id == order_id]
    return order


def choose(service_id: int) -> ActionSpec:
    return ActionSpec(ActionKind.CHOOSE_CARRIER_SERVICE, {"carrierServiceId": service_id})


def test_choose_carrier_service_needs_a_service() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_actions([ActionSpec(ActionKind.CHOOSE_CARRIER_SERVICE, {})])
    assert caught.value.code == "REQUIRED"
    assert caught.value.field == ("actions", "0", "carrierServiceId")
    assert check_actions([CONFIRM]) == [CONFIRM]


async def test_confirm_routes_the_order_without_payment_and_it_no_longer_expires(
    shop: Shop,
) -> None:
    order_id = await place(shop)
    outcome = await run(shop, order_id, CONFIRM)
    assert [a.status for a in outcome.actions] == [ActionStatus.OK]
    order = order_of(shop, order_id)
    assert order.status is OrderStatus.CONFIRMED
    assert order.payment_status is PaymentStatus.PENDING
    assert order.expires_at is None
    fulfillments = [f for f in shop.store.fulfillments if f.order_id == order_id]
    assert [f.warehouse_id for f in fulfillments] == [shop.warehouses["AMS"]]
    [confirmed] = [e for e in shop.store.state.outbox if e.type == "order.confirmed"]
    assert confirmed.actor.startswith("rule:")
    assert confirmed.payload["paymentStatus"] == "PENDING"
    assert confirmed.payload["paymentTerms"] is True

    shop.clock.advance(timedelta(days=30))
    assert await expire_unpaid_orders(shop.deps) == 0
    assert order_of(shop, order_id).status is OrderStatus.CONFIRMED


async def test_confirm_fails_with_a_reason_unless_the_order_is_placed(shop: Shop) -> None:
    order_id = await place(shop)
    await run(shop, order_id, CONFIRM)
    again = await run(shop, order_id, CONFIRM, event_id=2)
    [action] = again.actions
    assert action.status is ActionStatus.FAILED
    assert action.message is not None
    assert "is CONFIRMED and cannot become CONFIRMED" in action.message


async def test_confirm_fails_with_a_reason_while_the_order_is_on_hold(shop: Shop) -> None:
    order_id = await place(shop)
    outcome = await run(shop, order_id, HOLD, CONFIRM)
    assert [a.status for a in outcome.actions] == [ActionStatus.OK, ActionStatus.FAILED]
    assert "on hold (FRAUD_REVIEW)" in (outcome.actions[1].message or "")
    order = order_of(shop, order_id)
    assert order.status is OrderStatus.PLACED
    assert not [f for f in shop.store.fulfillments if f.order_id == order_id]


async def test_a_chosen_service_is_the_orders_option_and_the_carrier_policy_prefers_it(
    shop: Shop,
) -> None:
    await service(shop, "ECONOMY", "4.95")
    express = await service(shop, "EXPRESS", "14.95")
    order_id = await place(shop)
    placed = shop.store.state.order_options[order_id]
    assert (placed.service, placed.chosen_by) == ("ECONOMY", ChosenBy.CHEAPEST)

    outcome = await run(shop, order_id, choose(express), CONFIRM)
    assert [a.status for a in outcome.actions] == [ActionStatus.OK, ActionStatus.OK]
    assert outcome.actions[0].message == "DHL EXPRESS"
    option = shop.store.state.order_options[order_id]
    assert (option.carrier_service_id, option.chosen_by) == (express, ChosenBy.RULE)
    assert option.price == placed.price  # what the customer paid stays
    assert option.window == placed.window

    async with shop.deps.uow() as uow:
        order = await uow.orders.get(order_id)
        warehouse = await uow.warehouses.get(shop.warehouses["AMS"])
        assert order is not None
        assert warehouse is not None
        choice = await choose_carrier_service(
            uow, shop.deps, order=order, warehouse=warehouse, weight_grams=0, now=shop.clock.now()
        )
    assert choice is not None
    assert choice.chosen.service.id == express


async def test_an_order_placed_without_an_option_keeps_its_shipping_total(shop: Shop) -> None:
    order_id = await place(shop)
    assert order_id not in shop.store.state.order_options
    express = await service(shop, "EXPRESS", "14.95")
    outcome = await run(shop, order_id, choose(express))
    assert outcome.actions[0].status is ActionStatus.OK
    option = shop.store.state.order_options[order_id]
    assert option.chosen_by is ChosenBy.RULE
    assert option.price == order_of(shop, order_id).shipping_total
    assert option.window.earliest > shop.clock.now()


async def test_choosing_an_unknown_service_fails_with_a_reason(shop: Shop) -> None:
    order_id = await place(shop)
    [action] = (await run(shop, order_id, choose(9999))).actions
    assert (action.status, action.message) == (ActionStatus.FAILED, "no such carrier service")


async def test_choosing_an_inactive_service_fails_with_a_reason(shop: Shop) -> None:
    order_id = await place(shop)
    idle = await service(shop, "IDLE", "1.00", active=False)
    [action] = (await run(shop, order_id, choose(idle))).actions
    assert action.status is ActionStatus.FAILED
    assert action.message == "carrier service DHL IDLE is inactive"
    assert order_id not in shop.store.state.order_options


async def test_choosing_a_service_off_the_orders_lane_fails_with_a_reason(shop: Shop) -> None:
    cheapest = await service(shop, "ECONOMY", "4.95")
    elsewhere = await service(shop, "EAST", "2.00", origin="EU-EAST")
    order_id = await place(shop)
    [action] = (await run(shop, order_id, choose(elsewhere))).actions
    assert action.status is ActionStatus.FAILED
    assert action.message == "DHL EAST does not serve EU-WEST → EU-WEST"
    assert shop.store.state.order_options[order_id].carrier_service_id == cheapest


async def test_choosing_a_service_for_a_cancelled_order_fails_with_a_reason(shop: Shop) -> None:
    express = await service(shop, "EXPRESS", "14.95")
    order_id = await place(shop)
    shop.clock.advance(timedelta(days=30))
    assert await expire_unpaid_orders(shop.deps) == 1
    [action] = (await run(shop, order_id, choose(express))).actions
    assert action.status is ActionStatus.FAILED
    assert "is CANCELLED: nothing left to ship" in (action.message or "")
