"""``OrderEdit``: one change set of an order, as answered by editOrder and listed on Order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from ordergraph.domain.money import Money
from ordergraph.domain.ports import OrderChangeRecord
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType
from ordergraph.services.change_sets import ChangeResult, Totals


@strawberry.type(name="OrderTotals", description="An order's money before or after a change.")
class OrderTotalsType:
    subtotal: MoneyType
    discount_total: MoneyType
    tax_total: MoneyType
    shipping_total: MoneyType = strawberry.field(description="Shipping as charged.")
    total: MoneyType

    @classmethod
    def from_totals(cls, t: Totals) -> OrderTotalsType:
        m = MoneyType.from_domain
        return cls(
            subtotal=m(t.subtotal),
            discount_total=m(t.discount),
            tax_total=m(t.tax),
            shipping_total=m(t.shipping),
            total=m(t.total),
        )


@strawberry.type(name="LineChange")
class LineChangeType:
    order_line_id: strawberry.ID | None = strawberry.field(
        description="None for a line the change adds (on a dry run)."
    )
    sku: str
    before: int
    after: int


@strawberry.type(
    name="ReservationChange", description="Units reserved (delta > 0) or released (delta < 0)."
)
class ReservationChangeType:
    sku: str
    warehouse_id: strawberry.ID
    delta: int


@strawberry.type(name="EditedShippingMethod", description="A carrier service an order ships with.")
class EditedShippingMethodType:
    carrier: str
    service: str
    price: MoneyType = strawberry.field(description="Before its discount and tax.")
    delivery_by: datetime = strawberry.field(description="The latest of its delivery window.")

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> EditedShippingMethodType | None:
        if d is None:
            return None
        price = Money(int(d["priceMinor"]), str(d["currency"]))
        return cls(
            carrier=d["carrier"],
            service=d["service"],
            price=MoneyType.from_domain(price),
            delivery_by=datetime.fromisoformat(d["deliveryBy"]),
        )


@strawberry.type(name="ShippingMethodChange", description="setShippingMethod's before and after.")
class ShippingMethodChangeType:
    before: EditedShippingMethodType | None = strawberry.field(
        description="Null: the order shipped at the standard (fixed) rate."
    )
    after: EditedShippingMethodType

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ShippingMethodChangeType | None:
        after = EditedShippingMethodType.from_dict(d["after"]) if d else None
        if d is None or after is None:
            return None
        return cls(before=EditedShippingMethodType.from_dict(d["before"]), after=after)


@strawberry.type(
    name="OrderEdit",
    description="One change set of an order: an edit or a partial cancellation, numbered.",
)
class OrderEditType:
    number: int | None = strawberry.field(
        description="Counts the order's changes; null on a dry run."
    )
    kind: str = strawberry.field(description="EDIT, CANCELLATION or EXCHANGE.")
    dry_run: bool
    version: int = strawberry.field(description="The order's version after the change.")
    before: OrderTotalsType
    after: OrderTotalsType
    total_difference: MoneyType
    payment_settlement: str = strawberry.field(
        description="NONE, AUTHORIZE (a new hold), CHARGE (difference charged), REFUND "
        "(difference refunded) or CAPTURE_LESS (later captures take less)."
    )
    reserved_changes: list[ReservationChangeType]
    lines: list[LineChangeType]
    promised_delivery_at: datetime | None
    shipping_method: ShippingMethodChangeType | None = strawberry.field(
        default=None, description="The old and new method when the change set it."
    )
    reason: str | None = None
    actor: str | None = None
    created_at: datetime | None = None
    pay_link_url: str | None = strawberry.field(
        default=None,
        description="Where the customer pays what this edit added (collectPayment PAY_LINK); "
        "only in editOrder's answer, never stored.",
    )

    @classmethod
    def from_result(cls, r: ChangeResult, reason: str | None = None) -> OrderEditType:
        return cls(
            number=r.number,
            kind=r.kind.value,
            dry_run=r.dry_run,
            version=r.version_before + 1,
            before=OrderTotalsType.from_totals(r.before),
            after=OrderTotalsType.from_totals(r.after),
            total_difference=MoneyType.from_domain(r.difference),
            payment_settlement=r.money.value,
            reserved_changes=[_move(m.sku, m.warehouse_id, m.delta) for m in r.moves],
            lines=[_line(d) for d in r.diff],
            promised_delivery_at=r.promised_delivery_at,
            shipping_method=ShippingMethodChangeType.from_dict(r.shipping_method),
            reason=reason,
            pay_link_url=r.pay_link_url,
        )

    @classmethod
    def from_record(cls, rec: OrderChangeRecord) -> OrderEditType:
        s = rec.summary
        currency = rec.difference.currency

        def totals(d: dict[str, int]) -> OrderTotalsType:
            keys = ("subtotal", "discount", "tax", "shipping", "total")
            return OrderTotalsType.from_totals(Totals(*(Money(d[k], currency) for k in keys)))

        promised = s.get("promisedDeliveryAt")
        return cls(
            number=rec.number,
            kind=rec.kind.value,
            dry_run=False,
            version=rec.order_version,
            before=totals(s["before"]),
            after=totals(s["after"]),
            total_difference=MoneyType.from_domain(rec.difference),
            payment_settlement=s["money"],
            reserved_changes=[
                _move(m["sku"], m["warehouseId"], m["delta"]) for m in s.get("stock", [])
            ],
            lines=[_line(d) for d in rec.diff],
            promised_delivery_at=datetime.fromisoformat(promised) if promised else None,
            shipping_method=ShippingMethodChangeType.from_dict(s.get("shippingMethod")),
            reason=rec.reason,
            actor=rec.actor,
            created_at=rec.created_at,
        )


def _move(sku: str, warehouse_id: int, delta: int) -> ReservationChangeType:
    return ReservationChangeType(
        sku=sku, warehouse_id=strawberry.ID(encode_id("Warehouse", warehouse_id)), delta=delta
    )


def _line(d: dict[str, object]) -> LineChangeType:
    line_id = d.get("lineId")
    return LineChangeType(
        order_line_id=(
            strawberry.ID(encode_id("OrderLine", int(str(line_id))))
            if line_id is not None
            else None
        ),
        sku=str(d["sku"]),
        before=int(str(d["before"])),
        after=int(str(d["after"])),
    )
