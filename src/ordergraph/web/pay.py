"""``GET/POST /pay/{token}``: the page a pay link opens (a draft's invoice, or a balance an
edit left on a paid order).

GET only shows what is owed — the lines and totals as they were when the link was made, and
the amount due; no address, no name, no email — and a form; the POST pays through
``services.pay_links.pay_link`` and says paid, declined or not payable. An unknown token is
a 404 page. As the account pages: the token in the URL is the secret, so no referrer, no
cache, no script, and the form posts only to this origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money
from ordergraph.domain.payment_links import (
    PaymentLink,
    PaymentLinkNotFound,
    PaymentLinkPurpose,
    PaymentLinkStatus,
)
from ordergraph.domain.payments import TransactionStatus
from ordergraph.services import pay_links
from ordergraph.services.deps import Deps
from ordergraph.web.account_pages import _error, _form, _page

TITLE = "Pay your order"
STATUS_TEXT = {
    PaymentLinkStatus.PAID: "This has been paid. Thank you!",
    PaymentLinkStatus.CANCELLED: "This payment link was withdrawn. Ask the shop for a new one.",
    PaymentLinkStatus.EXPIRED: "This payment link has expired. Ask the shop for a new one.",
}
# HTTP status of a refused payment, by userError code
REFUSED_STATUS = {
    "PAYMENT_IN_PROGRESS": 409,
    "PAYMENT_LINK_NOT_PAYABLE": 409,
    "TOO_MANY_ATTEMPTS": 429,
}
TOTALS = (
    ("subtotal", "Subtotal"),
    ("discount", "Discount"),
    ("shipping", "Shipping"),
    ("tax", "Tax"),
    ("total", "Total"),
)


def _money(minor: Any, currency: str) -> str:
    return escape(f"{Money(int(minor), currency).amount} {currency}")


def render_summary(link: PaymentLink) -> str:
    """The lines, the totals and the amount due, escaped; nothing personal."""
    s = link.summary
    currency = str(s.get("currency") or link.amount.currency)
    rows = "".join(
        f"<li>{int(x.get('quantity', 0))} &times; {escape(str(x.get('name') or x.get('sku')))}"
        f"<span class='muted'> · {_money(x.get('total', 0), currency)}</span></li>"
        for x in s.get("lines", [])
    )
    totals = "".join(
        f"<dt>{label}</dt><dd>{_money(s[key], currency)}</dd>"
        for key, label in TOTALS
        if key in s and not (key == "discount" and not s[key])
    )
    number = s.get("order_number")
    heading = f"Order {escape(str(number))}" if number else "Your order"
    why = (
        "<p>Your order was changed; this is what the change added.</p>"
        if link.purpose is PaymentLinkPurpose.BALANCE_DUE
        else ""
    )
    due = _money(link.amount.minor_units, link.amount.currency)
    return (
        f"<section class='card' aria-labelledby='what'><h2 id='what' class='muted'>{heading}</h2>"
        f"<ol>{rows}</ol><dl>{totals}</dl></section>{why}"
        f"<p class='status'>Amount due: <strong>{due}</strong></p>"
    )


def _pay_form(message: str = "") -> str:
    return (
        message + '<form method="post"><label for="paymentToken">Card (payment token)</label>'
        '<input id="paymentToken" name="paymentToken" autocomplete="off" maxlength="200" '
        'required><button type="submit">Pay now</button></form>'
    )


def _not_found() -> HTMLResponse:
    return _page(
        "Payment link not found", "<p>Check the link in your email; it is case-sensitive.</p>", 404
    )


def pay_endpoint(deps: Callable[[], Deps]) -> Callable[[Request], Awaitable[Response]]:
    async def pay_page(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            link = await pay_links.find_link(deps(), token)
        except PaymentLinkNotFound:
            return _not_found()
        summary = render_summary(link)
        status = link.status_at(deps().clock.now())
        if status is not PaymentLinkStatus.OPEN:
            refused = 409 if request.method == "POST" else 200  # nothing to pay any more
            notice = f"<p role='status'>{STATUS_TEXT[status]} ({status.value})</p>"
            return _page(TITLE, summary + notice, refused)
        if request.method != "POST":
            return _page(TITLE, summary + _pay_form())
        card = (await _form(request)).get("paymentToken", "")
        try:
            paid = await pay_links.pay_link(deps(), token, card)
        except PaymentLinkNotFound:
            return _not_found()
        except DomainError as error:
            code = REFUSED_STATUS.get(error.code, 400)
            form = "" if error.code == "PAYMENT_LINK_NOT_PAYABLE" else _pay_form()
            return _page(TITLE, summary + _error(error.message) + form, code)
        if paid.status is TransactionStatus.SUCCESS:
            return _page(
                "Payment received",
                render_summary(paid.link)
                + f"<p role='status'>Thank you! Order {escape(paid.order.number)} is paid.</p>",
            )
        return _page(
            TITLE,
            summary + "<p role='status'>Your bank asks you to confirm this payment; confirm it "
            "with your bank, then open this link again.</p>",
            202,
        )

    return pay_page
