"""Use cases for returns: requesting under the policy, deciding, receiving stock back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordergraph.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.returns import (
    IllegalReturnTransition,
    RequestedReturnLine,
    Return,
    ReturnDisposition,
    ReturnLabel,
    ReturnLine,
    ReturnNotAllowed,
    ReturnReason,
    ReturnStatus,
)
from ordergraph.services.returns import (
    Receipt,
    ReturnOutcome,
    approve_return,
    receive_return,
    reject_return,
    request_return,
)
from tests.unit.fakes import ADMIN, Shop, delta_of

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


RETURNS_DESK = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.RETURNS_WRITE})),
    name="desk",
    token_id=930,
)
READ_ONLY = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
WINDOW = timedelta(days=30)
RESTOCK, DISCARD = ReturnDisposition.RESTOCK, ReturnDisposition.DISCARD
R = ReturnReason


def customer(customer_id: int, name: str = "ann") -> Principal:
    return Principal(
        role=Role.CUSTOMER,
        scopes=scopes_for(Role.CUSTOMER, None),
        name=name,
        customer_id=customer_id,
    )


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99")
    await shop.add_product("MUG", "12.50")
    await shop.add_product("FINAL", "5.00", returnable=False)
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    await shop.receive("MUG", "AMS", 3)
    await shop.receive("FINAL", "AMS", 5)
    return shop


def line_ids(shop: Shop, order_id: int) -> dict[str, int]:
    """SKU → order line id."""
    return {line.sku: line.id or 0 for line in shop.store.order(order_id).lines}


async def ask(
    shop: Shop,
    order_id: int,
    lines: list[tuple[str, int, ReturnReason]],
    *,
    actor: Principal = RETURNS_DESK,
    key: str | None = None,
) -> ReturnOutcome:
    ids = line_ids(shop, order_id)
    return await request_return(
        shop.deps,
        actor,
        order_id=order_id,
        lines=[RequestedReturnLine(ids[sku], qty, reason) for sku, qty, reason in lines],
        idempotency_key=key,
    )


def rma_id(outcome: ReturnOutcome) -> int:
    assert outcome.rma.id is not None
    return outcome.rma.id


def line_of(outcome: ReturnOutcome, sku: str) -> int:
    [found] = [x.id for x in outcome.rma.lines if x.sku == sku]
    assert found is not None
    return found


def snapshot(shop: Shop) -> tuple[Any, ...]:
    s = shop.store
    return (s.returns, s.levels, s.movements, s.outbox, s.orders, s.idempotency_records)


def refused_code(caught: pytest.ExceptionInfo[DomainError]) -> tuple[str, tuple[str, ...] | None]:
    return caught.value.code, caught.value.field


# request → approve → receive


async def test_a_requested_return_is_approved_with_a_label_and_restocked_where_it_shipped_from(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("TEE", 2), ("MUG", 1)])
    shop.clock.advance(timedelta(days=3))
    requested = await ask(shop, order_id, [("TEE", 2, R.SIZE_FIT)])
    assert requested.rma.status is ReturnStatus.REQUESTED
    assert requested.rma.number == f"{requested.order.number}-R1"
    assert requested.rma.requested_by == "staff:desk"
    label = ReturnLabel("DHL", "RT123", "https://labels.example/RT123", "drop at any DHL point")
    approved = await approve_return(
        shop.deps, RETURNS_DESK, return_id=rma_id(requested), label=label
    )
    assert (approved.rma.status, approved.rma.decided_at) == (
        ReturnStatus.APPROVED,
        shop.clock.now(),
    )
    assert shop.store.return_(rma_id(requested)).label == label

    ams = shop.warehouses["AMS"]
    on_hand = shop.level("TEE", "AMS").on_hand
    movements = len(shop.store.movements)
    shop.clock.advance(timedelta(days=2))
    received = await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=rma_id(requested),
        receipts=[Receipt(line_of(requested, "TEE"), 2, RESTOCK)],
    )
    assert (received.rma.status, received.rma.received_at) == (
        ReturnStatus.RECEIVED,
        shop.clock.now(),
    )
    assert shop.level("TEE", "AMS").on_hand == on_hand + 2
    [movement] = shop.store.movements[movements:]
    assert (movement.kind, movement.sku, movement.warehouse_id) == (
        MovementKind.RESTOCK,
        "TEE",
        ams,
    )
    assert (delta_of(movement, ON_HAND), delta_of(movement, RESERVED)) == (2, 0)
    assert (movement.actor, movement.reference) == ("staff:desk", f"return:{requested.rma.number}")
    [stored] = shop.store.returns
    assert (stored.status, [(x.received_quantity, x.restocked_quantity) for x in stored.lines]) == (
        ReturnStatus.RECEIVED,
        [(2, 2)],
    )
    events = [e.type for e in shop.store.outbox if e.order_id == order_id]
    assert events[-3:] == ["return.requested", "return.approved", "return.received"]


async def test_the_ledger_still_sums_to_the_levels_after_a_restock(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    requested = await ask(shop, order_id, [("TEE", 2, R.DAMAGED)])
    await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=rma_id(requested),
        receipts=[Receipt(line_of(requested, "TEE"), 1, RESTOCK)],
    )
    for (sku, warehouse_id), level in shop.store.levels.items():
        ledger = [m for m in shop.store.movements if (m.sku, m.warehouse_id) == (sku, warehouse_id)]
        assert sum(delta_of(m, ON_HAND) for m in ledger) == level.on_hand
        assert sum(delta_of(m, RESERVED) for m in ledger) == level.reserved


async def test_discarded_units_are_written_off_and_leave_on_hand_unchanged(shop: Shop) -> None:
    order_id = await shop.delivered_order([("MUG", 2)])
    requested = await ask(shop, order_id, [("MUG", 2, R.DAMAGED)])
    assert requested.rma.status is ReturnStatus.APPROVED  # damaged: approved on request
    before = shop.stock()
    movements = len(shop.store.movements)
    await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=rma_id(requested),
        receipts=[Receipt(line_of(requested, "MUG"), 2, DISCARD)],
    )
    assert shop.stock() == before
    [movement] = shop.store.movements[movements:]
    assert (movement.kind, delta_of(movement, ON_HAND), movement.warehouse_id) == (
        MovementKind.WRITE_OFF,
        0,
        shop.warehouses["AMS"],
    )
    assert "2 discarded" in (movement.note or "")
    [stored] = shop.store.returns
    assert [(x.received_quantity, x.discarded_quantity) for x in stored.lines] == [(2, 2)]


async def test_partial_receipts_keep_the_return_approved_then_receive_it(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 3), ("MUG", 1)])
    requested = await ask(shop, order_id, [("TEE", 3, R.WRONG_ITEM), ("MUG", 1, R.WRONG_ITEM)])
    tee, mug = line_of(requested, "TEE"), line_of(requested, "MUG")
    first = await receive_return(
        shop.deps, RETURNS_DESK, return_id=rma_id(requested), receipts=[Receipt(tee, 2, RESTOCK)]
    )
    assert (first.rma.status, first.rma.received_at) == (ReturnStatus.APPROVED, None)
    assert shop.store.outbox[-1].type == "return.partially_received"
    final = await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=rma_id(requested),
        receipts=[Receipt(tee, 1, DISCARD), Receipt(mug, 1, RESTOCK)],
    )
    assert final.rma.status is ReturnStatus.RECEIVED
    assert shop.store.outbox[-1].type == "return.received"
    [stored] = shop.store.returns
    assert [
        (x.sku, x.received_quantity, x.restocked_quantity, x.discarded_quantity)
        for x in stored.lines
    ] == [("TEE", 3, 2, 1), ("MUG", 1, 1, 0)]


async def test_units_can_be_restocked_at_another_warehouse(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.DAMAGED)])
    ams, ber = shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").on_hand
    await receive_return(
        shop.deps,
        RETURNS_DESK,
        return_id=rma_id(requested),
        receipts=[Receipt(line_of(requested, "TEE"), 1, RESTOCK, shop.warehouses["BER"])],
    )
    assert (shop.level("TEE", "AMS").on_hand, shop.level("TEE", "BER").on_hand) == (ams, ber + 1)
    assert shop.store.movements[-1].warehouse_id == shop.warehouses["BER"]


async def test_receiving_at_an_unknown_warehouse_is_not_found_and_changes_nothing(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.DAMAGED)])
    before = snapshot(shop)
    with pytest.raises(NotFound) as caught:
        await receive_return(
            shop.deps,
            RETURNS_DESK,
            return_id=rma_id(requested),
            receipts=[Receipt(line_of(requested, "TEE"), 1, RESTOCK, 999)],
        )
    assert caught.value.field == ("lines", "0", "warehouseId")
    assert snapshot(shop) == before


# receipts that are refused


async def test_receiving_more_than_outstanding_is_an_invalid_quantity(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    requested = await ask(shop, order_id, [("TEE", 2, R.DAMAGED)])
    tee = line_of(requested, "TEE")
    await receive_return(
        shop.deps, RETURNS_DESK, return_id=rma_id(requested), receipts=[Receipt(tee, 1, RESTOCK)]
    )
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await receive_return(
            shop.deps,
            RETURNS_DESK,
            return_id=rma_id(requested),
            receipts=[Receipt(tee, 2, RESTOCK)],
        )
    assert refused_code(caught) == ("INVALID_QUANTITY", ("lines", "0", "quantity"))
    assert snapshot(shop) == before


async def test_receiving_an_unknown_return_line_is_not_found(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.DAMAGED)])
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await receive_return(
            shop.deps,
            RETURNS_DESK,
            return_id=rma_id(requested),
            receipts=[Receipt(line_of(requested, "TEE") + 100, 1, RESTOCK)],
        )
    assert refused_code(caught) == ("NOT_FOUND", ("lines", "0", "returnLineId"))
    assert snapshot(shop) == before


async def test_receiving_the_same_line_twice_in_one_receipt_is_refused(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    requested = await ask(shop, order_id, [("TEE", 2, R.DAMAGED)])
    tee = line_of(requested, "TEE")
    before = snapshot(shop)
    with pytest.raises(DomainError) as caught:
        await receive_return(
            shop.deps,
            RETURNS_DESK,
            return_id=rma_id(requested),
            receipts=[Receipt(tee, 1, RESTOCK), Receipt(tee, 1, DISCARD)],
        )
    assert caught.value.field == ("lines", "1", "returnLineId")
    assert caught.value.code in {"NOT_FOUND", "INVALID", "DUPLICATE"}
    assert snapshot(shop) == before


async def test_units_cannot_be_received_before_the_return_is_approved(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    before = snapshot(shop)
    with pytest.raises(IllegalReturnTransition):
        await receive_return(
            shop.deps,
            RETURNS_DESK,
            return_id=rma_id(requested),
            receipts=[Receipt(line_of(requested, "TEE"), 1, RESTOCK)],
        )
    assert snapshot(shop) == before


async def test_a_rejected_return_keeps_its_reason_and_cannot_be_approved(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.NO_LONGER_NEEDED)])
    rejected = await reject_return(
        shop.deps, RETURNS_DESK, return_id=rma_id(requested), reason=" worn "
    )
    assert (rejected.rma.status, rejected.rma.rejection_reason) == (ReturnStatus.REJECTED, "worn")
    assert shop.store.outbox[-1].type == "return.rejected"
    with pytest.raises(IllegalReturnTransition):
        await approve_return(shop.deps, RETURNS_DESK, return_id=rma_id(requested))
    assert shop.store.return_(rma_id(requested)).status is ReturnStatus.REJECTED


async def test_deciding_an_unknown_return_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await approve_return(shop.deps, RETURNS_DESK, return_id=404)


# the policy, through the use case


async def test_a_return_on_the_last_day_of_the_window_is_accepted(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    shop.clock.advance(WINDOW)
    requested = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert requested.rma.status is ReturnStatus.REQUESTED


async def test_a_return_one_second_after_the_window_is_refused(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    shop.clock.advance(WINDOW + timedelta(seconds=1))
    before = snapshot(shop)
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert refused_code(caught) == ("RETURN_WINDOW_CLOSED", ("lines", "0", "orderLineId"))
    assert snapshot(shop) == before


async def test_the_window_runs_from_when_the_carrier_delivered(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    [shipment] = await shop.ship_everything(order_id)
    delivered_at = shop.clock.now()
    shop.clock.advance(timedelta(days=2))
    await shop.deliver(shipment, delivered_at)  # reported late
    shop.clock.advance(WINDOW - timedelta(days=2) + timedelta(seconds=1))
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert caught.value.code == "RETURN_WINDOW_CLOSED"


async def test_a_final_sale_product_cannot_be_returned(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1), ("FINAL", 1)])
    before = snapshot(shop)
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", 1, R.DAMAGED), ("FINAL", 1, R.DAMAGED)])
    assert refused_code(caught) == ("NOT_RETURNABLE", ("lines", "1", "orderLineId"))
    assert snapshot(shop) == before


async def test_shipped_but_not_delivered_units_cannot_be_returned(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    await shop.ship_everything(order_id)
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", 1, R.DAMAGED)])
    assert caught.value.code == "NOT_DELIVERED"
    assert shop.store.returns == []


async def test_only_units_of_delivered_parcels_can_be_returned(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 12)])  # split: 5 from AMS, 7 from BER
    first, second = await shop.ship_everything(order_id)
    units = {s.id: sum(x.quantity for x in s.lines) for s in shop.store.shipments}
    assert sorted(units.values()) == [5, 7]
    await shop.deliver(first)
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", units[first] + 1, R.SIZE_FIT)])
    assert caught.value.code == "RETURN_QUANTITY_EXCEEDED"
    await ask(shop, order_id, [("TEE", units[first], R.SIZE_FIT)])
    await shop.deliver(second)
    await ask(shop, order_id, [("TEE", units[second], R.SIZE_FIT)])
    with pytest.raises(ReturnNotAllowed):
        await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert [r.number[-3:] for r in shop.store.returns] == ["-R1", "-R2"]


async def test_units_already_in_a_return_cannot_be_returned_again(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 3)])
    await ask(shop, order_id, [("TEE", 2, R.SIZE_FIT)])
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(shop, order_id, [("TEE", 2, R.SIZE_FIT)])
    assert refused_code(caught) == ("RETURN_QUANTITY_EXCEEDED", ("lines", "0", "quantity"))
    second = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert second.rma.number.endswith("-R2")


async def test_units_of_a_rejected_return_can_be_returned_again(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 3)])
    first = await ask(shop, order_id, [("TEE", 3, R.NO_LONGER_NEEDED)])
    await reject_return(shop.deps, RETURNS_DESK, return_id=rma_id(first), reason="used")
    again = await ask(shop, order_id, [("TEE", 3, R.DAMAGED)])
    assert again.rma.status is ReturnStatus.APPROVED


async def test_two_lines_for_one_order_line_are_counted_together(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 3), ("MUG", 1)])
    await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    before = snapshot(shop)
    with pytest.raises(ReturnNotAllowed) as caught:
        await ask(
            shop,
            order_id,
            [("TEE", 1, R.DAMAGED), ("MUG", 1, R.DAMAGED), ("TEE", 2, R.SIZE_FIT)],
        )
    assert refused_code(caught) == ("RETURN_QUANTITY_EXCEEDED", ("lines", "2", "quantity"))
    assert snapshot(shop) == before
    done = await ask(shop, order_id, [("TEE", 1, R.DAMAGED), ("TEE", 1, R.SIZE_FIT)])
    assert [(x.sku, x.quantity, x.reason) for x in done.rma.lines] == [
        ("TEE", 1, R.DAMAGED),
        ("TEE", 1, R.SIZE_FIT),
    ]


async def test_a_line_of_another_order_is_not_found(shop: Shop) -> None:
    mine = await shop.delivered_order([("TEE", 1)])
    other = await shop.delivered_order([("MUG", 1)])
    with pytest.raises(InvalidInput) as caught:
        await request_return(
            shop.deps,
            RETURNS_DESK,
            order_id=mine,
            lines=[RequestedReturnLine(line_ids(shop, other)["MUG"], 1, R.DAMAGED)],
        )
    assert refused_code(caught) == ("NOT_FOUND", ("lines", "0", "orderLineId"))


# auto-approval


async def test_a_return_is_auto_approved_only_when_every_reason_is(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 3), ("MUG", 2)])
    auto = await ask(shop, order_id, [("TEE", 1, R.DAMAGED), ("MUG", 1, R.WRONG_ITEM)])
    assert (auto.rma.status, auto.rma.decided_at) == (ReturnStatus.APPROVED, shop.clock.now())
    requested, approved = shop.store.outbox[-2:]
    assert (requested.type, requested.payload["autoApproved"]) == ("return.requested", True)
    assert (approved.type, approved.payload["auto"]) == ("return.approved", True)
    mixed = await ask(shop, order_id, [("TEE", 1, R.DAMAGED), ("MUG", 1, R.SIZE_FIT)])
    assert (mixed.rma.status, mixed.rma.decided_at) == (ReturnStatus.REQUESTED, None)
    assert shop.store.outbox[-1].payload["autoApproved"] is False
    assert [r.status for r in shop.store.returns] == [ReturnStatus.APPROVED, ReturnStatus.REQUESTED]


# who may do what


async def test_a_customer_may_request_a_return_of_their_own_order(shop: Shop) -> None:
    ann = customer(await shop.add_customer("ann@example.com"))
    order_id = await shop.delivered_order([("TEE", 1)], actor=ann)
    requested = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)], actor=ann)
    assert (requested.rma.status, requested.rma.requested_by) == (
        ReturnStatus.REQUESTED,
        "customer:ann",
    )


async def test_a_customer_may_not_return_anothers_order_nor_learn_that_it_exists(
    shop: Shop,
) -> None:
    ann = customer(await shop.add_customer("ann@example.com"))
    bob = customer(await shop.add_customer("bob@example.com", "Bob"), "bob")
    order_id = await shop.delivered_order([("TEE", 1)], actor=ann)
    with pytest.raises(NotFound):
        await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)], actor=bob)
    assert shop.store.returns == []


async def test_a_customer_may_not_approve_reject_or_receive(shop: Shop) -> None:
    ann = customer(await shop.add_customer("ann@example.com"))
    order_id = await shop.delivered_order([("TEE", 1)], actor=ann)
    requested = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)], actor=ann)
    with pytest.raises(Forbidden):
        await approve_return(shop.deps, ann, return_id=rma_id(requested))
    with pytest.raises(Forbidden):
        await reject_return(shop.deps, ann, return_id=rma_id(requested))
    assert shop.store.return_(rma_id(requested)).status is ReturnStatus.REQUESTED


async def test_read_only_staff_may_not_touch_returns(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    with pytest.raises(Forbidden):
        await ask(shop, order_id, [("TEE", 1, R.DAMAGED)], actor=READ_ONLY)
    requested = await ask(shop, order_id, [("TEE", 1, R.DAMAGED)])
    before = snapshot(shop)
    with pytest.raises(Forbidden):
        await receive_return(
            shop.deps,
            READ_ONLY,
            return_id=rma_id(requested),
            receipts=[Receipt(line_of(requested, "TEE"), 1, RESTOCK)],
        )
    with pytest.raises(Forbidden):
        await approve_return(shop.deps, READ_ONLY, return_id=rma_id(requested))
    assert snapshot(shop) == before


async def test_staff_with_orders_write_may_request_returns(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 1)])
    requested = await ask(shop, order_id, [("TEE", 1, R.OTHER)], actor=ADMIN)
    assert requested.rma.requested_by == "admin:ops"


# idempotency


async def test_a_keyed_request_replays_the_first_return(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    first = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)], key="rma-1")
    again = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)], key="rma-1")
    assert (again.rma.id, again.rma.number) == (first.rma.id, first.rma.number)
    assert len(shop.store.returns) == 1


# the in-memory repositories follow the SQL ones


async def test_the_fake_return_repository_writes_back_only_what_the_sql_updates_write(
    shop: Shop,
) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    requested = await ask(shop, order_id, [("TEE", 2, R.SIZE_FIT)])
    async with shop.store.unit_of_work() as uow:
        rma = await uow.returns.get(rma_id(requested), for_update=True)
        assert rma is not None
        rma.note, rma.number, rma.lines[0].quantity = "changed", "X-1", 1
        rma.approve(shop.clock.now())
        rma.receive({rma.lines[0].id or 0: (1, RESTOCK)}, shop.clock.now())
        await uow.returns.save(rma)
        await uow.commit()
    stored = shop.store.return_(rma_id(requested))
    assert (stored.status, stored.note, stored.number) == (
        ReturnStatus.RECEIVED,
        None,
        requested.rma.number,
    )
    assert [(x.quantity, x.received_quantity, x.restocked_quantity) for x in stored.lines] == [
        (2, 1, 1)
    ]


async def test_a_return_not_committed_is_not_kept_but_its_id_is_used_up(shop: Shop) -> None:
    order_id = await shop.delivered_order([("TEE", 2)])
    tee = line_ids(shop, order_id)["TEE"]
    async with shop.store.unit_of_work() as uow:
        dropped = Return(
            id=None,
            order_id=order_id,
            number="OG-100001-R1",
            status=ReturnStatus.REQUESTED,
            lines=[ReturnLine(None, tee, "TEE", 1, R.SIZE_FIT, None)],
            note=None,
            requested_by="staff:desk",
            created_at=shop.clock.now(),
            updated_at=shop.clock.now(),
        )
        await uow.returns.add(dropped)
        assert [r.id for r in await uow.returns.for_order(order_id)] == [dropped.id]
    assert shop.store.returns == []
    kept = await ask(shop, order_id, [("TEE", 1, R.SIZE_FIT)])
    assert kept.rma.number.endswith("-R1")
    assert dropped.id is not None
    assert rma_id(kept) == dropped.id + 1
    assert [x.id for x in kept.rma.lines] == [(dropped.lines[0].id or 0) + 1]
