"""Draft orders over real HTTP: staff save a cart, see its quote (the quoteOrder numbers),
change it with a version check, and complete it into a placed order with the same total;
nothing is reserved until completion unless the draft asks to hold its stock
(reserveInventoryUntil); a line may carry a custom price with a reason; customers and
storefront tokens get nothing.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordergraph.db.engine import create_engine
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.principals import Role, Scope
from ordergraph.services.deps import Deps
from ordergraph.services.draft_reservations import release_expired_draft_reservations
from tests.api.test_order_edits_api import no_drift
from tests.api.test_order_pricing_api import CREATE_DISCOUNT, Shop, money
from tests.api.test_order_pricing_api import ok as pricing_ok
from tests.api.test_place_order_api import (
    address,
    level,
    order_count,
    order_input,
    place_ok,
    read_order,
    reserved,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

MONEY = "{ amount currency }"
DRAFT = f"""
  id status version channel salesRep createdBy orderId
  lines {{ sku quantity }}
  quote {{ subtotal {MONEY} shippingTotal {MONEY} total {MONEY} }}
"""
CREATE = f"""
mutation($input: DraftOrderInput!) {{
  createDraftOrder(input: $input) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code }}
  }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: DraftOrderInput!, $v: Int) {{
  updateDraftOrder(draftOrderId: $id, input: $input, expectedVersion: $v) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code currentVersion }}
  }}
}}"""
COMPLETE = f"""
mutation($id: ID!, $input: CompleteDraftOrderInput) {{
  completeDraftOrder(draftOrderId: $id, input: $input) {{
    draftOrder {{ {DRAFT} }}
    order {{
      id status channel salesRep draftOrderId total {MONEY} lines {{ sku quantity }}
      events {{ type payload }}
    }}
    userErrors {{ field message code }}
  }}
}}"""
DELETE = f"""
mutation($id: ID!) {{
  deleteDraftOrder(draftOrderId: $id) {{
    draftOrder {{ {DRAFT} }} userErrors {{ field message code }}
  }}
}}"""
QUOTE = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{ quote {{ total {MONEY} }} userErrors {{ code }} }}
}}"""
READ = f"query($id: ID!) {{ draftOrder(id: $id) {{ {DRAFT} }} }}"


@pytest.fixture
def clerk(admin: GraphQLClient, live: LiveApi) -> GraphQLClient:
    """A second staff member who may write orders."""
    token = issue_token(live.database_url, Role.STAFF, frozenset({Scope.ORDERS_WRITE}))
    return admin.as_token(token)


def decode_pk(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).split(b":")[1])


def draft_input(lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shippingAddress": address(),
        "email": "ada@example.com",
    }
    values.update(extra)
    return values


async def create_ok(staff: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await staff.mutate(CREATE, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    draft = payload["draftOrder"]
    assert isinstance(draft, dict)
    return draft


async def test_a_draft_is_quoted_like_quote_order_and_completes_into_an_order_with_that_total(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 2)]))
    assert draft["status"] == "OPEN"
    assert draft["version"] == 1
    assert draft["channel"] == "PHONE"
    quoted = await admin.mutate(QUOTE, {"input": order_input([(item.sku, 2)], channel="PHONE")})
    assert draft["quote"]["total"] == quoted["quote"]["total"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 0  # a draft reserves nothing

    updated = await admin.mutate(
        UPDATE, {"id": draft["id"], "input": draft_input([(item.sku, 3)]), "v": 1}
    )
    assert updated["userErrors"] == []
    assert updated["draftOrder"]["version"] == 2
    assert updated["draftOrder"]["lines"] == [{"sku": item.sku, "quantity": 3}]
    total = updated["draftOrder"]["quote"]["total"]

    done = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert done["userErrors"] == []
    order = done["order"]
    assert order["status"] == "PLACED"
    assert order["channel"] == "PHONE"
    assert order["total"] == total
    assert order["salesRep"] == draft["createdBy"]
    assert order["lines"] == [{"sku": item.sku, "quantity": 3}]
    assert order["draftOrderId"] == draft["id"]
    placed = [e["payload"] for e in order["events"] if e["type"] == "order.placed"]
    assert [p["draftOrderId"] for p in placed] == [decode_pk(draft["id"])]
    assert done["draftOrder"]["status"] == "COMPLETED"
    assert done["draftOrder"]["orderId"] == order["id"]
    assert done["draftOrder"]["quote"] is None
    assert await reserved(admin, item.sku, item.warehouse_id) == 3
    await no_drift(admin)

    again = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert [e["code"] for e in again["userErrors"]] == ["DRAFT_ALREADY_COMPLETED"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 3  # no second order


async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    stale = await admin.mutate(
        UPDATE, {"id": draft["id"], "input": draft_input([(item.sku, 4)]), "v": 7}
    )
    assert stale["draftOrder"] is None
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [("CONFLICT", 1)]
    read = (await admin.data(READ, {"id": draft["id"]}))["draftOrder"]
    assert read["version"] == 1
    assert read["lines"] == [{"sku": item.sku, "quantity": 1}]


async def test_bad_input_is_refused_with_place_order_codes_and_saves_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=1)
    unknown = await admin.mutate(CREATE, {"input": draft_input([(f"NOPE-{unique}", 1)])})
    assert unknown["draftOrder"] is None
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    too_many = await admin.mutate(CREATE, {"input": draft_input([(item.sku, 9)])})
    assert [e["code"] for e in too_many["userErrors"]] == ["OUT_OF_STOCK"]
    bad_id = await admin.mutate(COMPLETE, {"id": "not-an-id"})
    assert bad_id["order"] is None
    assert bad_id["userErrors"][0]["field"][-1] == "draftOrderId"


async def test_a_deleted_draft_cannot_be_completed(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)], channel="SALES_REP"))
    deleted = await admin.mutate(DELETE, {"id": draft["id"]})
    assert deleted["draftOrder"]["status"] == "DELETED"
    done = await admin.mutate(COMPLETE, {"id": draft["id"]})
    assert [e["code"] for e in done["userErrors"]] == ["DRAFT_NOT_OPEN"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 0
    listed = (await admin.data(f"{{ draftOrders {{ {DRAFT} }} }}"))["draftOrders"]
    assert draft["id"] not in [d["id"] for d in listed]


async def test_storefront_and_anonymous_callers_get_no_drafts(
    admin: GraphQLClient, storefront: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    refused = await storefront.mutate(CREATE, {"input": draft_input([(item.sku, 1)])})
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    for client in (storefront, anonymous):
        response = await client.execute(READ, {"id": draft["id"]})
        assert (response.body.get("data") or {}).get("draftOrder") is None
        assert response.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}


async def test_two_staff_completing_one_draft_at_once_place_exactly_one_order(
    admin: GraphQLClient, clerk: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 2)]))
    before = await order_count(admin)

    answers = await asyncio.gather(
        admin.mutate(COMPLETE, {"id": draft["id"]}),
        clerk.mutate(COMPLETE, {"id": draft["id"]}),
    )

    placed = [a for a in answers if a["userErrors"] == []]
    refused = [a for a in answers if a["userErrors"] != []]
    assert len(placed) == 1
    assert [e["code"] for a in refused for e in a["userErrors"]] == ["DRAFT_ALREADY_COMPLETED"]
    assert await order_count(admin) == before + 1
    assert await reserved(admin, item.sku, item.warehouse_id) == 2
    await no_drift(admin)


async def test_completing_again_with_the_same_idempotency_key_replays_the_same_order(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    draft = await create_ok(admin, draft_input([(item.sku, 1)]))
    key = {"idempotencyKey": f"complete-{unique}"}
    before = await order_count(admin)

    answers = await asyncio.gather(
        *(admin.mutate(COMPLETE, {"id": draft["id"], "input": key}) for _ in range(3))
    )

    assert [a["userErrors"] for a in answers] == [[]] * 3
    assert len({a["order"]["id"] for a in answers}) == 1
    assert await order_count(admin) == before + 1
    assert await reserved(admin, item.sku, item.warehouse_id) == 1


async def test_an_order_placed_directly_has_no_draft_order_id(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    order = await place_ok(admin, order_input([(item.sku, 1)]))
    assert (await read_order(admin, order["id"], "draftOrderId"))["draftOrderId"] is None


# --- slice 3: custom line prices and reservations ------------------------------------------

PRICED = f"""
  id status version reservedUntil orderId
  lines {{ sku quantity unitPrice {MONEY} priceReason originalUnitPrice {MONEY} }}
  quote {{
    subtotal {MONEY} discountTotal {MONEY} taxTotal {MONEY} shippingTotal {MONEY} total {MONEY}
    lines {{ sku unitPrice {MONEY} }}
  }}
"""
CREATE_PRICED = f"""
mutation($input: DraftOrderInput!) {{
  createDraftOrder(input: $input) {{
    draftOrder {{ {PRICED} }} userErrors {{ field message code }}
  }}
}}"""
UPDATE_PRICED = f"""
mutation($id: ID!, $input: DraftOrderInput!) {{
  updateDraftOrder(draftOrderId: $id, input: $input) {{
    draftOrder {{ {PRICED} }} userErrors {{ field message code }}
  }}
}}"""
COMPLETE_PRICED = f"""
mutation($id: ID!) {{
  completeDraftOrder(draftOrderId: $id) {{
    draftOrder {{ {PRICED} }}
    order {{
      id total {MONEY} taxTotal {MONEY} discountTotal {MONEY}
      lines {{ sku quantity unitPrice {MONEY} }}
      events {{ type payload }}
    }}
    userErrors {{ field message code }}
  }}
}}"""
READ_PRICED = f"query($id: ID!) {{ draftOrder(id: $id) {{ {PRICED} }} }}"
QUOTE_TOTALS = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{
    quote {{
      subtotal {MONEY} discountTotal {MONEY} taxTotal {MONEY} shippingTotal {MONEY} total {MONEY}
    }}
    userErrors {{ code }}
  }}
}}"""
PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id } userErrors { field code } }
}"""
MOVEMENTS = """
query($sku: String!, $warehouseId: ID!) {
  inventoryMovements(sku: $sku, warehouseId: $warehouseId, first: 50) {
    nodes { delta field reason reference }
  }
}"""


def later(hours: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def custom(sku: str, quantity: int, amount: str, reason: str | None, **extra: Any) -> Any:
    line: dict[str, Any] = {"sku": sku, "quantity": quantity}
    line["unitPrice"] = {"amount": amount, "currency": extra.pop("currency", "EUR")}
    if reason is not None:
        line["priceReason"] = reason
    return line | extra


async def priced_ok(staff: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await staff.mutate(CREATE_PRICED, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    draft = payload["draftOrder"]
    assert isinstance(draft, dict)
    return draft


async def movements(admin: GraphQLClient, sku: str, warehouse_id: str) -> list[tuple[int, str]]:
    data = await admin.data(MOVEMENTS, {"sku": sku, "warehouseId": warehouse_id})
    return sorted(
        (n["delta"], n["reason"])
        for n in data["inventoryMovements"]["nodes"]
        if n["field"] == "RESERVED"
    )


async def draft_count(admin: GraphQLClient) -> int:
    return len((await admin.data("{ draftOrders(first: 100) { id } }"))["draftOrders"])


async def test_a_custom_price_without_a_reason_or_in_another_currency_is_refused_and_saves_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    before = await draft_count(admin)
    no_reason = await admin.mutate(
        CREATE_PRICED, {"input": draft_input([]) | {"lines": [custom(item.sku, 1, "9.00", None)]}}
    )
    assert no_reason["draftOrder"] is None
    assert [(e["field"], e["code"]) for e in no_reason["userErrors"]] == [
        (["input", "lines", "0", "priceReason"], "REQUIRED")
    ]
    blank = await admin.mutate(
        CREATE_PRICED, {"input": draft_input([]) | {"lines": [custom(item.sku, 1, "9.00", "  ")]}}
    )
    assert [e["code"] for e in blank["userErrors"]] == ["REQUIRED"]
    reason_only = await admin.mutate(
        CREATE_PRICED,
        {
            "input": draft_input([])
            | {"lines": [{"sku": item.sku, "quantity": 1, "priceReason": "x"}]}
        },
    )
    assert [e["code"] for e in reason_only["userErrors"]] == ["INVALID"]
    dollars = await admin.mutate(
        CREATE_PRICED,
        {
            "input": draft_input([])
            | {"lines": [custom(item.sku, 1, "9.00", "deal", currency="USD")]}
        },
    )
    assert [(e["field"], e["code"]) for e in dollars["userErrors"]] == [
        (["input", "lines", "0", "unitPrice", "currency"], "MIXED_CURRENCY")
    ]
    negative = await admin.mutate(
        CREATE_PRICED, {"input": draft_input([]) | {"lines": [custom(item.sku, 1, "-1", "deal")]}}
    )
    assert [e["code"] for e in negative["userErrors"]] == ["INVALID_AMOUNT"]
    assert await draft_count(admin) == before


async def test_a_custom_price_is_discounted_taxed_quoted_and_placed_like_a_catalog_price(
    admin: GraphQLClient, unique: str
) -> None:
    """A lists at 20.00, sold at 16.00 (price match); B lists at 16.00. Tax 15 % on top, on
    shipping too (5.00); code 10 %. 2 x 16.00 = 32.00 - 3.20 = 28.80; tax 4.32 + 0.75;
    total 28.80 + 5.00 + 5.07 = 38.87 — the same as B at its catalog price."""
    shop = await Shop(admin, unique, "NZ", "NZD").open(inclusive=False, shipping="5.00")
    await shop.rate(f"GST-{unique}", "15")
    a = await shop.product("A", "20.00")
    b = await shop.product("B", "16.00")
    code = f"TEN-{unique}"
    await pricing_ok(
        admin, CREATE_DISCOUNT, {"code": code, "name": "10 %", "kind": "PERCENTAGE", "value": "10"}
    )
    values = shop.order([], channel="PHONE", discountCodes=[code])
    values["lines"] = [custom(a, 2, "16.00", "price match", currency="NZD")]
    draft = await priced_ok(admin, values)

    nzd = "NZD"
    assert draft["lines"] == [
        {
            "sku": a,
            "quantity": 2,
            "unitPrice": money("16.00", nzd),
            "priceReason": "price match",
            "originalUnitPrice": money("20.00", nzd),
        }
    ]
    quote = draft["quote"]
    assert quote["lines"] == [{"sku": a, "unitPrice": money("16.00", nzd)}]
    assert (quote["subtotal"], quote["discountTotal"]) == (money("32.00", nzd), money("3.20", nzd))
    assert (quote["taxTotal"], quote["total"]) == (money("5.07", nzd), money("38.87", nzd))
    reference = await admin.mutate(
        QUOTE_TOTALS, {"input": shop.order([(b, 2)], channel="PHONE", discountCodes=[code])}
    )
    assert reference["userErrors"] == []
    assert {k: v for k, v in quote.items() if k != "lines"} == reference["quote"]

    done = await admin.mutate(COMPLETE_PRICED, {"id": draft["id"]})
    assert done["userErrors"] == []
    order = done["order"]
    assert order["lines"] == [{"sku": a, "quantity": 2, "unitPrice": money("16.00", nzd)}]
    assert (order["total"], order["taxTotal"]) == (quote["total"], quote["taxTotal"])
    assert order["discountTotal"] == quote["discountTotal"]
    (placed,) = [e["payload"] for e in order["events"] if e["type"] == "order.placed"]
    assert placed["customPrices"] == [
        {"sku": a, "amount": "16.00", "currency": nzd, "reason": "price match"}
    ]
    # the completed draft still tells the custom price and why
    assert done["draftOrder"]["lines"][0]["unitPrice"] == money("16.00", nzd)
    assert done["draftOrder"]["lines"][0]["priceReason"] == "price match"


async def test_lines_without_a_custom_price_show_the_catalog_price_and_no_reason(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, price="12.50")
    draft = await priced_ok(admin, draft_input([(item.sku, 1)]))
    euros = {"amount": "12.50", "currency": "EUR"}
    assert draft["lines"] == [
        {
            "sku": item.sku,
            "quantity": 1,
            "unitPrice": euros,
            "priceReason": None,
            "originalUnitPrice": euros,
        }
    ]
    assert draft["reservedUntil"] is None
    assert await reserved(admin, item.sku, item.warehouse_id) == 0


async def test_a_reservation_holds_stock_moves_only_changed_quantities_and_passes_to_the_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    until = later()
    draft = await priced_ok(admin, draft_input([(item.sku, 2)], reserveInventoryUntil=until))
    assert datetime.fromisoformat(draft["reservedUntil"]) == datetime.fromisoformat(until)
    assert await level(admin, item.sku, item.warehouse_id) == (5, 2, 3)
    assert draft["quote"]["total"] is not None  # its own held units count for its quote

    # absent reserveInventoryUntil keeps the reservation, following the new quantity
    grown = await admin.mutate(
        UPDATE_PRICED, {"id": draft["id"], "input": draft_input([(item.sku, 4)])}
    )
    assert grown["userErrors"] == []
    assert grown["draftOrder"]["reservedUntil"] == draft["reservedUntil"]
    assert await level(admin, item.sku, item.warehouse_id) == (5, 4, 1)
    shrunk = await admin.mutate(
        UPDATE_PRICED, {"id": draft["id"], "input": draft_input([(item.sku, 3)])}
    )
    assert shrunk["userErrors"] == []
    assert await level(admin, item.sku, item.warehouse_id) == (5, 3, 2)
    assert await movements(admin, item.sku, item.warehouse_id) == [
        (-1, "RELEASE"),
        (2, "RESERVE"),
        (2, "RESERVE"),
    ]
    # what the draft holds is not for sale
    refused = await storefront.mutate(PLACE, {"input": order_input([(item.sku, 3)])})
    assert [e["code"] for e in refused["userErrors"]] == ["OUT_OF_STOCK"]

    done = await admin.mutate(COMPLETE_PRICED, {"id": draft["id"]})
    assert done["userErrors"] == []
    assert done["order"]["lines"][0]["quantity"] == 3
    assert done["draftOrder"]["reservedUntil"] is None
    # handed over: available unchanged by completion, reserved once (by the order)
    assert await level(admin, item.sku, item.warehouse_id) == (5, 3, 2)
    await no_drift(admin)


async def test_null_reserve_until_releases_and_a_past_time_is_invalid(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=4)
    past = await admin.mutate(
        CREATE_PRICED,
        {"input": draft_input([(item.sku, 1)], reserveInventoryUntil=later(-1))},
    )
    assert [(e["field"], e["code"]) for e in past["userErrors"]] == [
        (["input", "reserveInventoryUntil"], "INVALID")
    ]
    draft = await priced_ok(admin, draft_input([(item.sku, 3)], reserveInventoryUntil=later()))
    assert await reserved(admin, item.sku, item.warehouse_id) == 3
    released = await admin.mutate(
        UPDATE_PRICED,
        {"id": draft["id"], "input": draft_input([(item.sku, 3)], reserveInventoryUntil=None)},
    )
    assert released["userErrors"] == []
    assert released["draftOrder"]["reservedUntil"] is None
    assert await level(admin, item.sku, item.warehouse_id) == (4, 0, 4)
    too_many = await admin.mutate(
        UPDATE_PRICED,
        {"id": draft["id"], "input": draft_input([(item.sku, 5)], reserveInventoryUntil=later())},
    )
    assert [e["code"] for e in too_many["userErrors"]] == ["OUT_OF_STOCK"]
    assert await level(admin, item.sku, item.warehouse_id) == (4, 0, 4)
    await no_drift(admin)


async def test_deleting_a_draft_releases_what_it_holds(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=3)
    draft = await priced_ok(admin, draft_input([(item.sku, 3)], reserveInventoryUntil=later()))
    assert await level(admin, item.sku, item.warehouse_id) == (3, 3, 0)
    deleted = await admin.mutate(DELETE, {"id": draft["id"]})
    assert deleted["userErrors"] == []
    assert deleted["draftOrder"]["status"] == "DELETED"
    assert await level(admin, item.sku, item.warehouse_id) == (3, 0, 3)
    await no_drift(admin)


async def test_the_expiry_sweep_releases_lapsed_reservations_only(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    soon = await priced_ok(admin, draft_input([(item.sku, 2)], reserveInventoryUntil=later(1)))
    long = await priced_ok(admin, draft_input([(item.sku, 1)], reserveInventoryUntil=later(48)))
    assert await level(admin, item.sku, item.warehouse_id) == (5, 3, 2)

    engine = create_engine(live.database_url, pool_size=2)
    clock = FixedClock(datetime.now(UTC) + timedelta(hours=2))
    try:
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        assert await release_expired_draft_reservations(deps) >= 1
        assert await release_expired_draft_reservations(deps) == 0  # nothing left to release
    finally:
        await engine.dispose()

    assert await level(admin, item.sku, item.warehouse_id) == (5, 1, 4)
    lapsed = (await admin.data(READ_PRICED, {"id": soon["id"]}))["draftOrder"]
    assert (lapsed["reservedUntil"], lapsed["version"]) == (None, soon["version"] + 1)
    kept = (await admin.data(READ_PRICED, {"id": long["id"]}))["draftOrder"]
    assert kept["reservedUntil"] == long["reservedUntil"]
    # the lapsed draft can still be completed: the order reserves afresh
    done = await admin.mutate(COMPLETE_PRICED, {"id": soon["id"]})
    assert done["userErrors"] == []
    assert await level(admin, item.sku, item.warehouse_id) == (5, 3, 2)
    await no_drift(admin)


@pytest.mark.parametrize("round_", range(3))
async def test_a_draft_and_a_place_order_racing_for_the_last_unit_never_oversell(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str, round_: int
) -> None:
    item = await stock(admin, f"{unique}{round_}", on_hand=1)
    drafted, placed = await asyncio.gather(
        admin.mutate(
            CREATE_PRICED, {"input": draft_input([(item.sku, 1)], reserveInventoryUntil=later())}
        ),
        storefront.mutate(PLACE, {"input": order_input([(item.sku, 1)])}),
    )
    winners = [p for p in (drafted, placed) if p["userErrors"] == []]
    losers = [e["code"] for p in (drafted, placed) for e in p["userErrors"]]
    assert len(winners) == 1
    assert losers == ["OUT_OF_STOCK"]
    assert await level(admin, item.sku, item.warehouse_id) == (1, 1, 0)
    if drafted["userErrors"] == []:
        # the winning draft completes on the unit it holds; the order does not reserve again
        done = await admin.mutate(COMPLETE_PRICED, {"id": drafted["draftOrder"]["id"]})
        assert done["userErrors"] == []
        assert await level(admin, item.sku, item.warehouse_id) == (1, 1, 0)
    await no_drift(admin)
