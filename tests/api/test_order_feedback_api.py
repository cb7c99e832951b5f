"""Delivery feedback over real HTTP: the mutation without a token, ``order.feedback``, the staff
list of low ratings, and the page the delivered mail links to."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx

from ordergraph.config import Settings
from ordergraph.domain.feedback import feedback_token
from tests.api.test_fulfillment_api import Confirmed, confirmed
from tests.api.test_shipments_api import after, parcel, record_ok
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

SUBMIT = """
mutation($input: SubmitOrderFeedbackInput!) {
  submitOrderFeedback(input: $input) {
    feedback { rating comment submittedAt order { number } }
    userErrors { field message code }
  }
}"""

ORDER_FEEDBACK = """
query($id: ID!) { order(id: $id) { number feedback { rating comment submittedAt } } }"""

LIST = """
query($maxRating: Int, $first: Int, $after: String) {
  orderFeedback(maxRating: $maxRating, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { rating comment order { id number } }
  }
}"""


def token_for(live: LiveApi, order_gid: str) -> str:
    """The token the delivered mail links to, made as the server makes it."""
    decoded = base64.urlsafe_b64decode(order_gid + "=" * (-len(order_gid) % 4)).decode()
    secret = Settings(DATABASE_URL=live.database_url).secret_key
    return feedback_token(secret, int(decoded.split(":", 1)[1]))


async def delivered(admin: GraphQLClient, unique: str) -> Confirmed:
    """An order taken through the real mutations: placed, paid, picked, packed, shipped and
    reported DELIVERED by the carrier."""
    order, shipment = await parcel(admin, unique)
    done = await record_ok(admin, shipment["id"], "DELIVERED", after(shipment, 60))
    assert done["order"]["status"] == "DELIVERED"
    return order


async def submit(
    client: GraphQLClient, token: str, rating: int, comment: str | None = None
) -> dict[str, Any]:
    return await client.mutate(
        SUBMIT, {"input": {"token": token, "rating": rating, "comment": comment}}
    )


def refused(payload: dict[str, Any], code: str) -> None:
    assert payload["feedback"] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == [code], payload


async def test_a_customer_rates_a_delivered_order_without_any_api_token(
    admin: GraphQLClient, anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    order = await delivered(admin, unique)
    payload = await submit(anonymous, token_for(live, order.id), 2, "Box was crushed")
    assert payload["userErrors"] == []
    given = payload["feedback"]
    assert (given["rating"], given["comment"]) == (2, "Box was crushed")
    assert given["order"]["number"] == order.order["number"]

    seen = (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"]
    assert seen == {k: given[k] for k in ("rating", "comment", "submittedAt")}


async def test_sending_again_changes_the_feedback(
    admin: GraphQLClient, anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    order = await delivered(admin, unique)
    token = token_for(live, order.id)
    await submit(anonymous, token, 1, "Late")
    again = await submit(anonymous, token, 4, None)
    assert again["userErrors"] == []
    seen = (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"]
    assert (seen["rating"], seen["comment"]) == (4, None)


async def test_an_order_not_delivered_yet_cannot_be_rated(
    admin: GraphQLClient, anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    order = await confirmed(admin, unique)
    refused(await submit(anonymous, token_for(live, order.id), 5), "ORDER_NOT_DELIVERED")
    assert (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"] is None


async def test_a_forged_or_malformed_token_is_an_invalid_token_error(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    order = await delivered(admin, unique)
    decoded = base64.urlsafe_b64decode(order.id + "=" * (-len(order.id) % 4)).decode()
    forged = feedback_token("not the server's key", int(decoded.split(":", 1)[1]))
    for token in (forged, "1.abc", "", "x" * 5000):
        refused(await submit(anonymous, token, 5), "INVALID_TOKEN")


async def test_bad_ratings_and_comments_are_coded_errors(
    admin: GraphQLClient, anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    order = await delivered(admin, unique)
    token = token_for(live, order.id)
    refused(await submit(anonymous, token, 0), "INVALID_RATING")
    refused(await submit(anonymous, token, 6), "INVALID_RATING")
    refused(await submit(anonymous, token, 3, "bell\x07"), "INVALID_CHARACTERS")
    nul = {"input": {"token": token, "rating": 3, "comment": "nul\x00byte"}}
    # NUL never reaches the use case: every string argument is refused at the door
    assert (await anonymous.execute(SUBMIT, nul)).error_codes == ["BAD_USER_INPUT"]
    refused(await submit(anonymous, token, 3, "a" * 2001), "TOO_LONG")
    assert (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"] is None


async def test_staff_list_low_ratings_newest_first_page_by_page(
    admin: GraphQLClient,
    staff: GraphQLClient,
    anonymous: GraphQLClient,
    live: LiveApi,
    unique: str,
) -> None:
    low_first = await delivered(admin, unique)
    happy = await delivered(admin, unique + "H")
    low_second = await delivered(admin, unique + "L")
    for order, rating in ((low_first, 1), (happy, 5), (low_second, 2)):
        await submit(anonymous, token_for(live, order.id), rating, f"{unique} {rating}")

    first_page = (await staff.data(LIST, {"maxRating": 2, "first": 1}))["orderFeedback"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    (newest,) = first_page["nodes"]
    assert (newest["rating"], newest["order"]["id"]) == (2, low_second.id)
    rest = await staff.data(
        LIST, {"maxRating": 2, "first": 100, "after": first_page["pageInfo"]["endCursor"]}
    )
    ids = [n["order"]["id"] for n in rest["orderFeedback"]["nodes"]]
    assert low_first.id in ids
    assert happy.id not in ids
    everything = (await staff.data(LIST, {"first": 100}))["orderFeedback"]["nodes"]
    assert happy.id in [n["order"]["id"] for n in everything]


async def test_storefront_and_anonymous_callers_cannot_list_feedback(
    storefront: GraphQLClient, anonymous: GraphQLClient
) -> None:
    assert (await storefront.execute(LIST, {"maxRating": 2})).error_codes == ["FORBIDDEN"]
    assert (await anonymous.execute(LIST, {"maxRating": 2})).error_codes == ["UNAUTHENTICATED"]


async def test_an_out_of_range_max_rating_is_a_bad_user_input_error(staff: GraphQLClient) -> None:
    assert (await staff.execute(LIST, {"maxRating": 9})).error_codes == ["BAD_USER_INPUT"]


async def test_the_feedback_page_takes_a_rating_from_a_plain_form(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    order = await delivered(admin, unique)
    path = f"/feedback/{token_for(live, order.id)}"

    page = await http.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert order.order["number"] in page.text
    assert 'name="viewport"' in page.text
    assert len(re.findall(r'<input type="radio"[^>]*name="rating"', page.text)) == 5
    assert "<textarea" in page.text
    assert "<script" not in page.text

    posted = await http.post(path, data={"rating": "3", "comment": "Fine <b>really</b>"})
    assert posted.status_code == 200
    assert "Thank you" in posted.text
    seen = (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"]
    assert (seen["rating"], seen["comment"]) == (3, "Fine <b>really</b>")

    again = await http.get(path)
    assert 'value="3" required checked' in again.text
    assert "Fine &lt;b&gt;really&lt;/b&gt;" in again.text


async def test_the_page_refuses_a_missing_rating_and_a_forged_link(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    order = await delivered(admin, unique)
    path = f"/feedback/{token_for(live, order.id)}"
    missing = await http.post(path, data={"comment": "no stars"})
    assert missing.status_code == 400
    assert "Choose 1 to 5 stars" in missing.text
    assert (await admin.data(ORDER_FEEDBACK, {"id": order.id}))["order"]["feedback"] is None
    for bad in ("/feedback/1.forged", "/feedback/nonsense"):
        assert (await http.get(bad)).status_code == 404
        assert (await http.post(bad, data={"rating": "5"})).status_code == 404


async def test_the_page_of_an_order_not_delivered_yet_says_so(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    order = await confirmed(admin, unique)
    posted = await http.post(f"/feedback/{token_for(live, order.id)}", data={"rating": "5"})
    assert posted.status_code == 409
    assert "not delivered yet" in posted.text
