"""A fake shop with one warehouse and ten tees, and a one-tee app order: the setting of use-case
tests that only need some order to act on."""

from __future__ import annotations

from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.services.orders import place_order
from tests.unit.fakes import STOREFRONT, Shop, address


async def tee_shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "20.00")
    await shop.receive("TEE", "AMS", 10)
    return shop


async def place_tee_order(shop: Shop) -> int:
    """One TEE to Amsterdam, ordered in the app by ann@example.com; the order's id."""
    order = await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.APP,
        lines=[RequestedLine("TEE", 1)],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    return order.id
