"""Customer accounts over HTTP: sign-up → mailed link → verify, reset, change, profile, book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import customer_tokens, notifications
from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

PASSWORD = "correct horse battery"
CUSTOMER = "id email name locale timezone emailVerified emailVerifiedAt"
SIGNUP = f"""
mutation($input: CustomerSignupInput!) {{
  customerSignup(input: $input) {{ customer {{ {CUSTOMER} }} userErrors {{ field message code }} }}
}}"""
VERIFY = """
mutation($input: VerifyCustomerEmailInput!) {
  verifyCustomerEmail(input: $input) {
    customer { email emailVerified } linkedOrderCount userErrors { field code }
  }
}"""
REQUEST_RESET = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { userErrors { field message code } }
}"""
RESET = """
mutation($input: ResetPasswordInput!) {
  resetPassword(input: $input) { customer { email } userErrors { field code } }
}"""
CHANGE = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) { customer { email } userErrors { field code } }
}"""
LOGIN = """
mutation($input: CustomerLoginInput!) {
  customerLogin(input: $input) { token userErrors { code } }
}"""
UPDATE_ME = f"""
mutation($input: UpdateMeInput!) {{
  updateMe(input: $input) {{ customer {{ {CUSTOMER} phone }} userErrors {{ field code }} }}
}}"""
ADDRESS_FIELDS = "id isDefaultShipping name line1 city countryCode"
ADD_ADDRESS = f"""
mutation($input: AddCustomerAddressInput!) {{
  addCustomerAddress(input: $input) {{
    customerAddress {{ {ADDRESS_FIELDS} }} userErrors {{ field code }}
  }}
}}"""
UPDATE_ADDRESS = f"""
mutation($input: UpdateCustomerAddressInput!) {{
  updateCustomerAddress(input: $input) {{
    customerAddress {{ {ADDRESS_FIELDS} }} userErrors {{ field code }}
  }}
}}"""
DELETE_ADDRESS = """
mutation($input: DeleteCustomerAddressInput!) {
  deleteCustomerAddress(input: $input) { deletedAddressId userErrors { field code } }
}"""
MY_BOOK = f"""{{ me {{ addresses {{ {ADDRESS_FIELDS} }}
  defaultShippingAddress {{ id city }} }} }}"""
MY_ORDERS = """{ me { emailVerified orders(first: 50) { totalCount nodes { id email } } }
  orders(first: 50) { nodes { id } } }"""


def home(city: str = "Amsterdam") -> dict[str, Any]:
    return {"name": "Ann", "line1": "Damrak 1", "city": city, "countryCode": "NL"}


async def sql(live: LiveApi, statement: sa.Executable) -> list[sa.Row[Any]]:
    engine = create_engine(live.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(statement)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def mailed_token(live: LiveApi, email: str, kind: str) -> str:
    rows = await sql(
        live,
        sa.select(notifications.c.data)
        .where(notifications.c.recipient == email, notifications.c.type == kind)
        .order_by(notifications.c.id),
    )
    assert rows, f"no {kind} row for {email}"
    url = str(rows[-1].data["action_url"])
    assert f"/account/{'verify' if kind == 'EMAIL_VERIFICATION' else 'reset'}/" in url
    return url.rsplit("/", 1)[1]


async def signup(anonymous: GraphQLClient, email: str, **extra: Any) -> dict[str, Any]:
    values = {"email": email, "password": PASSWORD, "name": "Ann", **extra}
    return await anonymous.mutate(SIGNUP, {"input": values})


async def login(anonymous: GraphQLClient, email: str, password: str) -> GraphQLClient | None:
    payload = await anonymous.mutate(LOGIN, {"input": {"email": email, "password": password}})
    return anonymous.as_token(payload["token"]) if payload["token"] else None


async def signed_up(anonymous: GraphQLClient, email: str) -> GraphQLClient:
    assert (await signup(anonymous, email))["userErrors"] == []
    client = await login(anonymous, email, PASSWORD)
    assert client is not None
    return client


async def test_signup_mails_a_link_and_verifying_it_brings_in_guest_orders_with_that_email(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    anonymous: GraphQLClient,
    live: LiveApi,
    unique: str,
) -> None:
    email = f"ann-{unique.lower()}@example.com"
    item = await stock(admin, unique)
    guest = await place_ok(storefront, order_input([(item.sku, 1)], email=email))
    await place_ok(
        storefront, order_input([(item.sku, 1)], email=f"x-{unique.lower()}@example.com")
    )

    payload = await signup(anonymous, email, locale="nl-NL", timezone="Europe/Amsterdam")
    assert payload["userErrors"] == []
    assert payload["customer"]["emailVerified"] is False
    assert payload["customer"]["locale"] == "nl-NL"
    rows = await sql(
        live,
        sa.select(notifications).where(
            notifications.c.recipient == email, notifications.c.type == "EMAIL_VERIFICATION"
        ),
    )
    assert len(rows) == 1
    assert rows[0].data["action_url"].startswith(live.base_url + "/account/verify/")
    token = await mailed_token(live, email, "EMAIL_VERIFICATION")
    stored = await sql(live, sa.select(customer_tokens.c.token_hash))
    assert token not in {r.token_hash for r in stored}  # kept hashed

    as_ann = await login(anonymous, email, PASSWORD)
    assert as_ann is not None
    before = await as_ann.data(MY_ORDERS)
    assert before["me"]["orders"]["nodes"] == []  # not at signup: anyone could claim them
    assert before["orders"]["nodes"] == []

    verified = await anonymous.mutate(VERIFY, {"input": {"token": token}})
    assert verified["userErrors"] == []
    assert verified["customer"] == {"email": email, "emailVerified": True}
    assert verified["linkedOrderCount"] == 1
    after = await as_ann.data(MY_ORDERS)
    assert after["me"]["emailVerified"] is True
    assert after["me"]["orders"]["totalCount"] == 1
    assert [n["id"] for n in after["me"]["orders"]["nodes"]] == [guest["id"]]
    assert [n["id"] for n in after["orders"]["nodes"]] == [guest["id"]]

    again = await anonymous.mutate(VERIFY, {"input": {"token": token}})
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TOKEN"]


async def test_signup_refuses_a_taken_email_and_a_short_password(
    anonymous: GraphQLClient, unique: str
) -> None:
    email = f"dup-{unique.lower()}@example.com"
    assert (await signup(anonymous, email))["userErrors"] == []
    taken = await signup(anonymous, email.upper())
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [
        (["input", "email"], "DUPLICATE")
    ]
    weak = await signup(anonymous, f"weak-{unique.lower()}@example.com", password="short")
    assert [e["code"] for e in weak["userErrors"]] == ["PASSWORD_TOO_WEAK"]
    assert weak["customer"] is None


async def test_a_password_reset_works_once_and_signs_every_session_out(
    anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    email = f"reset-{unique.lower()}@example.com"
    session = await signed_up(anonymous, email)
    unknown = await anonymous.mutate(
        REQUEST_RESET, {"input": {"email": f"nobody-{unique.lower()}@example.com"}}
    )
    known = await anonymous.mutate(REQUEST_RESET, {"input": {"email": email}})
    assert unknown == known == {"userErrors": []}

    token = await mailed_token(live, email, "PASSWORD_RESET")
    done = await anonymous.mutate(RESET, {"input": {"token": token, "password": "brand new one"}})
    assert done == {"customer": {"email": email}, "userErrors": []}
    twice = await anonymous.mutate(RESET, {"input": {"token": token, "password": "another one!"}})
    assert [e["code"] for e in twice["userErrors"]] == ["INVALID_TOKEN"]

    assert await login(anonymous, email, PASSWORD) is None
    assert await login(anonymous, email, "brand new one") is not None
    revoked = await session.execute("{ me { email } }")
    assert revoked.status == 401


async def test_an_expired_reset_link_is_refused(
    anonymous: GraphQLClient, live: LiveApi, unique: str
) -> None:
    email = f"late-{unique.lower()}@example.com"
    await signed_up(anonymous, email)
    await anonymous.mutate(REQUEST_RESET, {"input": {"email": email}})
    token = await mailed_token(live, email, "PASSWORD_RESET")
    past = datetime.now(UTC) - timedelta(minutes=1)
    await sql(
        live,
        sa.update(customer_tokens)
        .where(customer_tokens.c.purpose == "RESET_PASSWORD", customer_tokens.c.used_at.is_(None))
        .values(expires_at=past),
    )
    late = await anonymous.mutate(RESET, {"input": {"token": token, "password": "brand new one"}})
    assert [e["code"] for e in late["userErrors"]] == ["TOKEN_EXPIRED"]
    assert await login(anonymous, email, PASSWORD) is not None


async def test_reset_requests_for_one_email_are_throttled(
    anonymous: GraphQLClient, unique: str
) -> None:
    email = f"flood-{unique.lower()}@example.com"
    answers = [await anonymous.mutate(REQUEST_RESET, {"input": {"email": email}}) for _ in range(6)]
    assert all(a == {"userErrors": []} for a in answers[:5])
    assert [e["code"] for e in answers[5]["userErrors"]] == ["TOO_MANY_ATTEMPTS"]


async def test_change_password_needs_the_current_one(anonymous: GraphQLClient, unique: str) -> None:
    email = f"change-{unique.lower()}@example.com"
    as_ann = await signed_up(anonymous, email)
    wrong = await as_ann.mutate(
        CHANGE, {"input": {"currentPassword": "not it at all", "newPassword": "brand new one"}}
    )
    assert [(e["field"], e["code"]) for e in wrong["userErrors"]] == [
        (["input", "currentPassword"], "INVALID_CREDENTIALS")
    ]
    done = await as_ann.mutate(
        CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": "brand new one"}}
    )
    assert done == {"customer": {"email": email}, "userErrors": []}
    assert (await as_ann.data("{ me { email } }"))["me"] == {"email": email}  # this one stays
    assert await login(anonymous, email, "brand new one") is not None


async def test_update_me_and_the_address_book_touch_only_the_callers_own_account(
    anonymous: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    ann = await signed_up(anonymous, f"book-{unique.lower()}@example.com")
    bob = await signed_up(anonymous, f"bob-{unique.lower()}@example.com")
    me = await ann.mutate(
        UPDATE_ME, {"input": {"name": "Ann Smith", "phone": "+31612345678", "locale": "de"}}
    )
    assert me["userErrors"] == []
    assert (me["customer"]["name"], me["customer"]["phone"], me["customer"]["locale"]) == (
        "Ann Smith",
        "+31612345678",
        "de",
    )
    bad = await ann.mutate(UPDATE_ME, {"input": {"timezone": "Nowhere/Atlantis"}})
    assert [e["field"] for e in bad["userErrors"]] == [["input", "timezone"]]

    first = (await ann.mutate(ADD_ADDRESS, {"input": {"address": home()}}))["customerAddress"]
    assert first["isDefaultShipping"] is True
    second = await ann.mutate(
        ADD_ADDRESS, {"input": {"address": home("Utrecht"), "isDefaultShipping": True}}
    )
    second_id = second["customerAddress"]["id"]
    book = (await ann.data(MY_BOOK))["me"]
    assert [a["city"] for a in book["addresses"]] == ["Utrecht", "Amsterdam"]
    assert book["defaultShippingAddress"] == {"id": second_id, "city": "Utrecht"}

    for client in (bob, admin):
        foreign = await client.mutate(
            UPDATE_ADDRESS, {"input": {"addressId": first["id"], "address": home("Evil")}}
        )
        assert [e["code"] for e in foreign["userErrors"]] in (["NOT_FOUND"], ["FORBIDDEN"])
    gone = await bob.mutate(DELETE_ADDRESS, {"input": {"addressId": first["id"]}})
    assert [e["code"] for e in gone["userErrors"]] == ["NOT_FOUND"]

    moved = await ann.mutate(
        UPDATE_ADDRESS, {"input": {"addressId": first["id"], "address": home("Leiden")}}
    )
    assert moved["customerAddress"]["city"] == "Leiden"
    deleted = await ann.mutate(DELETE_ADDRESS, {"input": {"addressId": second_id}})
    assert deleted == {"deletedAddressId": second_id, "userErrors": []}
    book = (await ann.data(MY_BOOK))["me"]
    assert book["defaultShippingAddress"] == {"id": first["id"], "city": "Leiden"}


CUSTOMER_ORDERS = "query($id: ID!) { customer(id: $id) { orders(first: 5) { totalCount } } }"


async def test_staff_see_a_verified_customers_linked_guest_orders_on_the_customer(
    admin: GraphQLClient,
    storefront: GraphQLClient,
    anonymous: GraphQLClient,
    live: LiveApi,
    unique: str,
) -> None:
    email = f"seen-{unique.lower()}@example.com"
    item = await stock(admin, unique)
    await place_ok(storefront, order_input([(item.sku, 1)], email=email))
    customer_id = (await signup(anonymous, email))["customer"]["id"]
    await anonymous.mutate(
        VERIFY, {"input": {"token": await mailed_token(live, email, "EMAIL_VERIFICATION")}}
    )
    seen = await admin.data(CUSTOMER_ORDERS, {"id": customer_id})
    assert seen["customer"]["orders"]["totalCount"] == 1
