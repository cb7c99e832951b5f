"""``importOrder``: bring in an order taken on another channel."""

from __future__ import annotations

import strawberry

from ordergraph.domain.channels import ImportedDifferently, RawImportLine, RawMoney
from ordergraph.domain.errors import DomainError
from ordergraph.resolvers.common import deps_of, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.import_io import ImportOrderInput, ImportOrderPayload
from ordergraph.schema.types.money import MoneyInput
from ordergraph.schema.types.order import OrderType
from ordergraph.services import order_import


def _money(given: MoneyInput | None) -> RawMoney | None:
    return RawMoney(given.amount, given.currency) if given is not None else None


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import an order sold elsewhere (marketplace, point of sale, partner) with "
        "the channel's prices and the money it collected; once per source + externalId. "
        "Needs orders:write."
    )
    async def import_order(self, info: Info, input: ImportOrderInput) -> ImportOrderPayload:
        actor = authenticated(info)

        async def run() -> order_import.Imported:
            return await order_import.import_order(
                deps_of(info, input.notify_customer),
                actor,
                source=input.source,
                external_id=input.external_id,
                channel=input.channel,
                lines=[
                    RawImportLine(
                        line.sku,
                        line.quantity,
                        RawMoney(line.unit_price.amount, line.unit_price.currency),
                    )
                    for line in input.lines
                ],
                shipping_address=(
                    input.shipping_address.to_fields() if input.shipping_address else None
                ),
                customer_id=(
                    input_id(input.customer_id, "Customer", ["customerId"])
                    if input.customer_id is not None
                    else None
                ),
                email=input.email,
                contact_name=input.name,
                phone=input.phone,
                shipping_total=_money(input.shipping_total),
                paid_amount=_money(input.paid_amount),
                already_fulfilled=input.already_fulfilled,
                warehouse_id=(
                    input_id(input.warehouse_id, "Warehouse", ["warehouseId"])
                    if input.warehouse_id is not None
                    else None
                ),
                placed_at=input.placed_at,
                sales_rep=input.sales_rep,
            )

        try:
            imported = await run()
        except ImportedDifferently as refused:
            # the first order comes along, so the channel's side can be reconciled with it
            first = await info.context.loaders.order_by_id.load(refused.order_id)
            return ImportOrderPayload(
                order=OrderType.from_domain(first) if first is not None else None,
                replayed=True,
                user_errors=[UserError.from_domain(refused)],
            )
        except DomainError as error:
            return ImportOrderPayload(user_errors=[UserError.from_domain(error)])
        return ImportOrderPayload(
            order=OrderType.from_domain(imported.order), replayed=imported.replayed
        )
