"""``/account/verify/{token}`` and ``/account/reset/{token}``: the pages mailed links open.

GET never changes anything (mail scanners prefetch links): it shows a form that POSTs to the
same URL, and the POST verifies or resets. The token in the URL is the secret, so the pages
send ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``; there is no script, and
the form may post only to this origin. Phone-readable, no JavaScript.
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
from ordergraph.services import accounts
from ordergraph.services.deps import Deps
from ordergraph.web.tracking import STYLE

FORM_STYLE = (
    STYLE
    + "label{display:block;margin:.75rem 0 .25rem}input{width:100%;font:inherit;padding:.6rem;"
    "border-radius:.5rem;border:1px solid var(--muted);background:var(--bg);color:var(--fg)}"
    "button{margin-top:1rem;width:100%;padding:.75rem 1rem;border:0;border-radius:.5rem;"
    "background:var(--accent);color:var(--bg);font:inherit;font-weight:600}"
    ".error{color:#b00020;font-weight:600}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(FORM_STYLE.encode()).digest()).decode()
PAGE_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_STYLE_HASH}'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
MAX_FORM = 4096


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<title>{escape(title)}</title><style>{FORM_STYLE}</style></head>
<body><main><h1>{escape(title)}</h1>
{body}
</main></body></html>"""
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _error(message: str) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>'


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=5)
    return {k: v[0] for k, v in parsed.items() if v}


def verify_endpoint(deps: Callable[[], Deps]) -> Callable[[Request], Awaitable[Response]]:
    async def verify_page(request: Request) -> Response:
        if request.method != "POST":
            return _page(
                "Verify your email",
                "<p>Confirm that this email address is yours.</p>"
                '<form method="post"><button type="submit">Verify my email</button></form>',
            )
        try:
            done = await accounts.verify_customer_email(deps(), token=request.path_params["token"])
        except DomainError as error:
            return _page("Verify your email", _error(error.message), status=400)
        linked = len(done.linked_order_ids)
        note = f" {linked} earlier order(s) now show in your account." if linked else ""
        return _page(
            "Email verified", f"<p role='status'>Thank you, your email is verified.{note}</p>"
        )

    return verify_page


def _reset_form(message: str = "") -> str:
    return (
        message
        + '<form method="post"><label for="password">New password (at least 8 characters)</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password" '
        'minlength="8" maxlength="200" required>'
        '<label for="confirm">Repeat it</label>'
        '<input id="confirm" name="confirm" type="password" autocomplete="new-password" '
        'minlength="8" maxlength="200" required>'
        '<button type="submit">Set new password</button></form>'
    )


def reset_endpoint(deps: Callable[[], Deps]) -> Callable[[Request], Awaitable[Response]]:
    async def reset_page(request: Request) -> Response:
        title = "Choose a new password"
        if request.method != "POST":
            return _page(title, _reset_form())
        form = await _form(request)
        password = form.get("password", "")
        if password != form.get("confirm", ""):
            return _page(title, _reset_form(_error("The two passwords differ.")), status=400)
        try:
            await accounts.reset_password(
                deps(), token=request.path_params["token"], password=password
            )
        except DomainError as error:
            return _page(title, _reset_form(_error(error.message)), status=400)
        return _page(
            "Password changed",
            "<p role='status'>Your password is changed. Sign in with it in the shop; "
            "every other session was signed out.</p>",
        )

    return reset_page
