"""quote_order with fakes: the priced order place_order records, every refusal alike, and a
store left exactly as it was (the fake clock stands still, so even the fixed-rate promise of
the quote is the order's)."""

from __future__ import annotations

import pytest

from ordergraph.domain.errors import DomainError, Forbidden
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, OrderLine, RequestedLine
from ordergraph.domain.principals import Principal
from ordergraph.services.orders import routing_explanation
from ordergraph.services.pricing import PricedOrder
from ordergraph.services.quotes import quote_order
from tests.unit.fakes import STOREFRONT, Shop, address
from tests.unit.test_order_services import READ_ONLY_STAFF, place, snapshot


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99", weight_grams=300)
    await shop.add_product("MUG", "12.50", weight_grams=400)
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    await shop.receive("MUG", "AMS", 3)
    return shop


async def quote(
    shop: Shop,
    lines: list[tuple[str, int]],
    *,
    actor: Principal = STOREFRONT,
    email: str | None = "ann@example.com",
) -> PricedOrder:
    return await quote_order(
        shop.deps,
        actor,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
        shipping_address=address(),
        email=email,
    )


async def test_a_quote_is_what_the_order_placed_next_records(shop: Shop) -> None:
    lines = [("TEE", 7), ("MUG", 1), ("TEE", 1)]
    quoted = await quote(shop, lines)
    order = await place(shop, lines)

    def shown(found: list[OrderLine]) -> list[tuple[object, ...]]:
        return [(x.sku, x.name, x.quantity, x.unit_price, x.total) for x in found]

    assert shown(quoted.lines) == shown(order.lines)
    assert (quoted.subtotal, quoted.shipping_total, quoted.total) == (
        order.subtotal,
        order.shipping_total,
        order.total,
    )
    assert quoted.promised_delivery_at == order.promised_delivery_at
    assert routing_explanation(quoted.plan) == order.routing
    assert quoted.discount_total == quoted.tax_total == Money(0, "EUR")


async def test_a_quote_writes_nothing(shop: Shop) -> None:
    before = snapshot(shop)
    await quote(shop, [("TEE", 3), ("MUG", 1)])
    assert snapshot(shop) == before


@pytest.mark.parametrize(
    ("lines", "actor", "email"),
    [
        ([("TEE", 99)], STOREFRONT, "ann@example.com"),
        ([("NOPE", 1)], STOREFRONT, "ann@example.com"),
        ([("TEE", 0)], STOREFRONT, "ann@example.com"),
        ([], STOREFRONT, "ann@example.com"),
        ([("TEE", 1)], STOREFRONT, None),
        ([("TEE", 1)], READ_ONLY_STAFF, "ann@example.com"),
    ],
)
async def test_a_quote_refuses_what_placing_refuses(
    shop: Shop, lines: list[tuple[str, int]], actor: Principal, email: str | None
) -> None:
    before = snapshot(shop)
    with pytest.raises(DomainError) as quoted:
        await quote(shop, lines, actor=actor, email=email)
    with pytest.raises(DomainError) as placed:
        await place(shop, lines, actor=actor, email=email)
    assert type(quoted.value) is type(placed.value)
    assert (quoted.value.code, quoted.value.field) == (placed.value.code, placed.value.field)
    assert snapshot(shop) == before
    if actor is READ_ONLY_STAFF:
        assert isinstance(quoted.value, Forbidden)
