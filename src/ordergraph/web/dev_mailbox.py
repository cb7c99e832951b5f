"""GET /dev/mailbox: every mail the dev transport "sent", for `make run` (development only)."""

from __future__ import annotations

import html

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ordergraph.db.tables import notifications

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;margin:0 auto;max-width:960px;padding:16px;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:6px;
text-align:left;vertical-align:top}}iframe{{width:100%;height:70vh;border:1px solid #ccc}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:8px}}</style></head><body>{body}</body></html>"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


async def mailbox_page(engine: AsyncEngine, request: Request) -> Response:
    t = notifications.c
    raw_id = request.path_params.get("notification_id")
    async with engine.connect() as conn:
        if raw_id is not None:
            row = (
                (await conn.execute(sa.select(notifications).where(t.id == int(raw_id))))
                .mappings()
                .first()
            )
            if row is None:
                return HTMLResponse(
                    PAGE.format(title="Not found", body="<p>No such mail.</p>"), 404
                )
            body = (
                f'<p><a href="/dev/mailbox">← all mail</a></p><h1>{_e(row["subject"])}</h1>'
                f"<p>To {_e(row['recipient'])} · {_e(row['type'])} · {_e(row['status'])} · "
                f"Message-ID {_e(row['message_id'])}</p>"
                f'<iframe sandbox="" srcdoc="{_e(row["body_html"])}"></iframe>'
                f"<h2>Plain text</h2><pre>{_e(row['body_text'])}</pre>"
            )
            return HTMLResponse(PAGE.format(title=_e(row["subject"]), body=body))
        rows = (
            await conn.execute(sa.select(notifications).order_by(t.id.desc()).limit(200))
        ).mappings()
        items = "".join(
            f'<tr><td><a href="/dev/mailbox/{r["id"]}">{_e(r["subject"] or r["type"])}</a></td>'
            f"<td>{_e(r['recipient'])}</td><td>{_e(r['status'])}</td>"
            f"<td>{_e(r['sent_at'] or r['created_at'])}</td></tr>"
            for r in rows
        )
    body = (
        "<h1>Dev mailbox</h1><p>Every customer mail, newest first (development only: set "
        "ORDERGRAPH_SMTP_URL to send real mail).</p><table><tr><th>Subject</th><th>To</th>"
        f"<th>Status</th><th>Time</th></tr>{items}</table>"
    )
    return HTMLResponse(PAGE.format(title="Dev mailbox", body=body))
