from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from ordergraph.domain.accounts import StoredAddress
from ordergraph.domain.customers import Address, AddressFields, Customer
from ordergraph.schema.context import Info
from ordergraph.schema.ids import encode_id
from ordergraph.schema.pagination import Connection
from ordergraph.schema.types.annotation import MetadataItemType, metadata_items
from ordergraph.schema.types.node import Node

if TYPE_CHECKING:
    from ordergraph.schema.types.order import OrderType


@strawberry.type(name="Address")
class AddressType:
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None

    @classmethod
    def from_domain(cls, address: Address) -> AddressType:
        return cls(
            name=address.name,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            region=address.region,
            postal_code=address.postal_code,
            country_code=address.country_code,
            phone=address.phone,
        )


@strawberry.input(description="A postal address; region is the routing code (e.g. EU-WEST).")
class AddressInput:
    name: str
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country_code: str
    phone: str | None = None

    def to_fields(self) -> AddressFields:
        return AddressFields(
            name=self.name,
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country_code=self.country_code,
            phone=self.phone,
        )


@strawberry.type(description="An address in a customer's address book.")
class CustomerAddress:
    id: strawberry.ID
    is_default_shipping: bool
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None

    @classmethod
    def from_domain(cls, stored: StoredAddress) -> CustomerAddress:
        a = stored.address
        return cls(
            id=strawberry.ID(encode_id("CustomerAddress", stored.id)),
            is_default_shipping=stored.is_default,
            name=a.name,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            region=a.region,
            postal_code=a.postal_code,
            country_code=a.country_code,
            phone=a.phone,
        )


@strawberry.type(name="Customer")
class CustomerType(Node):
    pk: strawberry.Private[int]
    email: str
    name: str
    phone: str | None
    created_at: datetime
    erased_at: datetime | None = strawberry.field(
        default=None, description="Set once the person was erased (GDPR): the data is gone."
    )
    email_verified_at: datetime | None = strawberry.field(
        default=None, description="When the customer followed the verification link."
    )
    locale: str | None = strawberry.field(default=None, description="BCP 47, for mail.")
    timezone: str | None = strawberry.field(default=None, description="IANA, for mail dates.")
    group: str | None = strawberry.field(
        default=None,
        description="The customer group (e.g. wholesale) whose price lists apply; staff only "
        "(customers:read).",
    )
    version: int = strawberry.field(
        default=1, description="Bumped by every change (expectedVersion)."
    )
    tags: list[str] = strawberry.field(
        default_factory=list, description="Staff labels (addTags); needs customers:read."
    )
    metadata: list[MetadataItemType] = strawberry.field(
        default_factory=list, description="Key-value pairs staff set (updateMetadata)."
    )
    private_metadata: list[MetadataItemType] | None = strawberry.field(
        default=None, description="Staff-only key-value pairs (needs customers:read)."
    )

    @classmethod
    def from_domain(cls, customer: Customer) -> CustomerType:
        assert customer.id is not None
        return cls(
            id=strawberry.ID(encode_id("Customer", customer.id)),
            pk=customer.id,
            email=customer.email,
            name=customer.name,
            phone=customer.phone,
            created_at=customer.created_at,
            erased_at=customer.erased_at,
            email_verified_at=customer.email_verified_at,
            locale=customer.locale,
            timezone=customer.timezone,
            group=customer.group,
            version=customer.version,
            tags=list(customer.tags),
            metadata=metadata_items(customer.metadata),
            private_metadata=metadata_items(customer.private_metadata),
        )

    @strawberry.field(description="Whether the email was verified (verifyCustomerEmail).")
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @strawberry.field(description="The address book, the default shipping address first.")
    async def addresses(self, info: Info) -> list[CustomerAddress]:
        found = await info.context.loaders.addresses_by_customer_id.load(self.pk)
        return [CustomerAddress.from_domain(a) for a in found]

    @strawberry.field
    async def default_address(self, info: Info) -> AddressType | None:
        found = await info.context.loaders.addresses_by_customer_id.load(self.pk)
        default = next((a for a in found if a.is_default), None)
        return AddressType.from_domain(default.address) if default else None

    @strawberry.field(description="Where orders ship unless told otherwise.")
    async def default_shipping_address(self, info: Info) -> CustomerAddress | None:
        found = await info.context.loaders.addresses_by_customer_id.load(self.pk)
        default = next((a for a in found if a.is_default), None)
        return CustomerAddress.from_domain(default) if default else None

    @strawberry.field(
        description="The customer's orders, newest first (only for whoever may "
        "read them: staff with orders:read, or the customer itself)."
    )
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Annotated[OrderType, strawberry.lazy("ordergraph.schema.types.order")]]:
        from ordergraph.db.queries.orders import OrderFilterSpec, orders_query
        from ordergraph.domain.access import may_read_order
        from ordergraph.schema.enums import OrderSortField
        from ordergraph.schema.pagination import paginate
        from ordergraph.schema.types.order import OrderType

        visible = may_read_order(info.context.principal, self.pk)
        spec = OrderFilterSpec(customer_id=self.pk if visible else -1)
        return await paginate(
            info,
            orders_query(spec, OrderSortField.CREATED_AT),
            first=first,
            after=after,
            last=None,
            before=None,
            descending=True,
            to_node=OrderType.from_row,
        )
