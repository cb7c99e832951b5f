"""The Stripe suite: our adapter through the official SDK against localstripe, a real
Stripe-compatible server the harness runs as a subprocess (one per pytest session)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from ordergraph.gateways.stripe_gateway import StripeGateway
from tests.integration.conftest import pg_deps, pg_engine, pg_url  # noqa: F401 - shared fixtures
from tests.support.localstripe import API_KEY, LocalStripe, running_localstripe


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
async def stripe_gateway(localstripe: LocalStripe) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(API_KEY, api_base=localstripe.url, max_network_retries=0)
    try:
        yield gateway
    finally:
        await gateway.aclose()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8].upper()
