"""Demo data: the expected amounts, and a second run that writes nothing."""

from __future__ import annotations

from collections import Counter

from ordergraph.auth.passwords import verify_password
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.inventory import LevelField, MovementKind
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.services.customers import create_customer
from ordergraph.services.seed import seed_demo
from tests.unit.fakes import DEFAULT_NOW, FakeStore, delta_of, fake_deps

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


async def test_seeding_writes_the_demo_data_and_a_second_run_writes_nothing() -> None:
    store = FakeStore()
    deps = fake_deps(store, FixedClock(DEFAULT_NOW))

    summary = await seed_demo(deps)

    assert (summary.warehouses, summary.products, summary.stock_levels, summary.customers) == (
        5,
        50,
        150,
        20,
    )
    assert len(store.warehouses) == 5
    assert len(store.products) == 50
    assert len({p.sku for p in store.products}) == 50
    assert len(store.levels) == 150
    assert all(level.on_hand > 0 for level in store.levels.values())
    receipts = [m for m in store.movements if m.kind is MovementKind.RECEIVE]
    assert len(receipts) == 150
    assert {m.kind for m in store.movements} == {
        MovementKind.RECEIVE,
        MovementKind.RESERVE,
        MovementKind.RELEASE,
        MovementKind.SHIP,
    }
    assert sum(delta_of(m, ON_HAND) for m in store.movements) == sum(
        level.on_hand for level in store.levels.values()
    )
    assert sum(delta_of(m, RESERVED) for m in store.movements) == sum(
        level.reserved for level in store.levels.values()
    )
    assert len(store.customers) == 20
    with_password = [c for c in store.customers if c.password_hash is not None]
    assert len(with_password) == 1
    assert with_password[0].password_hash is not None
    assert verify_password(with_password[0].password_hash, "demo-password")
    events = Counter(e.type for e in store.outbox)
    assert {k: events[k] for k in ("warehouse.created", "product.created")} == {
        "warehouse.created": 5,
        "product.created": 50,
    }
    assert events["inventory.adjusted"] == 150
    assert events["customer.created"] == 20
    assert summary.orders == events["order.placed"] == 12
    assert events["order.confirmed"] == 8
    assert events["order.cancelled"] == 2
    assert events["order.hold_placed"] == 2
    assert events["order.shipped"] == 4
    assert events["order.delivered"] == 2

    committed_before = store.commits
    outbox_before = len(store.outbox)
    levels_before = store.levels
    movements_before = len(store.movements)

    again = await seed_demo(deps)

    assert again.warehouses == 5
    assert again.products == 50
    assert len(store.outbox) == outbox_before
    assert store.commits == committed_before
    assert store.levels == levels_before
    assert len(store.movements) == movements_before
    assert len(store.customers) == 20


async def test_seeding_leaves_a_customer_created_by_hand_with_a_demo_email_alone() -> None:
    store = FakeStore()
    deps = fake_deps(store, FixedClock(DEFAULT_NOW))
    admin = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops")
    await create_customer(deps, admin, email="ada.lovelace.0@example.com", name="The Real Ada")

    summary = await seed_demo(deps)

    assert summary.customers == 19
    assert len(store.customers) == 20
    ada = next(c for c in store.customers if c.email == "ada.lovelace.0@example.com")
    assert (ada.name, ada.password_hash, ada.default_address) == ("The Real Ada", None, None)
