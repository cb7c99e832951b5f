"""GDPR mutations: exportCustomerData and eraseCustomer (staff with customers:privacy)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from ordergraph.domain.customers import Customer
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.customer import CustomerType
from ordergraph.services import privacy
from ordergraph.services.privacy import PersonalDataExport


@strawberry.input
class ExportCustomerDataInput:
    customer_id: strawberry.ID


@strawberry.input
class EraseCustomerInput:
    customer_id: strawberry.ID


@strawberry.type(
    name="CustomerDataExport",
    description="Everything held about one person (GDPR access request), as JSON.",
)
class CustomerDataExportType:
    customer_id: strawberry.ID
    generated_at: datetime
    data: JSON


@strawberry.type
class ExportCustomerDataPayload:
    export: CustomerDataExportType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EraseCustomerPayload:
    customer: CustomerType | None = None
    erased_orders: int = strawberry.field(
        default=0, description="Orders whose contact and address details were anonymized."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="GDPR access request: everything held about a customer, as JSON (needs "
        "customers:privacy). Recorded on the customer's timeline."
    )
    async def export_customer_data(
        self, info: Info, input: ExportCustomerDataInput
    ) -> ExportCustomerDataPayload:
        actor = authenticated(info)

        async def run() -> PersonalDataExport:
            return await privacy.export_customer_data(
                info.context.deps,
                actor,
                customer_id=input_id(input.customer_id, "Customer", ["customerId"]),
            )

        done, errors = await attempt(run)
        if done is None:
            return ExportCustomerDataPayload(user_errors=errors)
        return ExportCustomerDataPayload(
            export=CustomerDataExportType(
                customer_id=input.customer_id, generated_at=done.generated_at, data=JSON(done.data)
            )
        )

    @strawberry.mutation(
        description="GDPR erasure: the customer is anonymized, its orders are kept with their "
        "contact and address details anonymized, its tokens revoked (needs customers:privacy)."
    )
    async def erase_customer(self, info: Info, input: EraseCustomerInput) -> EraseCustomerPayload:
        actor = authenticated(info)

        async def run() -> tuple[Customer, int]:
            return await privacy.erase_customer(
                info.context.deps,
                actor,
                customer_id=input_id(input.customer_id, "Customer", ["customerId"]),
            )

        done, errors = await attempt(run)
        if done is None:
            return EraseCustomerPayload(user_errors=errors)
        return EraseCustomerPayload(
            customer=CustomerType.from_domain(done[0]), erased_orders=done[1]
        )
