"""Carrier events no shipment matched, read for staff: newest first, keyset-paginated.

Served by ``ix_carrier_events_outcome (outcome, id)``; one statement per page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ordergraph.db.tables import carrier_events
from ordergraph.domain.carrier_events import CarrierEventOutcome


def unmatched_carrier_events_query() -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    c = carrier_events.c
    stmt = sa.select(carrier_events).where(c.outcome == CarrierEventOutcome.UNMATCHED.value)
    return stmt, [c.id]
