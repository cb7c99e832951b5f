"""``GET /t/{code}``: the public tracking page (HTML) or the same facts as JSON.

Server-rendered, no external assets, no personal data: the order number, statuses, promise,
carrier link and the event timeline. Each visit is counted.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ordergraph.db.queries.orders import count_tracking_click, shipment_by_code
from ordergraph.domain.shipments import Shipment

LABELS = {
    "LABEL_CREATED": "Label created",
    "IN_TRANSIT": "In transit",
    "OUT_FOR_DELIVERY": "Out for delivery",
    "DELIVERED": "Delivered",
    "EXCEPTION": "Delivery problem",
    "RETURNED_TO_SENDER": "Returned to sender",
}

STYLE = """
:root{color-scheme:light dark;--fg:#111;--muted:#555;--bg:#fff;--card:#f4f5f7;--accent:#0a58ca}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--muted:#aaa;--bg:#121212;--card:#1e1e1e;
--accent:#6ea8fe}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,
sans-serif;color:var(--fg);background:var(--bg)}main{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}.status{font-size:1.2rem;font-weight:700;margin:.25rem 0}
.card{background:var(--card);border-radius:.75rem;padding:1rem;margin:1rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}dt{color:var(--muted)}
dd{margin:0}ol{list-style:none;padding:0;margin:0}li{padding:.5rem 0;border-top:1px solid
var(--muted)}li:first-child{border-top:0}time,.muted{color:var(--muted);font-size:.9rem}
a{color:var(--accent)}a.button{display:inline-block;padding:.6rem 1rem;border-radius:.5rem;
background:var(--accent);color:var(--bg);text-decoration:none;font-weight:600}
"""


def tracking_facts(shipment: Shipment, order_number: str, order_status: str) -> dict[str, Any]:
    """Everything the page shows, and nothing more (the JSON and GraphQL views agree)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "orderNumber": order_number,
        "orderStatus": order_status,
        "status": shipment.status.value,
        "carrier": shipment.carrier_name,
        "service": shipment.service,
        "trackingNumber": shipment.tracking_number,
        "trackingUrl": shipment.tracking_url,
        "shippedAt": iso(shipment.shipped_at),
        "promisedDeliveryAt": iso(shipment.promised_delivery_at),
        "deliveredAt": iso(shipment.delivered_at),
        "events": [
            {
                "status": e.status.value,
                "occurredAt": e.occurred_at.isoformat(),
                "location": e.location,
                "description": e.description,
            }
            # newest first; among equal times, the one recorded last first
            for _, e in sorted(
                enumerate(shipment.events), key=lambda ie: (ie[1].occurred_at, ie[0]), reverse=True
            )
        ],
    }


def _day(value: str | None) -> str:
    if value is None:
        return "—"
    return datetime.fromisoformat(value).strftime("%a %d %b %Y")


def _time(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return f'<time datetime="{escape(value)}">{moment.strftime("%d %b %Y, %H:%M UTC")}</time>'


def render_page(facts: dict[str, Any]) -> str:
    status = LABELS.get(facts["status"], facts["status"])
    when = (
        f"Delivered {_day(facts['deliveredAt'])}"
        if facts["deliveredAt"]
        else f"Expected by {_day(facts['promisedDeliveryAt'])}"
    )
    events = "".join(
        f"<li><strong>{escape(LABELS.get(e['status'], e['status']))}</strong>"
        + (f" · {escape(e['location'])}" if e["location"] else "")
        + (f"<br><span class='muted'>{escape(e['description'])}</span>" if e["description"] else "")
        + f"<br>{_time(e['occurredAt'])}</li>"
        for e in facts["events"]
    )
    link = (
        f'<p><a class="button" href="{escape(facts["trackingUrl"])}" rel="noopener noreferrer">'
        f"Track with {escape(facts['carrier'])}</a></p>"
        if facts["trackingUrl"]
        else ""
    )
    number = escape(facts["orderNumber"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>Order {number}: {escape(status)}</title><style>{STYLE}</style></head>
<body><main>
<h1>Order {number}</h1>
<p class="status" role="status">{escape(status)}</p>
<p>{escape(when)}</p>
<section class="card" aria-labelledby="parcel"><h2 id="parcel" class="muted">Parcel</h2>
<dl><dt>Carrier</dt><dd>{escape(facts["carrier"])}</dd>
<dt>Tracking number</dt><dd>{escape(facts["trackingNumber"])}</dd>
<dt>Shipped</dt><dd>{escape(_day(facts["shippedAt"]))}</dd></dl>{link}</section>
<section class="card" aria-labelledby="timeline"><h2 id="timeline" class="muted">Timeline</h2>
<ol>{events}</ol></section>
</main></body></html>"""


NOT_FOUND_PAGE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tracking link not found</title><style>"""
    + STYLE
    + """</style></head>
<body><main><h1>Tracking link not found</h1>
<p>Check the link in your shipping email; codes are case-sensitive.</p></main></body></html>"""
)


# The page's only active content is its one inline stylesheet, allowed by its hash; no script,
# frame, form, font or connection is allowed at all.
PAGE_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def tracking_endpoint(
    engine: Callable[[], AsyncEngine],
) -> Callable[[Request], Awaitable[Response]]:
    async def tracking_page(request: Request) -> Response:
        code = request.path_params["code"]
        wants_json = "application/json" in request.headers.get("accept", "")
        found = None
        if 0 < len(code) <= 32 and code.isascii():
            found = await shipment_by_code(engine(), code)
        if found is None:
            if wants_json:
                return JSONResponse({"error": "not found"}, status_code=404)
            return HTMLResponse(
                NOT_FOUND_PAGE, status_code=404, headers={"Content-Security-Policy": PAGE_CSP}
            )
        await count_tracking_click(engine(), code)
        facts = tracking_facts(*found)
        headers = {"Cache-Control": "no-store", "Vary": "Accept"}
        if wants_json:
            return JSONResponse(facts, headers=headers)
        return HTMLResponse(
            render_page(facts), headers={**headers, "Content-Security-Policy": PAGE_CSP}
        )

    return tracking_page
