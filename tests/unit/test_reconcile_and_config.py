"""Reconciliation's comparison (pure) and the payment settings."""

from __future__ import annotations

import pytest

from ordergraph.config import Settings
from ordergraph.domain.carrier_services import CarrierPolicy
from ordergraph.domain.payments import ProviderPayment, TransactionKind
from ordergraph.gateways import TestGateway
from ordergraph.gateways.stripe_gateway import StripeGateway
from ordergraph.services.deps import CapturePolicy
from ordergraph.services.reconcile import Ours, compare
from tests.unit.test_order_model import make_order

SECRET = "a-real-secret-of-some-length"


def settings_of(**values: str) -> Settings:
    """Settings from exactly these values (by their environment names), no environment."""
    return Settings.model_validate(values)


def provider(**changes: object) -> ProviderPayment:
    values: dict[str, object] = {
        "reference": "pi_1",
        "status": "succeeded",
        "currency": "EUR",
        "amount": 2500,
        "capturable": 0,
        "captured": 2500,
        "refunded": 500,
        "refunded_elsewhere": 0,
    }
    values.update(changes)
    return ProviderPayment(**values)  # type: ignore[arg-type]


SOLD = Ours(TransactionKind.SALE, amount=2500, captured=2500, refunded=500, voided=False)


def test_records_that_agree_have_no_mismatch() -> None:
    assert compare(make_order(), "pi_1", SOLD, provider()) == []


def test_a_refund_in_the_dashboard_and_a_lost_void_are_reported() -> None:
    found = compare(make_order(), "pi_1", SOLD, provider(refunded_elsewhere=300))
    assert [m.problem for m in found] == ["refunded outside ordergraph"]
    assert found[0].line() == (
        "OG-100007 pi_1: refunded outside ordergraph (ours: 0; provider: 300)"
    )
    voided = Ours(TransactionKind.AUTHORIZE, 2500, captured=0, refunded=0, voided=True)
    held = provider(status="requires_capture", captured=0, refunded=0, capturable=2500)
    assert [m.problem for m in compare(make_order(), "pi_1", voided, held)] == ["status differs"]


def test_a_capture_we_never_recorded_is_reported() -> None:
    held = Ours(TransactionKind.AUTHORIZE, 2500, captured=0, refunded=0, voided=False)
    found = compare(make_order(), "pi_1", held, provider(refunded=0))
    assert [m.problem for m in found] == ["status differs", "captured differs"]


def test_the_test_gateway_is_the_development_default() -> None:
    settings = settings_of()
    assert settings.payment_gateway == "test"
    assert isinstance(settings.payment_gateway_adapter(), TestGateway)
    settings.check()  # development: fine


def test_production_refuses_the_test_gateway_naming_the_setting() -> None:
    settings = settings_of(ORDERGRAPH_ENV="production", ORDERGRAPH_SECRET_KEY=SECRET)
    with pytest.raises(RuntimeError) as refused:
        settings.check()
    assert "ORDERGRAPH_PAYMENT_GATEWAY" in str(refused.value)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "ORDERGRAPH_STRIPE_API_KEY"),
        ({"ORDERGRAPH_STRIPE_API_KEY": "sk_live_x"}, "ORDERGRAPH_STRIPE_WEBHOOK_SECRET"),
        (
            {"ORDERGRAPH_STRIPE_API_KEY": "sk_test_x", "ORDERGRAPH_STRIPE_WEBHOOK_SECRET": "w"},
            "ORDERGRAPH_STRIPE_API_KEY",
        ),
    ],
)
def test_production_on_stripe_needs_a_live_key_and_the_webhook_secret(
    extra: dict[str, str], named: str
) -> None:
    settings = settings_of(
        ORDERGRAPH_ENV="production",
        ORDERGRAPH_SECRET_KEY=SECRET,
        ORDERGRAPH_PAYMENT_GATEWAY="stripe",
        **extra,
    )
    with pytest.raises(RuntimeError) as refused:
        settings.check()
    assert named in str(refused.value)


async def test_stripe_is_chosen_by_configuration_with_its_base_and_capture_policy() -> None:
    settings = settings_of(
        ORDERGRAPH_ENV="production",
        ORDERGRAPH_SECRET_KEY=SECRET,
        ORDERGRAPH_PAYMENT_GATEWAY="stripe",
        ORDERGRAPH_STRIPE_API_KEY="sk_live_x",
        ORDERGRAPH_STRIPE_WEBHOOK_SECRET="whsec_x",
        ORDERGRAPH_STRIPE_API_BASE="http://127.0.0.1:9",
        ORDERGRAPH_CAPTURE_POLICY="on_shipment",
        ORDERGRAPH_SMTP_URL="smtp://127.0.0.1:9",
    )
    settings.check()
    gateway = settings.payment_gateway_adapter()
    assert isinstance(gateway, StripeGateway)
    await gateway.aclose()
    assert settings.order_policy().capture is CapturePolicy.ON_SHIPMENT


PRODUCTION_ON_STRIPE = {
    "ORDERGRAPH_ENV": "production",
    "ORDERGRAPH_SECRET_KEY": SECRET,
    "ORDERGRAPH_PAYMENT_GATEWAY": "stripe",
    "ORDERGRAPH_STRIPE_API_KEY": "sk_live_x",
    "ORDERGRAPH_STRIPE_WEBHOOK_SECRET": "whsec_x",
}


def test_production_refuses_to_start_without_an_smtp_server_unless_mail_is_off() -> None:
    with pytest.raises(RuntimeError) as refused:
        settings_of(**PRODUCTION_ON_STRIPE).check()
    assert "ORDERGRAPH_SMTP_URL" in str(refused.value)
    settings_of(**PRODUCTION_ON_STRIPE, ORDERGRAPH_NOTIFICATIONS_ENABLED="false").check()
    settings_of(**PRODUCTION_ON_STRIPE, ORDERGRAPH_SMTP_URL="smtps://u:p@mail.example").check()


def test_development_mails_to_the_dev_mailbox_and_production_to_smtp() -> None:
    from ordergraph.mail.transport import DevMailboxTransport, SmtpTransport

    assert isinstance(settings_of().mailer().transport, DevMailboxTransport)
    production = settings_of(**PRODUCTION_ON_STRIPE, ORDERGRAPH_SMTP_URL="smtp://mail.example")
    assert isinstance(production.mailer().transport, SmtpTransport)


def test_stages_are_switched_off_by_name_and_a_typo_is_refused() -> None:
    from ordergraph.domain.notifications import NotificationType

    policy = settings_of(ORDERGRAPH_NOTIFICATIONS_DISABLED="out_for_delivery, ORDER_EDITED")
    assert not policy.notification_policy().allows(NotificationType.OUT_FOR_DELIVERY)
    assert not policy.notification_policy().allows(NotificationType.ORDER_EDITED)
    assert policy.notification_policy().allows(NotificationType.ORDER_SHIPPED)
    off = settings_of(ORDERGRAPH_NOTIFICATIONS_ENABLED="false").notification_policy()
    assert not any(off.allows(t) for t in NotificationType)
    with pytest.raises(ValueError, match="OUT_FOR_DELIVRY"):
        settings_of(ORDERGRAPH_NOTIFICATIONS_DISABLED="OUT_FOR_DELIVRY").notification_policy()


def test_the_carrier_policy_is_configured_by_name() -> None:
    assert settings_of().order_policy().carrier_policy is CarrierPolicy.CHEAPEST
    fastest = settings_of(ORDERGRAPH_CARRIER_POLICY="fastest").order_policy()
    assert fastest.carrier_policy is CarrierPolicy.FASTEST
