"""Running commands: idempotency keys, retries on conflicts, one transaction each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.ports import RetryableConflict, UnitOfWork
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.command import MAX_ATTEMPTS, request_fingerprint, run_command
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
OTHER_ADMIN = Principal(
    role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=2
)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def deps(store: FakeStore, clock: FixedClock) -> Deps:
    return fake_deps(store, clock)


async def add_tee(deps: Deps, actor: Principal, key: str | None, *, name: str = "Tee") -> int:
    product = await create_product(
        deps,
        actor,
        sku="TEE",
        name=name,
        price_amount="10.00",
        price_currency="EUR",
        idempotency_key=key,
    )
    assert product.id is not None
    return product.id


async def test_repeating_a_keyed_command_returns_the_first_result_without_writing_again(
    deps: Deps, store: FakeStore, clock: FixedClock
) -> None:
    first = await add_tee(deps, ADMIN, "key-1")
    clock.advance(timedelta(minutes=5))
    second = await add_tee(deps, ADMIN, "key-1")
    assert second == first
    assert len(store.products) == 1
    assert len(store.outbox) == 1
    [record] = store.idempotency_records
    assert (record.scope, record.key, record.operation) == ("admin:ops#1", "key-1", "createProduct")
    assert record.result == {"sku": "TEE"}
    assert record.created_at == DEFAULT_NOW


async def test_a_repeated_keyed_warehouse_returns_the_stored_warehouse(
    deps: Deps, store: FakeStore
) -> None:
    async def create() -> Warehouse:
        return await create_warehouse(
            deps, ADMIN, code="AMS-1", name="A", region="EU", country_code="NL", idempotency_key="w"
        )

    first, second = await create(), await create()
    assert first.id == second.id
    assert (second.code, second.name) == ("AMS-1", "A")
    assert len(store.warehouses) == 1
    assert len(store.outbox) == 1


async def test_an_unkeyed_repeat_runs_again(deps: Deps, store: FakeStore) -> None:
    await create_warehouse(deps, ADMIN, code="A", name="A", region="EU", country_code="NL")
    await create_warehouse(deps, ADMIN, code="B", name="A", region="EU", country_code="NL")
    assert len(store.warehouses) == 2
    assert store.idempotency_records == []


async def test_reusing_a_key_with_a_different_request_is_refused_and_writes_nothing(
    deps: Deps, store: FakeStore
) -> None:
    await add_tee(deps, ADMIN, "key-1")
    with pytest.raises(IdempotencyKeyReused) as caught:
        await add_tee(deps, ADMIN, "key-1", name="Renamed Tee")
    assert caught.value.field == ("idempotencyKey",)
    assert [p.name for p in store.products] == ["Tee"]
    assert len(store.outbox) == 1
    assert len(store.idempotency_records) == 1


async def test_different_callers_may_use_the_same_key_independently(
    deps: Deps, store: FakeStore
) -> None:
    await create_product(
        deps, ADMIN, sku="A", name="A", price_amount="1", price_currency="EUR", idempotency_key="k"
    )
    await create_product(
        deps,
        OTHER_ADMIN,
        sku="B",
        name="B",
        price_amount="1",
        price_currency="EUR",
        idempotency_key="k",
    )
    assert sorted(p.sku for p in store.products) == ["A", "B"]
    assert sorted(r.scope for r in store.idempotency_records) == ["admin:ops#1", "admin:ops#2"]
    # each caller's key still guards its own request
    with pytest.raises(IdempotencyKeyReused):
        await create_product(
            deps,
            ADMIN,
            sku="B",
            name="B",
            price_amount="1",
            price_currency="EUR",
            idempotency_key="k",
        )


async def test_a_repeated_keyed_stock_adjustment_is_applied_once(
    deps: Deps, store: FakeStore, clock: FixedClock
) -> None:
    warehouse = await create_warehouse(
        deps, ADMIN, code="A", name="A", region="EU", country_code="NL"
    )
    assert warehouse.id is not None
    await add_tee(deps, ADMIN, None)

    async def receive() -> tuple[int, int, object]:
        assert warehouse.id is not None
        level = await adjust_inventory(
            deps,
            ADMIN,
            sku="TEE",
            warehouse_id=warehouse.id,
            delta=7,
            reason=AdjustmentReason.RECEIVED,
            idempotency_key="receipt-42",
        )
        return level.on_hand, level.reserved, level.updated_at

    first = await receive()
    clock.advance(timedelta(hours=1))
    second = await receive()
    assert first == second == (7, 0, DEFAULT_NOW)
    assert store.levels[("TEE", warehouse.id)].on_hand == 7
    assert len(store.movements) == 1


async def test_an_idempotency_key_is_trimmed_and_must_be_clean(
    deps: Deps, store: FakeStore
) -> None:
    await add_tee(deps, ADMIN, "  key-1  ")
    assert await add_tee(deps, ADMIN, "key-1") == store.products[0].id
    with pytest.raises(InvalidInput) as caught:
        await add_tee(deps, ADMIN, "bad\x00key")
    assert caught.value.field == ("idempotencyKey",)
    with pytest.raises(InvalidInput):
        await add_tee(deps, ADMIN, "k" * 201)


def test_the_request_fingerprint_ignores_key_order_but_not_values() -> None:
    a = request_fingerprint("op", {"x": 1, "y": "2"})
    assert a == request_fingerprint("op", {"y": "2", "x": 1})
    assert a != request_fingerprint("op", {"x": 1, "y": "3"})
    assert a != request_fingerprint("other", {"x": 1, "y": "2"})


async def test_a_command_succeeds_after_two_conflicts(deps: Deps, store: FakeStore) -> None:
    store.fail_next_commits(2)
    product_id = await add_tee(deps, ADMIN, "key-1")
    assert (store.commit_attempts, store.commits) == (3, 1)
    assert [p.id for p in store.products] == [product_id]
    assert [e.aggregate_id for e in store.outbox] == [product_id]
    assert len(store.idempotency_records) == 1


async def test_a_command_gives_up_after_max_attempts(deps: Deps, store: FakeStore) -> None:
    store.fail_next_commits(MAX_ATTEMPTS)
    with pytest.raises(Conflict) as raised:
        await add_tee(deps, ADMIN, "key-1")
    assert raised.value.code == "CONFLICT"
    assert isinstance(raised.value.__cause__, RetryableConflict)
    assert store.commit_attempts == MAX_ATTEMPTS
    assert store.products == []
    assert store.outbox == []
    assert store.idempotency_records == []
    # the conflicts are used up; the same request now goes through
    await add_tee(deps, ADMIN, "key-1")
    assert len(store.products) == 1


async def test_a_domain_error_is_not_retried(deps: Deps, store: FakeStore) -> None:
    attempts = 0

    async def run(uow: UnitOfWork) -> int:
        nonlocal attempts
        attempts += 1
        raise Forbidden("no")

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> int:
        raise AssertionError("never recalled")

    with pytest.raises(Forbidden):
        await run_command(
            deps,
            ADMIN,
            operation="op",
            request={},
            run=run,
            remember=lambda n: {"n": n},
            recall=recall,
        )
    assert attempts == 1
    assert store.commit_attempts == 0


async def test_staff_with_default_scopes_are_forbidden_before_any_write(
    deps: Deps, store: FakeStore
) -> None:
    viewer = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="v", token_id=9)
    with pytest.raises(Forbidden):
        await add_tee(deps, viewer, "key-1")
    assert store.products == []
    assert store.idempotency_records == []
    assert store.commit_attempts == 0
