"""Notes, tags and metadata over real HTTP on both backends: each mutation, who may use them
and see them (a customer sees no notes and no privateMetadata), CONFLICT on a stale
expectedVersion, the limits as userErrors, the events recorded, and the tag and metadata
filters of the orders and customers lists."""

from __future__ import annotations

from typing import Any

from tests.api.test_customer_login_api import customer, login
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient

ADD_NOTE = """mutation($i: AddOrderNoteInput!) { addOrderNote(input: $i) {
  order { id } note { id text author createdAt } userErrors { field message code } } }"""
ADD_TAGS = """mutation($i: TagsInput!) { addTags(input: $i) {
  node { id } order { id tags version } customer { id tags version }
  userErrors { field code currentVersion } } }"""
REMOVE_TAGS = """mutation($i: TagsInput!) { removeTags(input: $i) {
  node { id } order { id tags version } customer { id tags version }
  userErrors { field code currentVersion } } }"""
UPDATE_METADATA = """mutation($i: UpdateMetadataInput!) { updateMetadata(input: $i) {
  node { id }
  order { version metadata { key value } privateMetadata { key value } }
  customer { version metadata { key value } privateMetadata { key value } }
  product { version metadata { key value } privateMetadata { key value } }
  userErrors { field code currentVersion } } }"""
ORDER_NOTES = """query($id: ID!) { order(id: $id) {
  notes { id text author } events { type payload } } }"""
ORDER_EVENTS = "query($id: ID!) { order(id: $id) { events { type payload } } }"
ORDER_VIEW = """query($id: ID!) { order(id: $id) {
  version tags metadata { key value } privateMetadata { key value } } }"""
ORDERS = """query($f: OrderFilter) { orders(first: 50, filter: $f) { nodes { id } } }"""
CUSTOMERS = """query($f: CustomerFilter) { customers(first: 50, filter: $f) { nodes { id } } }"""
PRODUCT_ID = "query($sku: String!) { product(sku: $sku) { id } }"


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def as_map(items: list[dict[str, str]]) -> dict[str, str]:
    return {i["key"]: i["value"] for i in items}


async def _order(admin: GraphQLClient, unique: str, **extra: Any) -> str:
    item = await stock(admin, unique)
    placed = await place_ok(admin, order_input([(item.sku, 1)], **extra))
    order_id = placed["id"]
    assert isinstance(order_id, str)
    return order_id


async def _customer_order(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> tuple[str, str, GraphQLClient]:
    """A customer, an order of theirs, and a client signed in as them."""
    email = f"nora-{unique.lower()}@example.com"
    customer_id = await customer(admin, email, "nora's long password")
    order_id = await _order(admin, unique, email=email, customerId=customer_id)
    token = (await login(anonymous, email, "nora's long password"))["token"]
    return customer_id, order_id, anonymous.as_token(token)


async def _ids(client: GraphQLClient, query: str, filter: dict[str, Any]) -> set[str]:
    data = await client.data(query, {"f": filter})
    (connection,) = data.values()
    return {n["id"] for n in connection["nodes"]}


# --- notes ----------------------------------------------------------------------------------


async def test_staff_notes_are_on_the_order_newest_last_and_on_its_timeline(
    admin: GraphQLClient, staff: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    _, order_id, _ = await _customer_order(admin, anonymous, unique)
    first = await admin.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "  call first "}})
    assert first["userErrors"] == []
    assert first["note"]["text"] == "call first"
    assert first["note"]["author"].startswith("admin")
    assert first["order"]["id"] == order_id
    second = await admin.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "gift wrap"}})
    assert second["userErrors"] == []

    seen = (await staff.data(ORDER_NOTES, {"id": order_id}))["order"]
    assert [n["text"] for n in seen["notes"]] == ["call first", "gift wrap"]
    assert [n["id"] for n in seen["notes"]] == [first["note"]["id"], second["note"]["id"]]
    added = [e for e in seen["events"] if e["type"] == "order.note_added"]
    assert len(added) == 2
    assert "text" not in added[0]["payload"]
    assert isinstance(added[0]["payload"]["noteId"], int)


async def test_a_customer_can_neither_add_nor_see_notes(
    admin: GraphQLClient, staff: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    _, order_id, shopper = await _customer_order(admin, anonymous, unique)
    note = await admin.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "fraud check"}})
    assert note["userErrors"] == []

    refused = await shopper.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "hello"}})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["note"] is None
    read_only = await staff.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "hi"}})
    assert codes(read_only) == ["FORBIDDEN"]  # orders:read is not orders:write

    hidden = await shopper.execute(ORDER_NOTES, {"id": order_id})
    assert hidden.error_codes == ["FORBIDDEN"]
    timeline = (await shopper.data(ORDER_EVENTS, {"id": order_id}))["order"]["events"]
    types = [e["type"] for e in timeline]
    assert "order.placed" in types
    assert "order.note_added" not in types
    notes = (await staff.data(ORDER_NOTES, {"id": order_id}))["order"]["notes"]
    assert [n["text"] for n in notes] == ["fraud check"]


async def test_note_text_is_cleaned_and_checked(admin: GraphQLClient, unique: str) -> None:
    order_id = await _order(admin, unique)
    for text, code in [
        ("bell\x07here", "INVALID_CHARACTERS"),
        ("x" * 5001, "TOO_LONG"),
        ("   ", "REQUIRED"),
    ]:
        payload = await admin.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": text}})
        assert codes(payload) == [code], text[:10]
        assert payload["userErrors"][0]["field"] == ["input", "text"]
    # NUL bytes never reach the use case: the API refuses them as a GraphQL error
    nul = await admin.execute(ADD_NOTE, {"i": {"orderId": order_id, "text": "bad\x00byte"}})
    assert nul.error_codes == ["BAD_USER_INPUT"]
    longest = await admin.mutate(ADD_NOTE, {"i": {"orderId": order_id, "text": "y" * 5000}})
    assert longest["userErrors"] == []
    notes = (await admin.data(ORDER_NOTES, {"id": order_id}))["order"]["notes"]
    assert len(notes) == 1  # the refused ones wrote nothing


# --- tags -----------------------------------------------------------------------------------


async def test_order_tags_are_added_and_removed_with_versions_and_events(
    admin: GraphQLClient, unique: str
) -> None:
    order_id = await _order(admin, unique)
    before = (await admin.data(ORDER_VIEW, {"id": order_id}))["order"]["version"]
    added = await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": [" VIP ", "gift"]}})
    assert added["userErrors"] == []
    assert added["order"]["tags"] == ["vip", "gift"]
    assert added["order"]["version"] == before + 1
    assert added["node"]["id"] == order_id
    assert added["customer"] is None

    stale = await admin.mutate(
        REMOVE_TAGS, {"i": {"id": order_id, "tags": ["gift"], "expectedVersion": before}}
    )
    assert codes(stale) == ["CONFLICT"]
    assert stale["userErrors"][0]["currentVersion"] == before + 1
    removed = await admin.mutate(
        REMOVE_TAGS, {"i": {"id": order_id, "tags": ["GIFT"], "expectedVersion": before + 1}}
    )
    assert removed["userErrors"] == []
    assert removed["order"]["tags"] == ["vip"]
    again = await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": ["vip"]}})
    assert again["order"]["version"] == before + 2  # nothing new: no new version

    events = (await admin.data(ORDER_EVENTS, {"id": order_id}))["order"]["events"]
    changes = [e["payload"] for e in events if e["type"] == "order.tags_changed"]
    assert [(c["added"], c["removed"]) for c in changes] == [(["vip", "gift"], []), ([], ["gift"])]


async def test_customer_tags_need_customers_write_and_bad_tags_are_refused(
    admin: GraphQLClient, staff: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    customer_id, order_id, shopper = await _customer_order(admin, anonymous, unique)
    tagged = await admin.mutate(ADD_TAGS, {"i": {"id": customer_id, "tags": ["wholesale"]}})
    assert tagged["userErrors"] == []
    assert tagged["customer"]["tags"] == ["wholesale"]
    assert tagged["customer"]["version"] == 2
    assert tagged["order"] is None

    assert codes(await staff.mutate(ADD_TAGS, {"i": {"id": customer_id, "tags": ["x"]}})) == [
        "FORBIDDEN"
    ]
    assert codes(await shopper.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": ["x"]}})) == [
        "FORBIDDEN"
    ]
    too_many = [f"t{i}" for i in range(21)]
    assert codes(await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": too_many}})) == [
        "INVALID"
    ]
    assert codes(await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": []}})) == ["REQUIRED"]
    assert codes(await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": ["a\x07"]}})) == [
        "INVALID_CHARACTERS"
    ]
    assert codes(await admin.mutate(ADD_TAGS, {"i": {"id": "nonsense", "tags": ["a"]}})) == [
        "INVALID_ID"
    ]
    item = await stock(admin, unique)
    product_id = (await admin.data(PRODUCT_ID, {"sku": item.sku}))["product"]["id"]
    assert codes(await admin.mutate(ADD_TAGS, {"i": {"id": product_id, "tags": ["a"]}})) == [
        "INVALID_ID"
    ]
    view = (await admin.data(ORDER_VIEW, {"id": order_id}))["order"]
    assert view["tags"] == []  # nothing refused was written


# --- metadata -------------------------------------------------------------------------------


async def test_order_metadata_public_and_private_set_and_removed(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    _, order_id, shopper = await _customer_order(admin, anonymous, unique)
    public = await admin.mutate(
        UPDATE_METADATA,
        {"i": {"id": order_id, "metadata": [{"key": "erp.id", "value": "A-1"}, {"key": "x:y"}]}},
    )
    assert public["userErrors"] == []
    assert as_map(public["order"]["metadata"]) == {"erp.id": "A-1"}
    private = await admin.mutate(
        UPDATE_METADATA,
        {
            "i": {
                "id": order_id,
                "private": True,
                "metadata": [{"key": "risk", "value": "high"}],
                "expectedVersion": public["order"]["version"],
            }
        },
    )
    assert private["userErrors"] == []
    assert as_map(private["order"]["privateMetadata"]) == {"risk": "high"}
    assert private["order"]["version"] == public["order"]["version"] + 1
    stale = await admin.mutate(
        UPDATE_METADATA,
        {
            "i": {
                "id": order_id,
                "metadata": [{"key": "erp.id", "value": None}],
                "expectedVersion": public["order"]["version"],
            }
        },
    )
    assert codes(stale) == ["CONFLICT"]
    assert stale["userErrors"][0]["currentVersion"] == private["order"]["version"]
    cleared = await admin.mutate(
        UPDATE_METADATA, {"i": {"id": order_id, "metadata": [{"key": "erp.id", "value": None}]}}
    )
    assert cleared["order"]["metadata"] == []

    # the customer sees the public map, never the private one, nor the metadata events
    await admin.mutate(
        UPDATE_METADATA, {"i": {"id": order_id, "metadata": [{"key": "size", "value": "M"}]}}
    )
    refused = await shopper.execute(ORDER_VIEW, {"id": order_id})
    assert refused.error_codes == ["FORBIDDEN"]
    mine = await shopper.data(
        "query($id: ID!) { order(id: $id) { metadata { key value } events { type } } }",
        {"id": order_id},
    )
    assert as_map(mine["order"]["metadata"]) == {"size": "M"}
    assert "order.metadata_updated" not in [e["type"] for e in mine["order"]["events"]]
    written = await shopper.mutate(
        UPDATE_METADATA, {"i": {"id": order_id, "metadata": [{"key": "k", "value": "v"}]}}
    )
    assert codes(written) == ["FORBIDDEN"]
    events = (await admin.data(ORDER_EVENTS, {"id": order_id}))["order"]["events"]
    updates = [e["payload"] for e in events if e["type"] == "order.metadata_updated"]
    assert [u["private"] for u in updates] == [False, True, False, False]
    assert "high" not in str(updates)  # key names only, never values


async def test_customer_and_product_metadata(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    customer_id = await customer(admin, f"meta-{unique.lower()}@example.com", "a long password")
    done = await admin.mutate(
        UPDATE_METADATA,
        {"i": {"id": customer_id, "private": True, "metadata": [{"key": "crm", "value": "7"}]}},
    )
    assert done["userErrors"] == []
    assert as_map(done["customer"]["privateMetadata"]) == {"crm": "7"}
    assert done["customer"]["version"] == 2
    assert codes(
        await staff.mutate(
            UPDATE_METADATA, {"i": {"id": customer_id, "metadata": [{"key": "a", "value": "b"}]}}
        )
    ) == ["FORBIDDEN"]

    item = await stock(admin, unique)
    product_id = (await admin.data(PRODUCT_ID, {"sku": item.sku}))["product"]["id"]
    product = await admin.mutate(
        UPDATE_METADATA,
        {"i": {"id": product_id, "metadata": [{"key": "material", "value": "wool"}]}},
    )
    assert product["userErrors"] == []
    assert as_map(product["product"]["metadata"]) == {"material": "wool"}
    assert product["node"]["id"] == product_id
    query = "query($sku: String!) { product(sku: $sku) { metadata { key value } } }"
    shown = await storefront.data(query, {"sku": item.sku})
    assert as_map(shown["product"]["metadata"]) == {"material": "wool"}
    private_query = "query($sku: String!) { product(sku: $sku) { privateMetadata { key } } }"
    assert (await storefront.execute(private_query, {"sku": item.sku})).error_codes == ["FORBIDDEN"]


async def test_metadata_limits_are_user_errors(admin: GraphQLClient, unique: str) -> None:
    order_id = await _order(admin, unique)

    async def update(items: list[dict[str, Any]]) -> dict[str, Any]:
        return await admin.mutate(UPDATE_METADATA, {"i": {"id": order_id, "metadata": items}})

    assert codes(await update([{"key": "has space", "value": "v"}])) == ["INVALID"]
    assert codes(await update([{"key": "k" * 101, "value": "v"}])) == ["TOO_LONG"]
    assert codes(await update([{"key": "k", "value": "v" * 2001}])) == ["TOO_LONG"]
    assert codes(await update([{"key": "k", "value": "bell\x07"}])) == ["INVALID_CHARACTERS"]
    assert codes(await update([])) == ["REQUIRED"]
    too_many = await update([{"key": f"k{i}", "value": "v"} for i in range(51)])
    assert codes(too_many) == ["TOO_MANY_KEYS"]
    full = await update([{"key": f"k{i}", "value": "v"} for i in range(50)])
    assert full["userErrors"] == []
    assert codes(await update([{"key": "one.more", "value": "v"}])) == ["TOO_MANY_KEYS"]
    assert (await update([{"key": "k0", "value": None}, {"key": "one.more", "value": "v"}]))[
        "userErrors"
    ] == []
    bad_key = await update([{"key": "ok", "value": "v"}, {"key": "no/slash", "value": "v"}])
    assert bad_key["userErrors"][0]["field"] == ["input", "metadata", "1", "key"]


# --- filters --------------------------------------------------------------------------------


async def test_orders_filter_by_tag_and_metadata(admin: GraphQLClient, unique: str) -> None:
    tag = f"t-{unique.lower()}"
    tagged = await _order(admin, unique)
    both = await _order(admin, unique)
    other = await _order(admin, unique)
    for order_id in (tagged, both):
        await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": [tag]}})
    for order_id, value in ((both, "A"), (other, "B")):
        payload = await admin.mutate(
            UPDATE_METADATA,
            {
                "i": {
                    "id": order_id,
                    "metadata": [
                        {"key": f"erp.{unique}", "value": value},
                        {"key": "source:x", "value": "yes"},
                    ],
                }
            },
        )
        assert payload["userErrors"] == []

    assert await _ids(admin, ORDERS, {"tag": tag.upper()}) == {tagged, both}
    pair = {"key": f"erp.{unique}", "value": "A"}
    assert await _ids(admin, ORDERS, {"metadata": [pair]}) == {both}
    present = {"key": f"erp.{unique}"}
    assert await _ids(admin, ORDERS, {"metadata": [present]}) == {both, other}
    assert await _ids(admin, ORDERS, {"tag": tag, "metadata": [present]}) == {both}
    no_match = [pair, {"key": "source:x", "value": "no"}]
    assert await _ids(admin, ORDERS, {"metadata": no_match}) == set()
    assert await _ids(admin, ORDERS, {"tag": tag, "status": ["CANCELLED"]}) == set()
    bad = await admin.execute(ORDERS, {"f": {"metadata": [{"key": "bad key"}]}})
    assert bad.error_codes == ["BAD_USER_INPUT"]


async def test_a_customer_filtering_by_tag_sees_only_its_own_orders(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    tag = f"c-{unique.lower()}"
    _, own, shopper = await _customer_order(admin, anonymous, unique)
    foreign = await _order(admin, unique)
    for order_id in (own, foreign):
        await admin.mutate(ADD_TAGS, {"i": {"id": order_id, "tags": [tag]}})
    assert await _ids(admin, ORDERS, {"tag": tag}) == {own, foreign}
    assert await _ids(shopper, ORDERS, {"tag": tag}) == {own}


async def test_customers_filter_by_tag_and_metadata(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    tag = f"vip-{unique.lower()}"
    first = await customer(admin, f"c1-{unique.lower()}@example.com", "a long password")
    second = await customer(admin, f"c2-{unique.lower()}@example.com", "a long password")
    await admin.mutate(ADD_TAGS, {"i": {"id": first, "tags": [tag]}})
    await admin.mutate(
        UPDATE_METADATA,
        {"i": {"id": second, "metadata": [{"key": f"segment.{unique}", "value": "b2b"}]}},
    )
    assert await _ids(admin, CUSTOMERS, {"tag": tag}) == {first}
    key = f"segment.{unique}"
    assert await _ids(admin, CUSTOMERS, {"metadata": [{"key": key, "value": "b2b"}]}) == {second}
    assert await _ids(admin, CUSTOMERS, {"metadata": [{"key": key}]}) == {second}
    assert await _ids(admin, CUSTOMERS, {"metadata": [{"key": key, "value": "b2c"}]}) == set()
    assert (await storefront.execute(CUSTOMERS, {"f": {"tag": tag}})).error_codes == ["FORBIDDEN"]
