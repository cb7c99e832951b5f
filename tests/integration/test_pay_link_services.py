"""Pay links through the use cases, once on the fake unit of work and once on PostgreSQL:
a draft's invoice link, a balance-due link from an edit, and paying either (the lease, the
statuses, declines, expiry, the order placed from the draft exactly once)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.auth.tokens import hash_token
from ordergraph.db.engine import create_engine
from ordergraph.db.tables import notifications, orders, outbox, payment_links
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.drafts import DraftStatus
from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, PaymentStatus, RequestedLine
from ordergraph.domain.payment_links import PaymentCollection, PaymentLinkStatus
from ordergraph.domain.payments import CallContext, GatewayResult
from ordergraph.domain.ports import UnitOfWork
from ordergraph.gateways import TestGateway
from ordergraph.services import draft_orders, order_edits, pay_links, payments
from ordergraph.services import payment_links as issuing
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.order_edits import EditInput
from ordergraph.services.orders import place_order
from tests.support.databases import Databases
from tests.unit.fakes import ADMIN, Shop, address

BASE = "https://shop.example"
# staff with no stored token (the fake's token ids are not rows in PostgreSQL)
WEB = dataclasses.replace(ADMIN, token_id=None)


@dataclasses.dataclass
class PgShop(Shop):
    """The same shop builder, its use cases on PostgreSQL."""

    engine: AsyncEngine | None = None

    @property
    def deps(self) -> Deps:
        engine, clock = self.engine, self.clock
        assert engine is not None

        def open_uow() -> UnitOfWork:
            return SqlUnitOfWork(engine, clock)

        return Deps(
            uow=open_uow, clock=clock, policy=self.policy, tracking_codes=self.tracking_codes
        )


class World:
    """A shop plus what the tests read back (orders, mail, events) on either backend."""

    def __init__(self, shop: Shop, engine: AsyncEngine | None) -> None:
        self.shop = shop
        self.engine = engine

    @property
    def deps(self) -> Deps:
        return self.shop.deps

    async def order_count(self) -> int:
        if self.engine is None:
            return len(self.shop.store.state.orders)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(orders)) or 0)

    async def mails(self, type_: str) -> list[dict[str, Any]]:
        if self.engine is None:
            return [
                {"recipient": n.recipient, **n.data}
                for n in self.shop.store.state.notifications.values()
                if n.type.value == type_
            ]
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(notifications.c.recipient, notifications.c.data).where(
                    notifications.c.type == type_
                )
            )
            return [{"recipient": r.recipient, **r.data} for r in rows]

    async def event_types(self) -> list[str]:
        if self.engine is None:
            return [e.type for e in self.shop.store.outbox]
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(outbox.c.type).order_by(outbox.c.id))
            return [r.type for r in rows]

    async def link_statuses(self) -> list[str]:
        if self.engine is None:
            links = sorted(self.shop.store.state.payment_links.items())
            return [x.status.value for _, x in links]
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(payment_links.c.status).order_by(payment_links.c.id)
            )
            return [r.status for r in rows]


@pytest.fixture(params=["fake", "postgresql"])
async def world(request: pytest.FixtureRequest, databases: Databases) -> AsyncIterator[World]:
    engine: AsyncEngine | None = None
    url = None
    if request.param == "fake":
        shop: Shop = Shop()
    else:
        url = databases.new("postgresql")
        engine = create_engine(url)
        shop = PgShop(engine=engine)
    try:
        await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
        await shop.add_product("TEE", "19.99", weight_grams=300)
        await shop.receive("TEE", "AMS", 20)
        yield World(shop, engine)
    finally:
        if engine is not None:
            await engine.dispose()
        if url is not None:
            databases.drop_postgres(url)


async def a_draft(world: World, quantity: int = 2, email: str | None = "ann@example.com") -> int:
    request = draft_orders.draft_request(
        channel=Channel.PHONE,
        lines=[RequestedLine("TEE", quantity)],
        shipping_address=address(),
        email=email,
    )
    draft = await draft_orders.create_draft_order(world.deps, ADMIN, request)
    assert draft.id is not None
    return draft.id


async def invoice(world: World, draft_id: int, **kw: Any) -> str:
    _, url = await issuing.send_draft_invoice(
        world.deps,
        ADMIN,
        draft_id,
        email=kw.get("email"),
        message=kw.get("message"),
        base_url=BASE,
        idempotency_key=kw.get("key"),
    )
    assert url is not None
    assert url.startswith(f"{BASE}/pay/")
    return url.rsplit("/", 1)[1]


def code(raised: pytest.ExceptionInfo[DomainError]) -> str:
    return raised.value.code


async def test_an_invoice_mails_one_link_whose_token_is_not_stored(world: World) -> None:
    draft_id = await a_draft(world)
    token = await invoice(world, draft_id, message="Thanks for calling")
    link = await pay_links.find_link(world.deps, token)
    assert link.token_hash == hash_token(token) != token
    assert link.status is PaymentLinkStatus.OPEN
    assert link.amount.minor_units == link.summary["total"] > 0
    assert link.summary["lines"][0]["quantity"] == 2
    mails = await world.mails("DRAFT_ORDER_INVOICE")
    assert len(mails) == 1
    assert mails[0]["recipient"] == "ann@example.com"
    assert mails[0]["invoice_url"] == f"{BASE}/pay/{token}"
    assert mails[0]["message"] == "Thanks for calling"
    assert "draft_order.invoice_sent" in await world.event_types()


async def test_an_invoice_sent_again_with_its_key_mails_nothing_more(world: World) -> None:
    draft_id = await a_draft(world)
    await invoice(world, draft_id, key="inv-1")
    draft, url = await issuing.send_draft_invoice(
        world.deps,
        ADMIN,
        draft_id,
        email=None,
        message=None,
        base_url=BASE,
        idempotency_key="inv-1",
    )
    assert (draft.id, url) == (draft_id, None)
    assert len(await world.mails("DRAFT_ORDER_INVOICE")) == 1
    assert await world.link_statuses() == ["OPEN"]


async def test_a_customers_draft_is_mailed_to_the_customer_and_bad_email_is_refused(
    world: World,
) -> None:
    customer_id = await world.shop.add_customer("carla@example.com", "Carla")
    request = draft_orders.draft_request(
        channel=Channel.PHONE,
        lines=[RequestedLine("TEE", 1)],
        shipping_address=address(),
        customer_id=customer_id,
    )
    draft = await draft_orders.create_draft_order(world.deps, ADMIN, request)
    assert draft.id is not None
    assert draft.request.get("email") is None
    with pytest.raises(DomainError) as raised:
        await invoice(world, draft.id, email="not an address")
    assert tuple(raised.value.field or ()) == ("email",)
    assert await world.link_statuses() == []
    await invoice(world, draft.id)
    await invoice(world, draft.id, email="bob@example.com")
    assert [m["recipient"] for m in await world.mails("DRAFT_ORDER_INVOICE")] == [
        "carla@example.com",
        "bob@example.com",
    ]


async def test_paying_the_draft_link_places_the_order_once_after_a_decline(world: World) -> None:
    draft_id = await a_draft(world)
    token = await invoice(world, draft_id)
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, token, "tok_declined")
    assert code(raised) == "PAYMENT_DECLINED"
    link = await pay_links.find_link(world.deps, token)
    assert link.status is PaymentLinkStatus.OPEN
    paid = await pay_links.pay_link(world.deps, token, "tok_ok")
    assert paid.link.status is PaymentLinkStatus.PAID
    assert paid.order.payment_status is PaymentStatus.PAID
    assert paid.order.total == link.amount
    assert await world.order_count() == 1  # the declined attempt's order is the one paid
    async with world.deps.uow() as uow:
        draft = await uow.draft_orders.get(draft_id)
    assert draft is not None
    assert (draft.status, draft.order_id) == (DraftStatus.COMPLETED, paid.order.id)
    assert (await world.event_types()).count("order.paid_by_link") == 1


async def test_a_paid_link_is_not_payable_again(world: World) -> None:
    token = await invoice(world, await a_draft(world))
    await pay_links.pay_link(world.deps, token, "tok_ok")
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, token, "tok_ok")
    assert code(raised) == "PAYMENT_LINK_NOT_PAYABLE"
    assert await world.order_count() == 1


async def test_paying_one_invoice_cancels_the_drafts_other_links(world: World) -> None:
    draft_id = await a_draft(world)
    first = await invoice(world, draft_id)
    second = await invoice(world, draft_id)  # same amount: the first stays usable
    assert await world.link_statuses() == ["OPEN", "OPEN"]
    await pay_links.pay_link(world.deps, second, "tok_ok")
    assert await world.link_statuses() == ["CANCELLED", "PAID"]
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, first, "tok_ok")
    assert code(raised) == "PAYMENT_LINK_NOT_PAYABLE"


async def test_an_expired_link_is_not_payable(world: World) -> None:
    token = await invoice(world, await a_draft(world))
    world.shop.clock.advance(timedelta(days=30, seconds=1))
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, token, "tok_ok")
    assert code(raised) == "PAYMENT_LINK_NOT_PAYABLE"
    assert "EXPIRED" in str(raised.value)
    assert await world.order_count() == 0


async def test_an_unknown_or_malformed_token_is_not_found(world: World) -> None:
    for token in ("", "x" * 500, "no-such-token"):
        with pytest.raises(DomainError) as raised:
            await pay_links.pay_link(world.deps, token, "tok_ok")
        assert code(raised) == "NOT_FOUND"


class HeldGateway(TestGateway):
    """A test gateway whose sales wait until released: the first payer is mid-call."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.go = asyncio.Event()

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        self.entered.set()
        await self.go.wait()
        return await super().sale(
            amount=amount, token=token, idempotency_key=idempotency_key, context=context
        )


async def test_two_payers_at_once_charge_once(world: World) -> None:
    token = await invoice(world, await a_draft(world))
    gateway = HeldGateway()
    deps = dataclasses.replace(world.deps, gateway=gateway)
    first = asyncio.create_task(pay_links.pay_link(deps, token, "tok_ok"))
    await asyncio.wait_for(gateway.entered.wait(), 10)
    with pytest.raises(DomainError) as raised:
        await asyncio.wait_for(pay_links.pay_link(deps, token, "tok_ok"), 10)
    assert code(raised) == "PAYMENT_IN_PROGRESS"
    gateway.go.set()
    paid = await first
    assert paid.link.status is PaymentLinkStatus.PAID
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(deps, token, "tok_ok")
    assert code(raised) == "PAYMENT_LINK_NOT_PAYABLE"
    assert await world.order_count() == 1
    assert paid.order.id is not None
    async with world.deps.uow() as uow:
        taken = [
            t for t in await uow.payments.for_order(paid.order.id) if t.status.value == "SUCCESS"
        ]
    assert len(taken) == 1


async def raised_total(world: World, order_id: int, **kw: Any) -> Any:
    async with world.deps.uow() as uow:
        order = await uow.orders.get(order_id)
    assert order is not None
    line_id = order.lines[0].id
    return await order_edits.edit_order(
        world.deps,
        ADMIN,
        order_id=order_id,
        changes=[EditInput(set_line_id=line_id, set_quantity=order.lines[0].quantity + 1)],
        **kw,
    )


async def test_an_edit_of_a_paid_order_can_leave_the_difference_to_a_pay_link(
    world: World,
) -> None:
    order_id = await world.shop.paid_order([("TEE", 1)], actor=WEB)
    with pytest.raises(DomainError) as raised:
        await raised_total(world, order_id)
    assert code(raised) == "PAYMENT_REQUIRED"
    result = await raised_total(world, order_id, collect=PaymentCollection.PAY_LINK, base_url=BASE)
    assert result.pay_link_url is not None
    token = result.pay_link_url.rsplit("/", 1)[1]
    link = await pay_links.find_link(world.deps, token)
    assert link.amount == result.difference
    assert link.order_id == order_id
    edited = await world.mails("ORDER_EDITED")
    assert [m.get("pay_link_url") for m in edited] == [result.pay_link_url]  # one mail
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, token, "tok_declined")
    assert code(raised) == "PAYMENT_DECLINED"
    assert (await pay_links.find_link(world.deps, token)).status is PaymentLinkStatus.OPEN
    paid = await pay_links.pay_link(world.deps, token, "tok_ok")
    assert paid.link.status is PaymentLinkStatus.PAID
    assert paid.order.payment_status is PaymentStatus.PAID
    async with world.deps.uow() as uow:
        sales = [t for t in await uow.payments.for_order(order_id) if t.amount == link.amount]
    assert [t.status.value for t in sales] == ["DECLINED", "SUCCESS"]
    assert (await world.event_types()).count("order.paid_by_link") == 1


async def test_an_authorized_order_cannot_take_a_pay_link(world: World) -> None:
    placed = await place_order(
        world.deps,
        WEB,
        channel=Channel.WEB,
        lines=[RequestedLine("TEE", 1)],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert placed.id is not None
    order_id = placed.id
    await payments.authorize_payment(world.deps, WEB, order_id=order_id, token="tok_ok")
    with pytest.raises(DomainError) as raised:
        await raised_total(world, order_id, collect=PaymentCollection.PAY_LINK, base_url=BASE)
    assert code(raised) == "PAY_LINK_NOT_POSSIBLE"
    assert await world.link_statuses() == []


async def test_a_declined_drafts_order_cancelled_meanwhile_withdraws_the_link(
    world: World,
) -> None:
    token = await invoice(world, await a_draft(world))
    with pytest.raises(DomainError):
        await pay_links.pay_link(world.deps, token, "tok_declined")
    async with world.deps.uow() as uow:
        link = await uow.payment_links.by_token_hash(hash_token(token))
        assert link is not None
        draft = await uow.draft_orders.get(link.draft_order_id or 0)
    assert draft is not None
    assert draft.order_id is not None
    await cancel_order(world.deps, WEB, order_id=draft.order_id, reason="unpaid")
    with pytest.raises(DomainError) as raised:
        await pay_links.pay_link(world.deps, token, "tok_ok")
    assert code(raised) == "PAYMENT_LINK_NOT_PAYABLE"
    assert await world.link_statuses() == ["CANCELLED"]
