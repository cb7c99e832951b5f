"""Carrier webhooks for staff: the events whose tracking number matched no shipment."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries.carrier_events import unmatched_carrier_events_query
from ordergraph.domain.principals import Scope
from ordergraph.schema.context import Info, require
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.carrier_event import CarrierEventType


@strawberry.type
class CarrierEventQuery:
    @strawberry.field(
        description="Carrier events no shipment has the tracking number of, newest first "
        "(staff with orders:read): a typo at shipping time, or a parcel we do not know."
    )
    async def unmatched_carrier_events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[CarrierEventType]:
        require(info, Scope.ORDERS_READ)
        return await paginate(
            info,
            unmatched_carrier_events_query(),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=CarrierEventType.from_row,
            descending=True,
        )
