"""What every use case is handed: a unit of work, the time, the payment gateway and tax provider,
the policy."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from ordergraph.domain.accounts import AccountPolicy
from ordergraph.domain.availability import AvailabilityPolicy
from ordergraph.domain.carrier_services import CarrierPolicy
from ordergraph.domain.clock import Clock
from ordergraph.domain.payments import PaymentGateway
from ordergraph.domain.ports import TaxProvider, UnitOfWork
from ordergraph.domain.promises import TransitTimes
from ordergraph.domain.returns import ReturnPolicy
from ordergraph.domain.shipping import DEFAULT_RATES, ShippingRate
from ordergraph.gateways import TableTaxProvider, TestGateway
from ordergraph.services.tax_circuit import TaxCircuit
from ordergraph.services.throttle import Throttle


class CapturePolicy(enum.StrEnum):
    """When authorized money is taken."""

    ON_PAYMENT = "on_payment"  # capturePayment takes it at once (a sale), as a shop sells
    ON_SHIPMENT = "on_shipment"  # payment only authorizes; each shipment captures its part


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """Business settings for order processing."""

    unpaid_ttl: timedelta = timedelta(minutes=30)
    shipping_rates: tuple[ShippingRate, ...] = DEFAULT_RATES
    handling_time: timedelta = timedelta(hours=24)  # confirmed → shipped, before it is late
    transit: TransitTimes = field(default_factory=TransitTimes)
    returns: ReturnPolicy = field(default_factory=ReturnPolicy)
    capture: CapturePolicy = CapturePolicy.ON_PAYMENT
    authorization_warning: timedelta = timedelta(hours=24)  # flag holds this close to lapsing
    availability: AvailabilityPolicy = field(default_factory=AvailabilityPolicy)
    # how shipFulfillment without a carrier picks a carrier service (ORDERGRAPH_CARRIER_POLICY)
    carrier_policy: CarrierPolicy = CarrierPolicy.CHEAPEST
    # the default market's currency, where no market claims a country (ORDERGRAPH_DEFAULT_CURRENCY)
    default_currency: str = "EUR"


def new_tracking_code() -> str:
    """11 URL-safe characters, 64 random bits: short to type, impossible to guess."""
    return secrets.token_urlsafe(8)


@dataclass(frozen=True, slots=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    gateway: PaymentGateway = field(default_factory=TestGateway)
    policy: OrderPolicy = field(default_factory=OrderPolicy)
    tracking_codes: Callable[[], str] = new_tracking_code
    throttle: Throttle = field(default_factory=Throttle)
    tax_provider: TaxProvider = field(default_factory=TableTaxProvider)
    # the breaker around the tax provider: one per process (Runtime), never one per request
    tax_circuit: TaxCircuit = field(default_factory=TaxCircuit)

    def silenced(self) -> Deps:
        """The same, but the events of its commands mail no customer (notifyCustomer: false)."""
        opened = self.uow

        def quiet() -> UnitOfWork:
            uow = opened()
            uow.notify_customer = False
            return uow

        return replace(self, uow=quiet)

    accounts: AccountPolicy = field(default_factory=AccountPolicy)
    # signs links that carry their own authority (the feedback link in the delivered mail)
    secret_key: str = "dev-insecure-secret-change-me"
