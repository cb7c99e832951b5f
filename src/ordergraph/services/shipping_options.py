"""Shipping options: every active carrier service that serves the order's lanes, priced from
its rate table, with a delivery window from its cut-offs, calendar and transit history.

An option's ``id`` is a signed token (service, version, price, window, issue time); placeOrder
accepts it as ``shippingOptionId`` and checks it again against a fresh quote of the same
checkout: same service at the same version and price, at most ``OPTION_TTL`` old. The promise
is then the window the shopper was shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordergraph.domain.carrier_services import (
    CarrierService,
    ChosenBy,
    DeliveryWindow,
    OrderShippingOption,
    TransitStats,
    WindowBasis,
    delivery_window,
)
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.customers import Address, AddressFields
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, RequestedLine, merge_lines
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_sku
from ordergraph.services.checkout import Checkout, prepare_checkout
from ordergraph.services.deps import Deps
from ordergraph.services.price_lists import market_and_prices

OPTION_TTL = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ShippingQuote:
    service: CarrierService
    price: Money
    window: DeliveryWindow
    id: str = ""  # the signed token, filled in by ``quote_options``


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()[:32]


def encode_option(secret: str, quote: ShippingQuote, issued_at: datetime) -> str:
    claim = {
        "s": quote.service.id,
        "v": quote.service.version,
        "p": quote.price.minor_units,
        "c": quote.price.currency,
        "e": quote.window.earliest.isoformat(),
        "l": quote.window.latest.isoformat(),
        "b": quote.window.basis.value,
        "n": quote.window.sample_size,
        "i": issued_at.isoformat(),
    }
    body = base64.urlsafe_b64encode(json.dumps(claim, separators=(",", ":")).encode())
    return f"{body.decode().rstrip('=')}.{_sign(secret, body.rstrip(b'='))}"


OPTION_FIELD = ("shippingOptionId",)


def _invalid(why: str, field: Sequence[str] = OPTION_FIELD) -> InvalidInput:
    return InvalidInput(
        f"this shipping option is no longer valid ({why}): ask for shippingOptions again",
        field=field,
        code="SHIPPING_OPTION_INVALID",
    )


def decode_option(
    secret: str, token: str, now: datetime, field: Sequence[str] = OPTION_FIELD
) -> dict[str, object]:
    body, _, signature = token.strip().partition(".")
    if len(token) > 1000 or not hmac.compare_digest(_sign(secret, body.encode()), signature):
        raise _invalid("not an option this server issued", field)
    try:
        claim: dict[str, object] = json.loads(
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        )
        issued = datetime.fromisoformat(str(claim["i"]))
    except (ValueError, KeyError) as exc:
        raise _invalid("unreadable", field) from exc
    if now - issued > OPTION_TTL:
        raise _invalid("expired", field)
    return claim


async def quote_options(
    uow: UnitOfWork, deps: Deps, checkout: Checkout, address: Address, now: datetime
) -> list[ShippingQuote]:
    """Cheapest first (then earliest delivery). Two more statements for lanes/rates and one
    for history, whatever the number of lines or services."""
    return await quote_shipment(
        uow, deps, checkout.origins, checkout.weight_grams, checkout.subtotal, address, now
    )


async def quote_shipment(
    uow: UnitOfWork,
    deps: Deps,
    origins: Sequence[Warehouse],
    weight_grams: int,
    subtotal: Money,
    address: Address,
    now: datetime,
) -> list[ShippingQuote]:
    """``quote_options`` for a parcel of ``weight_grams`` worth ``subtotal`` from ``origins``:
    what an order edit prices the order's stock with, wherever it is held."""
    services = await uow.carrier_services.list_active()
    if not services or not origins:
        return []
    history = await uow.carrier_services.transit_history(
        sorted({o.region for o in origins}), address.country_code, address.region, now
    )
    ready = now + deps.policy.handling_time
    quotes = []
    for service in services:
        if not all(service.serves(o.region, address.region, address.country_code) for o in origins):
            continue
        price = service.price(weight_grams, subtotal)
        if price is None:
            continue
        window = service_window(service, origins, address, ready, history)
        quote = ShippingQuote(service, price, window)
        quotes.append(
            ShippingQuote(service, price, window, encode_option(deps.secret_key, quote, now))
        )
    return sorted(quotes, key=lambda q: (q.price.minor_units, q.window.latest, q.service.name))


def service_window(
    service: CarrierService,
    origins: Sequence[Warehouse],
    address: Address,
    ready: datetime,
    history: Mapping[tuple[str, str, str], TransitStats],
) -> DeliveryWindow:
    """When parcels ready at ``ready`` in every origin arrive on ``service`` (which serves
    each lane): the later of each end."""
    window: DeliveryWindow | None = None
    for origin in origins:
        assert origin.id is not None
        lane = service.lane_for(origin.region, address.region, address.country_code)
        pickup = service.pickup(origin.id, ready)
        stats = history.get((service.carrier, service.service, origin.region))
        zone = service.cutoff_at(origin.id).timezone
        found = delivery_window(service, lane, pickup, stats, timezone=zone)
        window = found if window is None else window.widened(found)
    assert window is not None
    return window


def select_option(
    deps: Deps,
    quotes: Sequence[ShippingQuote],
    now: datetime,
    option_id: str | None,
    field: Sequence[str] = OPTION_FIELD,
) -> OrderShippingOption | None:
    """The option an order is placed with among ``quotes`` (from ``quote_options``): the one
    asked for (checked again), or else the cheapest; None when no carrier service serves the
    order (the fixed rate table prices it)."""
    claim = None if option_id is None else decode_option(deps.secret_key, option_id, now, field)
    if claim is None:
        if not quotes:
            return None
        best = quotes[0]
        return _chosen(best, ChosenBy.CHEAPEST, best.window)
    quote = next((q for q in quotes if q.service.id == claim["s"]), None)
    if quote is None:
        raise _invalid("the service does not serve this order", field)
    if quote.service.version != claim["v"]:
        raise _invalid("the service changed", field)
    if quote.price.minor_units != claim["p"] or quote.price.currency != claim["c"]:
        raise _invalid("the price changed", field)
    shown = DeliveryWindow(
        datetime.fromisoformat(str(claim["e"])),
        datetime.fromisoformat(str(claim["l"])),
        WindowBasis(str(claim["b"])),
    )
    return _chosen(quote, ChosenBy.CUSTOMER, shown)


def _chosen(quote: ShippingQuote, by: ChosenBy, window: DeliveryWindow) -> OrderShippingOption:
    assert quote.service.id is not None
    return OrderShippingOption(
        quote.service.id, quote.service.carrier, quote.service.service, by, quote.price, window
    )


async def shipping_options(
    deps: Deps,
    actor: Principal,
    *,
    lines: Sequence[RequestedLine],
    shipping_address: AddressFields,
    channel: Channel = Channel.WEB,
    market_id: int | None = None,
) -> list[ShippingQuote]:
    """The options for a cart, as placeOrder would price and route it (the market and its
    prices as for ``placeOrder`` through ``channel``; a signed-in customer's group); reads
    only."""
    if not actor.can(Scope.ORDERS_WRITE):
        actor.require(Scope.ORDERS_PLACE)
    requested = [
        RequestedLine(clean_sku(line.sku, ["lines", str(i), "sku"]), line.quantity)
        for i, line in enumerate(lines)
    ]
    demand = merge_lines(requested)
    address = Address.create(**shipping_address, field_prefix=("shippingAddress",))
    async with deps.uow() as uow:
        now = deps.clock.now()
        market, prices = await market_and_prices(
            uow,
            deps,
            country_code=address.country_code,
            market_id=market_id,
            channel=channel,
            customer_id=actor.customer_id,
            skus=list(demand),
            now=now,
        )
        checkout = await prepare_checkout(uow, requested, demand, address, market, prices)
        return await quote_options(uow, deps, checkout, address, now)
