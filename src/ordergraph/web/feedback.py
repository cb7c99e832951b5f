"""``GET/POST /feedback/{token}``: the page the delivered mail links to.

Server-rendered, no script: five large star radio buttons, a comment box and a submit button,
posted as an ordinary form to the same address and recorded by the same use case as
``submitOrderFeedback``. A bad or forged token is a 404 page.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ordergraph.domain.errors import DomainError
from ordergraph.domain.feedback import (
    MAX_COMMENT,
    InvalidFeedbackToken,
    OrderFeedback,
    OrderNotDelivered,
)
from ordergraph.services import feedback
from ordergraph.services.deps import Deps
from ordergraph.web.tracking import STYLE as TRACKING_STYLE

STYLE = (
    TRACKING_STYLE
    + """
fieldset{border:0;padding:0;margin:0}.stars{display:flex;flex-direction:row-reverse;
justify-content:center;gap:.25rem}.stars input{position:absolute;opacity:0;width:1px;height:1px}
.stars label{font-size:2.75rem;line-height:1;cursor:pointer;color:var(--muted);padding:.25rem}
.stars input:checked~label,.stars label:hover,.stars label:hover~label{color:#f5a623}
.stars input:focus-visible+label{outline:2px solid var(--accent)}
textarea{width:100%;min-height:7rem;font:inherit;padding:.5rem;border-radius:.5rem}
button{font:inherit;font-weight:600;padding:.75rem 1.25rem;border:0;border-radius:.5rem;
background:var(--accent);color:var(--bg);width:100%;margin-top:1rem}.error{color:#c0392b}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""
)
# One inline stylesheet allowed by its hash; the form may post only back here.
PAGE_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}
MAX_FORM_BYTES = 16_384


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title><style>{STYLE}</style></head>
<body><main>{body}</main></body></html>"""


def render_form(number: str, given: OrderFeedback | None, error: str | None = None) -> str:
    checked = given.rating if given else None
    stars = "".join(
        f'<input type="radio" id="r{n}" name="rating" value="{n}" required'
        f"{' checked' if n == checked else ''}>"
        f'<label for="r{n}" title="{n} of 5">★<span class="sr">{n} of 5 stars</span></label>'
        for n in range(5, 0, -1)  # reversed in markup so the CSS can light up lower stars
    )
    comment = escape(given.comment or "") if given else ""
    note = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    again = "<p class='muted'>You rated this delivery before; sending again changes it.</p>"
    body = f"""<h1>How was your delivery?</h1>
<p>Order {escape(number)}</p>{note}{again if given else ""}
<form method="post" class="card"><fieldset><legend>Your rating</legend>
<div class="stars">{stars}</div></fieldset>
<p><label for="comment">Anything to tell us? (optional)</label>
<textarea id="comment" name="comment" maxlength="{MAX_COMMENT}">{comment}</textarea></p>
<button type="submit">Send feedback</button></form>"""
    return _page(f"Rate the delivery of order {number}", body)


def render_thanks(number: str, rating: int) -> str:
    body = f"""<h1>Thank you!</h1>
<p class="status" role="status">You rated the delivery of order {escape(number)}
{rating} of 5.</p><p class="muted">You can change it from the same link for 14 days.</p>"""
    return _page("Thank you for your feedback", body)


NOT_FOUND_PAGE = _page(
    "Feedback link not found",
    "<h1>Feedback link not found</h1><p>Check the link in your delivery email.</p>",
)


def not_delivered_page(number: str) -> str:
    return _page(
        "Not delivered yet",
        f"<h1>Order {escape(number)} is not delivered yet</h1>"
        "<p>You can rate the delivery once the parcel has arrived.</p>",
    )


def _form_fields(body: bytes) -> tuple[int | None, str | None]:
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    raw = (fields.get("rating") or [""])[0]
    rating = int(raw) if raw.isdigit() and len(raw) < 4 else None
    comments = fields.get("comment")
    return rating, comments[0] if comments else None


def feedback_endpoint(deps: Callable[[], Deps]) -> Callable[[Request], Awaitable[Response]]:
    async def feedback_page(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            order, given = await feedback.order_for_feedback(deps(), token)
        except InvalidFeedbackToken:
            return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=HEADERS)
        if request.method == "GET":
            return HTMLResponse(render_form(order.number, given), headers=HEADERS)
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return HTMLResponse(
                render_form(order.number, given, "That comment is too long."),
                status_code=413,
                headers=HEADERS,
            )
        rating, comment = _form_fields(body)
        if rating is None:
            return HTMLResponse(
                render_form(order.number, given, "Choose 1 to 5 stars."),
                status_code=400,
                headers=HEADERS,
            )
        try:
            saved = await feedback.submit_order_feedback(
                deps(), token=token, rating=rating, comment=comment
            )
        except OrderNotDelivered:
            return HTMLResponse(not_delivered_page(order.number), status_code=409, headers=HEADERS)
        except DomainError as error:
            return HTMLResponse(
                render_form(order.number, given, error.message), status_code=400, headers=HEADERS
            )
        return HTMLResponse(render_thanks(order.number, saved.rating), headers=HEADERS)

    return feedback_page
