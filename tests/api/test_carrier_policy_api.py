"""ORDERGRAPH_CARRIER_POLICY=fastest over real HTTP on both backends: shipFulfillment without a
carrier takes the earliest estimate, whatever it costs, and says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.test_carrier_services_api import (
    confirmed_order,
    create_ok,
    regional_stock,
    service_input,
    ship_choosing,
)
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live(request: pytest.FixtureRequest, databases: Databases) -> Iterator[LiveApi]:
    url = databases.new(request.param)
    with live_api(request.param, url, ORDERGRAPH_CARRIER_POLICY="fastest") as api:
        yield api


async def test_the_fastest_policy_ships_with_the_earliest_estimate(
    admin: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    order = await confirmed_order(admin, unique, item, 1)

    shipment = await ship_choosing(admin, order["fulfillments"][0]["id"])
    assert (shipment["carrier"], shipment["service"]) == ("DHL", f"EXPRESS-{unique}")
    choice = shipment["carrierChoice"]
    assert choice["policy"] == "fastest"
    assert [(c["carrier"], c["chosen"], c["reason"]) for c in choice["candidates"]] == [
        ("DHL", True, "fastest estimated delivery"),
        ("POSTNL", False, f"slower than DHL EXPRESS-{unique}"),
    ]
