"""Settings from the environment and a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ordergraph.domain.accounts import AccountPolicy
from ordergraph.domain.availability import AvailabilityPolicy
from ordergraph.domain.carrier_services import CarrierPolicy
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.invoices import Seller, seller_address_lines
from ordergraph.domain.money import Money, clean_currency
from ordergraph.domain.notifications import NotificationPolicy, NotificationType
from ordergraph.domain.payments import PaymentGateway
from ordergraph.domain.ports import TaxProvider
from ordergraph.domain.promises import TransitTimes
from ordergraph.domain.returns import ReturnPolicy
from ordergraph.domain.shipping import ShippingRate
from ordergraph.domain.throttle import BucketPolicy
from ordergraph.domain.webhooks import RetrySchedule, WebhookUrlPolicy
from ordergraph.events.notifications import Mailer, NotificationSettings
from ordergraph.events.webhooks import WebhookSettings
from ordergraph.mail.render import TemplateRenderer
from ordergraph.mail.transport import DevMailboxTransport, SmtpTransport
from ordergraph.services.deps import CapturePolicy, OrderPolicy
from ordergraph.services.tax_circuit import TaxCircuit
from ordergraph.services.throttle import DAY, ThrottleRule, ThrottleRules, per_minute

DEV_SECRET = "dev-insecure-secret-change-me"
CARRIER_SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class ShippingRateSetting(BaseModel):
    """One rate, e.g. {"match": "EU-WEST", "currency": "EUR", "base": "4.95", "perKg": "1.00",
    "freeOver": "75.00"}; ``match`` is a region, a country code or "*"."""

    model_config = ConfigDict(populate_by_name=True)

    match: str
    currency: str
    base: Decimal
    per_kg: Decimal = Field(default=Decimal(0), alias="perKg")
    free_over: Decimal | None = Field(default=None, alias="freeOver")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./ordergraph.db", validation_alias="DATABASE_URL"
    )
    read_database_url: str | None = Field(default=None, validation_alias="READ_DATABASE_URL")
    env: Literal["development", "production"] = Field(
        default="development", validation_alias="ORDERGRAPH_ENV"
    )
    secret_key: str = Field(default=DEV_SECRET, validation_alias="ORDERGRAPH_SECRET_KEY")
    db_pool_size: int = Field(default=10, validation_alias="ORDERGRAPH_DB_POOL_SIZE")
    max_query_depth: int = Field(default=12, validation_alias="ORDERGRAPH_MAX_QUERY_DEPTH")
    max_aliases: int = Field(default=30, validation_alias="ORDERGRAPH_MAX_ALIASES")
    max_tokens: int = Field(default=5000, validation_alias="ORDERGRAPH_MAX_TOKENS")
    max_body_bytes: int = Field(default=1_000_000, validation_alias="ORDERGRAPH_MAX_BODY_BYTES")
    unpaid_order_ttl_minutes: float = Field(
        default=30, gt=0, validation_alias="ORDERGRAPH_UNPAID_ORDER_TTL_MINUTES"
    )
    expiry_interval_seconds: float = Field(
        default=15, ge=0, validation_alias="ORDERGRAPH_EXPIRY_INTERVAL_SECONDS"
    )
    at_risk_interval_seconds: float = Field(
        default=60, ge=0, validation_alias="ORDERGRAPH_AT_RISK_INTERVAL_SECONDS"
    )
    handling_hours: float = Field(default=24, gt=0, validation_alias="ORDERGRAPH_HANDLING_HOURS")
    transit_days: dict[str, int] | None = Field(
        default=None, validation_alias="ORDERGRAPH_TRANSIT_DAYS"
    )
    webhook_allow_private: bool | None = Field(
        default=None, validation_alias="ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE"
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=60, validation_alias="ORDERGRAPH_WEBHOOK_TIMEOUT_SECONDS"
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=30, validation_alias="ORDERGRAPH_WEBHOOK_MAX_ATTEMPTS"
    )
    # 63 s, not 60: 8 retries then span ≥ 4 h even when jitter shortens every wait by 10 %
    webhook_retry_base_seconds: float = Field(
        default=63, gt=0, validation_alias="ORDERGRAPH_WEBHOOK_RETRY_BASE_SECONDS"
    )
    webhook_interval_seconds: float = Field(
        default=1, ge=0, validation_alias="ORDERGRAPH_WEBHOOK_INTERVAL_SECONDS"
    )
    # automation rules: a poll every this many seconds (0 = off); NOTIFY wakes it sooner
    automation_interval_seconds: float = Field(
        default=2, ge=0, validation_alias="ORDERGRAPH_AUTOMATION_INTERVAL_SECONDS"
    )
    return_window_days: int = Field(
        default=30, ge=0, le=3650, validation_alias="ORDERGRAPH_RETURN_WINDOW_DAYS"
    )
    # availability(skus, countryCode): storefronts see a band (OUT_OF_STOCK, LOW at or below
    # the threshold, IN_STOCK); the exact number of units only with ORDERGRAPH_AVAILABILITY_EXACT
    availability_exact: bool = Field(
        default=False, validation_alias="ORDERGRAPH_AVAILABILITY_EXACT"
    )
    availability_low_threshold: int = Field(
        default=5, ge=0, validation_alias="ORDERGRAPH_AVAILABILITY_LOW_THRESHOLD"
    )
    shipping_rates: list[ShippingRateSetting] | None = Field(
        default=None, validation_alias="ORDERGRAPH_SHIPPING_RATES"
    )
    # shipFulfillment without a carrier: the cheapest service that meets the promise, or the
    # fastest
    carrier_policy: Literal["cheapest", "fastest"] = Field(
        default="cheapest", validation_alias="ORDERGRAPH_CARRIER_POLICY"
    )
    # The default market's currency: what applies where no market claims the country (the
    # demo catalog and the built-in shipping rates are in EUR)
    default_currency: str = Field(default="EUR", validation_alias="ORDERGRAPH_DEFAULT_CURRENCY")

    @field_validator("default_currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        try:
            return clean_currency(value, ["ORDERGRAPH_DEFAULT_CURRENCY"])
        except InvalidInput as exc:
            raise ValueError(f"ORDERGRAPH_DEFAULT_CURRENCY: {value!r} {exc.message}") from exc

    # Unset: links use the address the client called (its Host header), and work off a request
    # (mail, CLI) uses HOST and PORT. Set it behind a proxy or load balancer.
    public_base_url: str | None = Field(default=None, validation_alias="PUBLIC_BASE_URL")
    # --- abuse limits (leaky buckets shared by every worker through the database) ---
    login_burst_per_account: int = Field(
        default=5, ge=1, validation_alias="ORDERGRAPH_LOGIN_BURST_PER_ACCOUNT"
    )
    login_per_minute_per_account: float = Field(
        default=1, gt=0, validation_alias="ORDERGRAPH_LOGIN_PER_MINUTE_PER_ACCOUNT"
    )
    login_per_day_per_account: int = Field(
        default=20, ge=1, validation_alias="ORDERGRAPH_LOGIN_PER_DAY_PER_ACCOUNT"
    )
    login_burst_per_address: int = Field(
        default=20, ge=1, validation_alias="ORDERGRAPH_LOGIN_BURST_PER_ADDRESS"
    )
    login_per_minute_per_address: float = Field(
        default=10, gt=0, validation_alias="ORDERGRAPH_LOGIN_PER_MINUTE_PER_ADDRESS"
    )
    bad_tokens_per_minute_per_address: float = Field(
        default=10, gt=0, validation_alias="ORDERGRAPH_BAD_TOKENS_PER_MINUTE_PER_ADDRESS"
    )
    max_query_cost: int = Field(default=2000, ge=1, validation_alias="ORDERGRAPH_MAX_QUERY_COST")
    query_cost_budget: int = Field(
        default=4000, ge=1, validation_alias="ORDERGRAPH_QUERY_COST_BUDGET"
    )
    query_cost_restore_rate: float = Field(
        default=200, gt=0, validation_alias="ORDERGRAPH_QUERY_COST_RESTORE_RATE"
    )
    payment_gateway: Literal["test", "stripe"] = Field(
        default="test", validation_alias="ORDERGRAPH_PAYMENT_GATEWAY"
    )
    stripe_api_key: str | None = Field(default=None, validation_alias="ORDERGRAPH_STRIPE_API_KEY")
    # --- taxes (README "Taxes") ----------------------------------------------------------
    tax_provider: Literal["table"] = Field(
        default="table", validation_alias="ORDERGRAPH_TAX_PROVIDER"
    )
    tax_breaker_failures: int = Field(
        default=5, ge=1, le=1000, validation_alias="ORDERGRAPH_TAX_BREAKER_FAILURES"
    )
    tax_breaker_reset_seconds: float = Field(
        default=30, gt=0, le=86400, validation_alias="ORDERGRAPH_TAX_BREAKER_RESET_SECONDS"
    )
    tax_provider_timeout_seconds: float = Field(
        default=5, gt=0, le=120, validation_alias="ORDERGRAPH_TAX_PROVIDER_TIMEOUT_SECONDS"
    )
    stripe_webhook_secret: str | None = Field(
        default=None, validation_alias="ORDERGRAPH_STRIPE_WEBHOOK_SECRET"
    )
    stripe_api_base: str | None = Field(default=None, validation_alias="ORDERGRAPH_STRIPE_API_BASE")
    # POST /carrier-events/{source}: source → its signing secret, e.g. {"easypost": "…",
    # "acme-post": "…"}; a source named easypost[-…] speaks EasyPost's format, others ours
    # (docs/carrier-events.md). An unlisted source is a 404.
    carrier_webhook_secrets: dict[str, str] = Field(
        default_factory=dict, validation_alias="ORDERGRAPH_CARRIER_WEBHOOK_SECRETS"
    )

    @field_validator("carrier_webhook_secrets")
    @classmethod
    def _carrier_sources(cls, secrets: dict[str, str]) -> dict[str, str]:
        """Sources are URL path segments and stored on each event: short, plain names."""
        for source, secret in secrets.items():
            if not CARRIER_SOURCE.fullmatch(source):
                raise ValueError(
                    f"carrier source {source!r}: use 1-64 of a-z, 0-9, '-' and '_' (e.g. easypost)"
                )
            if not secret.strip():
                raise ValueError(f"carrier source {source!r} has an empty secret")
        return secrets

    carrier_webhook_tolerance_seconds: int = Field(
        default=300, ge=1, le=86400, validation_alias="ORDERGRAPH_CARRIER_WEBHOOK_TOLERANCE_SECONDS"
    )
    capture_policy: Literal["on_payment", "on_shipment"] = Field(
        default="on_payment", validation_alias="ORDERGRAPH_CAPTURE_POLICY"
    )
    authorization_warning_hours: float = Field(
        default=24, ge=0, validation_alias="ORDERGRAPH_AUTHORIZATION_WARNING_HOURS"
    )
    # --- customer mail -----------------------------------------------------------------
    notifications_enabled: bool = Field(
        default=True, validation_alias="ORDERGRAPH_NOTIFICATIONS_ENABLED"
    )
    # stages switched off, e.g. "OUT_FOR_DELIVERY,ORDER_EDITED"
    notifications_disabled: str = Field(
        default="", validation_alias="ORDERGRAPH_NOTIFICATIONS_DISABLED"
    )
    smtp_url: str | None = Field(default=None, validation_alias="ORDERGRAPH_SMTP_URL")
    smtp_timeout_seconds: float = Field(
        default=10, gt=0, validation_alias="ORDERGRAPH_SMTP_TIMEOUT_SECONDS"
    )
    mail_from: str = Field(
        default="ordergraph <orders@ordergraph.localhost>", validation_alias="ORDERGRAPH_MAIL_FROM"
    )
    shop_name: str = Field(default="ordergraph", validation_alias="ORDERGRAPH_SHOP_NAME")
    # the seller on invoices: postal address lines separated by ";" and the VAT number
    seller_address: str = Field(default="", validation_alias="ORDERGRAPH_SELLER_ADDRESS")
    seller_vat_id: str | None = Field(default=None, validation_alias="ORDERGRAPH_SELLER_VAT_ID")
    mail_templates_dir: str | None = Field(
        default=None, validation_alias="ORDERGRAPH_MAIL_TEMPLATES_DIR"
    )
    default_locale: str = Field(default="en", validation_alias="ORDERGRAPH_DEFAULT_LOCALE")
    notification_interval_seconds: float = Field(
        default=1, gt=0, validation_alias="ORDERGRAPH_NOTIFICATION_INTERVAL_SECONDS"
    )
    notification_max_attempts: int = Field(
        default=8, ge=1, validation_alias="ORDERGRAPH_NOTIFICATION_MAX_ATTEMPTS"
    )
    notification_retry_base_seconds: float = Field(
        default=30, gt=0, validation_alias="ORDERGRAPH_NOTIFICATION_RETRY_BASE_SECONDS"
    )
    notification_lease_seconds: float = Field(
        default=120, gt=0, validation_alias="ORDERGRAPH_NOTIFICATION_LEASE_SECONDS"
    )

    def seller(self) -> Seller:
        """Who sells, as invoices print it."""
        return Seller(
            name=self.shop_name,
            address_lines=seller_address_lines(self.seller_address),
            vat_id=self.seller_vat_id or None,
        )

    def mailer(self) -> Mailer:
        """The notification consumer's transport, templates and settings."""
        templates = Path(self.mail_templates_dir) if self.mail_templates_dir else None
        return Mailer(
            # without a URL: the dev mailbox (check() refuses that in production unless mail
            # is off, and then no consumer runs: the renderer still serves previews)
            transport=(
                SmtpTransport(self.smtp_url, timeout=self.smtp_timeout_seconds)
                if self.smtp_url
                else DevMailboxTransport()
            ),
            renderer=TemplateRenderer(templates, default_locale=self.default_locale),
            settings=NotificationSettings(
                sender=self.mail_from,
                base_url=self.served_base_url(),
                shop_name=self.shop_name,
                secret_key=self.secret_key,
                default_locale=self.default_locale,
                handling=timedelta(hours=self.handling_hours),
                lease=timedelta(seconds=self.notification_lease_seconds),
                schedule=RetrySchedule(
                    max_attempts=self.notification_max_attempts,
                    base=timedelta(seconds=self.notification_retry_base_seconds),
                ),
            ),
        )

    # --- customer accounts: how long mailed links work ---------------------------------
    verification_token_hours: float = Field(
        default=48, gt=0, validation_alias="ORDERGRAPH_VERIFICATION_TOKEN_HOURS"
    )
    reset_token_minutes: float = Field(
        default=60, gt=0, validation_alias="ORDERGRAPH_RESET_TOKEN_MINUTES"
    )

    def account_policy(self) -> AccountPolicy:
        return AccountPolicy(
            verification_lifetime=timedelta(hours=self.verification_token_hours),
            reset_lifetime=timedelta(minutes=self.reset_token_minutes),
        )

    def notification_policy(self) -> NotificationPolicy:
        if not self.notifications_enabled:
            return NotificationPolicy(frozenset())
        off = {part.strip().upper() for part in self.notifications_disabled.split(",")}
        unknown = off - {t.value for t in NotificationType} - {""}
        if unknown:
            raise ValueError(f"ORDERGRAPH_NOTIFICATIONS_DISABLED: unknown {sorted(unknown)}")
        return NotificationPolicy(frozenset(t for t in NotificationType if t.value not in off))

    def order_policy(self) -> OrderPolicy:
        transit = _transit_times(self.transit_days or {})
        base = OrderPolicy(
            unpaid_ttl=timedelta(minutes=self.unpaid_order_ttl_minutes),
            handling_time=timedelta(hours=self.handling_hours),
            transit=transit,
            returns=ReturnPolicy(window_days=self.return_window_days),
            capture=CapturePolicy(self.capture_policy),
            authorization_warning=timedelta(hours=self.authorization_warning_hours),
            availability=AvailabilityPolicy(
                exact=self.availability_exact, low_threshold=self.availability_low_threshold
            ),
            carrier_policy=CarrierPolicy(self.carrier_policy),
            default_currency=self.default_currency,
        )
        if not self.shipping_rates:
            return base
        rates = []
        for rate in self.shipping_rates:

            def minor(amount: Decimal, rate: ShippingRateSetting = rate) -> int:
                return Money.parse(amount, rate.currency, ["ORDERGRAPH_SHIPPING_RATES"]).minor_units

            rates.append(
                ShippingRate(
                    match=rate.match.upper(),
                    currency=rate.currency.upper(),
                    base_minor=minor(rate.base),
                    per_kg_minor=minor(rate.per_kg),
                    free_over_minor=minor(rate.free_over) if rate.free_over is not None else None,
                )
            )
        return replace(base, shipping_rates=tuple(rates))

    def webhook_settings(self) -> WebhookSettings:
        """Private and loopback receivers are refused in production unless allowed."""
        allow = (
            self.webhook_allow_private
            if self.webhook_allow_private is not None
            else not self.is_production
        )
        return WebhookSettings(
            policy=WebhookUrlPolicy(allow_private=allow),
            schedule=RetrySchedule(
                max_attempts=self.webhook_max_attempts,
                base=timedelta(seconds=self.webhook_retry_base_seconds),
            ),
            timeout_seconds=self.webhook_timeout_seconds,
        )

    def served_base_url(self) -> str:
        """The base URL of links made outside a request: PUBLIC_BASE_URL, else HOST and PORT."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = os.environ.get("HOST", "127.0.0.1")
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{os.environ.get('PORT', '8000')}"

    def throttle_rules(self) -> ThrottleRules:
        return ThrottleRules(
            login_account=ThrottleRule(
                "login-account",
                (
                    per_minute(self.login_burst_per_account, self.login_per_minute_per_account),
                    BucketPolicy(
                        self.login_per_day_per_account, self.login_per_day_per_account / DAY
                    ),
                ),
            ),
            login_address=ThrottleRule(
                "login-address",
                (per_minute(self.login_burst_per_address, self.login_per_minute_per_address),),
            ),
            bad_token_address=ThrottleRule(
                "bad-token-address",
                (
                    per_minute(
                        2 * self.bad_tokens_per_minute_per_address,
                        self.bad_tokens_per_minute_per_address,
                    ),
                ),
            ),
            query_cost=BucketPolicy(
                capacity=max(self.query_cost_budget, self.max_query_cost),
                leak_per_second=self.query_cost_restore_rate,
            ),
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse to run production with development defaults."""
        if self.is_production and self.secret_key == DEV_SECRET:
            raise RuntimeError("set ORDERGRAPH_SECRET_KEY in production")
        if self.is_production and self.payment_gateway == "test":
            raise RuntimeError(
                "ORDERGRAPH_PAYMENT_GATEWAY=test is refused in production (its tok_ok confirms "
                "any order): set ORDERGRAPH_PAYMENT_GATEWAY=stripe with ORDERGRAPH_STRIPE_API_KEY "
                "and ORDERGRAPH_STRIPE_WEBHOOK_SECRET"
            )
        if self.payment_gateway == "stripe" and not self.stripe_api_key:
            raise RuntimeError("ORDERGRAPH_PAYMENT_GATEWAY=stripe needs ORDERGRAPH_STRIPE_API_KEY")
        if self.is_production and self.payment_gateway == "stripe":
            if not self.stripe_webhook_secret:
                raise RuntimeError(
                    "set ORDERGRAPH_STRIPE_WEBHOOK_SECRET in production: 3-D Secure payments "
                    "complete through the signed webhook"
                )
            if self.stripe_api_key and self.stripe_api_key.startswith("sk_test_"):
                raise RuntimeError(
                    "ORDERGRAPH_STRIPE_API_KEY is a test key (sk_test_…) in production"
                )
        if self.is_production and self.notifications_enabled and not self.smtp_url:
            raise RuntimeError(
                "set ORDERGRAPH_SMTP_URL in production (the dev mailbox is development only), "
                "or ORDERGRAPH_NOTIFICATIONS_ENABLED=false to send no customer mail"
            )

    def payment_gateway_adapter(self) -> PaymentGateway:
        """The configured provider: the built-in test gateway, or Stripe."""
        if self.payment_gateway == "stripe":
            from ordergraph.gateways.stripe_gateway import StripeGateway

            if not self.stripe_api_key:
                raise RuntimeError(
                    "ORDERGRAPH_PAYMENT_GATEWAY=stripe needs ORDERGRAPH_STRIPE_API_KEY"
                )
            return StripeGateway(self.stripe_api_key, api_base=self.stripe_api_base)
        from ordergraph.gateways import TestGateway

        return TestGateway()

    def tax_provider_adapter(self) -> TaxProvider:
        """The configured tax provider: the built-in rate table."""
        from ordergraph.gateways import TableTaxProvider

        return TableTaxProvider()

    def tax_circuit(self) -> TaxCircuit:
        """The breaker around the tax provider, one per process."""
        return TaxCircuit(
            failures=self.tax_breaker_failures,
            reset_seconds=self.tax_breaker_reset_seconds,
            timeout_seconds=self.tax_provider_timeout_seconds,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def _transit_times(days: dict[str, int]) -> TransitTimes:
    """From {"EU-WEST>EU-CENTRAL": 2, "SAME_REGION": 1, "SAME_COUNTRY": 2, "DEFAULT": 4}."""
    defaults = TransitTimes()
    overrides: dict[tuple[str, str], int] = {}
    for key, value in days.items():
        origin, arrow, destination = key.upper().partition(">")
        if arrow:
            overrides[(origin.strip(), destination.strip())] = value
    return TransitTimes(
        overrides=overrides,
        same_region_days=days.get("SAME_REGION", defaults.same_region_days),
        same_country_days=days.get("SAME_COUNTRY", defaults.same_country_days),
        default_days=days.get("DEFAULT", defaults.default_days),
    )
