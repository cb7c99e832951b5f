"""addOrderNote, addTags, removeTags, updateMetadata (staff; scopes checked by the use cases)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.annotations import Target, TargetKind
from ordergraph.domain.catalog import Product
from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.orders import Order
from ordergraph.resolvers.common import attempt
from ordergraph.schema.annotation_io import (
    AddOrderNoteInput,
    AddOrderNotePayload,
    TagsInput,
    TagsPayload,
    UpdateMetadataInput,
    UpdateMetadataPayload,
)
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.ids import decode_id, decode_int_id, is_int_key
from ordergraph.schema.types.annotation import OrderNoteType
from ordergraph.schema.types.customer import CustomerType
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.product import ProductType
from ordergraph.services import order_notes, tags_metadata


def _target(global_id: str, allowed: frozenset[TargetKind]) -> Target:
    """The object an ID names, if it is of an allowed type; else ``INVALID_ID``."""
    kinds = " or ".join(sorted(k.value for k in allowed))
    try:
        type_name, key = decode_id(global_id)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=["id"], code="INVALID_ID") from exc
    if type_name not in {k.value for k in allowed} or not is_int_key(key):
        raise InvalidInput(f"must be the ID of a {kinds}", field=["id"], code="INVALID_ID")
    return Target(TargetKind(type_name), int(key))


TAGGABLE = frozenset({TargetKind.ORDER, TargetKind.CUSTOMER})
WITH_METADATA = frozenset(TargetKind)


def _tags_payload(done: Order | Customer | None, errors: list[UserError]) -> TagsPayload:
    if isinstance(done, Order):
        order = OrderType.from_domain(done)
        return TagsPayload(node=order, order=order)
    if isinstance(done, Customer):
        customer = CustomerType.from_domain(done)
        return TagsPayload(node=customer, customer=customer)
    return TagsPayload(user_errors=errors)


@strawberry.type
class AnnotationMutation:
    @strawberry.mutation(
        description="Add a staff note to an order (orders:write); on the timeline as "
        "order.note_added. Customers never see notes."
    )
    async def add_order_note(self, info: Info, input: AddOrderNoteInput) -> AddOrderNotePayload:
        actor = authenticated(info)

        done, errors = await attempt(
            lambda: order_notes.add_order_note(
                info.context.deps,
                actor,
                order_id=decode_int_id(input.order_id, "Order", ["orderId"]),
                text=input.text,
                idempotency_key=input.idempotency_key,
            )
        )
        if done is None:
            return AddOrderNotePayload(user_errors=errors)
        order, note = done
        return AddOrderNotePayload(
            order=OrderType.from_domain(order), note=OrderNoteType.from_domain(note)
        )

    @strawberry.mutation(
        description="Tag an order (orders:write) or a customer (customers:write); tags are "
        "trimmed and lower-cased. Bumps the version; order.tags_changed for orders."
    )
    async def add_tags(self, info: Info, input: TagsInput) -> TagsPayload:
        return await _change_tags(info, input, remove=False)

    @strawberry.mutation(
        description="Take tags off an order or a customer (absent tags are ignored)."
    )
    async def remove_tags(self, info: Info, input: TagsInput) -> TagsPayload:
        return await _change_tags(info, input, remove=True)

    @strawberry.mutation(
        description="Set or remove (value: null) keys of an order's, customer's or product's "
        "metadata, or with private: true its privateMetadata (orders:write, customers:write "
        "or catalog:write). At most 50 keys a map."
    )
    async def update_metadata(
        self, info: Info, input: UpdateMetadataInput
    ) -> UpdateMetadataPayload:
        actor = authenticated(info)
        done, errors = await attempt(
            lambda: tags_metadata.update_metadata(
                info.context.deps,
                actor,
                target=_target(input.id, WITH_METADATA),
                items=[(item.key, item.value) for item in input.metadata],
                private=input.private,
                expected_version=input.expected_version,
            )
        )
        if isinstance(done, Order):
            order = OrderType.from_domain(done)
            return UpdateMetadataPayload(node=order, order=order)
        if isinstance(done, Customer):
            customer = CustomerType.from_domain(done)
            return UpdateMetadataPayload(node=customer, customer=customer)
        if isinstance(done, Product):
            product = ProductType.from_domain(done)
            return UpdateMetadataPayload(node=product, product=product)
        return UpdateMetadataPayload(user_errors=errors)


async def _change_tags(info: Info, input: TagsInput, *, remove: bool) -> TagsPayload:
    actor = authenticated(info)
    done, errors = await attempt(
        lambda: tags_metadata.change_tags(
            info.context.deps,
            actor,
            target=_target(input.id, TAGGABLE),
            tags=input.tags,
            remove=remove,
            expected_version=input.expected_version,
        )
    )
    return _tags_payload(done, errors)
