"""What every use case is handed: a unit of work, the time, the payment gateway, the policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ordergraph.domain.clock import Clock
from ordergraph.domain.payments import PaymentGateway
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.shipping import DEFAULT_RATES, ShippingRate
from ordergraph.gateways import TestGateway


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """Business settings for order processing."""

    unpaid_ttl: timedelta = timedelta(minutes=30)
    shipping_rates: tuple[ShippingRate, ...] = DEFAULT_RATES


@dataclass(frozen=True, slots=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    gateway: PaymentGateway = field(default_factory=TestGateway)
    policy: OrderPolicy = field(default_factory=OrderPolicy)
