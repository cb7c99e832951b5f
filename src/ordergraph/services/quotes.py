"""``quoteOrder``: what ``placeOrder`` would charge, ship and promise for the same input.

The same checks (``validate_capture``), the same pricing, routing and shipping choice
(``price_order``) and the same customer lookup as placing — then nothing is written: no order,
no reservation, no idempotency record, no outbox row. The unit of work is never committed, so
it rolls back on exit even if a step were ever to write.
"""

from __future__ import annotations

from collections.abc import Sequence

from ordergraph.domain.custom_prices import CustomPrice
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.drafts import HeldStock
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.principals import Principal
from ordergraph.services.checkout import order_email, validate_capture
from ordergraph.services.deps import Deps
from ordergraph.services.pricing import PricedOrder, price_order


async def quote_order(
    deps: Deps,
    actor: Principal,
    *,
    channel: Channel,
    lines: list[RequestedLine],
    shipping_address: AddressFields,
    customer_id: int | None = None,
    email: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    sales_rep: str | None = None,
    shipping_option_id: str | None = None,
    market_id: int | None = None,
    discount_codes: Sequence[str] = (),
    custom_prices: Sequence[CustomPrice | None] = (),
    held: Sequence[HeldStock] = (),
) -> PricedOrder:
    """The priced order ``place_order`` would record now; refuses what it would refuse."""
    capture = validate_capture(
        actor,
        channel=channel,
        lines=lines,
        shipping_address=shipping_address,
        customer_id=customer_id,
        email=email,
        contact_name=contact_name,
        phone=phone,
        locale=locale,
        timezone=timezone,
        sales_rep=sales_rep,
        market_id=market_id,
        discount_codes=discount_codes,
        custom_prices=custom_prices,
        held=held,
    )
    async with deps.uow() as uow:  # never committed: reads only, rolled back on exit
        priced = await price_order(uow, deps, capture, deps.clock.now(), shipping_option_id)
        await order_email(uow, capture)
        return priced
