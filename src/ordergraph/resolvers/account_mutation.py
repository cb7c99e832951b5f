"""Customer accounts over GraphQL: sign-up, verification, passwords, profile, address book."""

from __future__ import annotations

from typing import Any

import strawberry

from ordergraph.resolvers.common import attempt, input_id, one_credential_check
from ordergraph.schema.account_io import (
    AddCustomerAddressInput,
    ChangePasswordInput,
    ChangePasswordPayload,
    CustomerAddressPayload,
    CustomerSignupInput,
    CustomerSignupPayload,
    DeleteCustomerAddressInput,
    DeleteCustomerAddressPayload,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResetPasswordInput,
    ResetPasswordPayload,
    UpdateCustomerAddressInput,
    UpdateMeInput,
    UpdateMePayload,
    VerifyCustomerEmailInput,
    VerifyCustomerEmailPayload,
)
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.customer import CustomerAddress, CustomerType
from ordergraph.services import accounts, address_book

ADDRESS = "CustomerAddress"


async def _customer(info: Info, customer_id: int | None) -> CustomerType | None:
    if customer_id is None:
        return None
    found = await info.context.loaders.customer_by_id.load(customer_id)
    return CustomerType.from_domain(found) if found else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Create a customer account (unverified) and mail a verification link. "
        "No token needed; a taken email is a DUPLICATE error."
    )
    async def customer_signup(
        self, info: Info, input: CustomerSignupInput
    ) -> CustomerSignupPayload:
        if refused := one_credential_check(info):
            return CustomerSignupPayload(user_errors=refused)
        context = info.context
        customer, errors = await attempt(
            lambda: accounts.customer_signup(
                context.deps,
                email=input.email,
                password=input.password,
                name=input.name,
                locale=input.locale,
                timezone=input.timezone,
                base_url=context.public_base_url,
                client=context.client_address,
            )
        )
        return CustomerSignupPayload(
            customer=CustomerType.from_domain(customer) if customer else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Verify the email with the token of the mailed link; guest orders placed "
        "with this email join the account. No token needed."
    )
    async def verify_customer_email(
        self, info: Info, input: VerifyCustomerEmailInput
    ) -> VerifyCustomerEmailPayload:
        done, errors = await attempt(
            lambda: accounts.verify_customer_email(info.context.deps, token=input.token)
        )
        if done is None:
            return VerifyCustomerEmailPayload(user_errors=errors)
        return VerifyCustomerEmailPayload(
            customer=await _customer(info, done.customer_id),
            linked_order_count=len(done.linked_order_ids),
        )

    @strawberry.mutation(
        description="Mail a password-reset link (valid 1 hour) if an account has this email; "
        "the answer is the same either way. No token needed."
    )
    async def request_password_reset(
        self, info: Info, input: RequestPasswordResetInput
    ) -> RequestPasswordResetPayload:
        if refused := one_credential_check(info):
            return RequestPasswordResetPayload(user_errors=refused)
        context = info.context
        _, errors = await attempt(
            lambda: accounts.request_password_reset(
                context.deps,
                email=input.email,
                base_url=context.public_base_url,
                client=context.client_address,
            )
        )
        return RequestPasswordResetPayload(user_errors=errors)

    @strawberry.mutation(
        description="Set a new password with the token of a reset link (single use); every "
        "sign-in token of the customer is revoked. No token needed."
    )
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordPayload:
        customer_id, errors = await attempt(
            lambda: accounts.reset_password(
                info.context.deps, token=input.token, password=input.password
            )
        )
        return ResetPasswordPayload(customer=await _customer(info, customer_id), user_errors=errors)

    @strawberry.mutation(
        description="Change the signed-in customer's password (CUSTOMER token); the customer's "
        "other sign-in tokens are revoked."
    )
    async def change_password(
        self, info: Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        if refused := one_credential_check(info):
            return ChangePasswordPayload(user_errors=refused)
        actor = authenticated(info)
        customer, errors = await attempt(
            lambda: accounts.change_password(
                info.context.deps,
                actor,
                current_password=input.current_password,
                new_password=input.new_password,
            )
        )
        return ChangePasswordPayload(
            customer=await _customer(info, customer.id if customer else None), user_errors=errors
        )

    @strawberry.mutation(description="Change the signed-in customer's profile (CUSTOMER token).")
    async def update_me(self, info: Info, input: UpdateMeInput) -> UpdateMePayload:
        actor = authenticated(info)
        given: dict[str, Any] = {
            name: getattr(input, name)
            for name in ("name", "phone", "locale", "timezone")
            if getattr(input, name) is not strawberry.UNSET
        }
        if given.get("name", "") is None:
            given.pop("name")
        customer, errors = await attempt(
            lambda: address_book.update_me(info.context.deps, actor, **given)
        )
        return UpdateMePayload(
            customer=await _customer(info, customer.id if customer else None), user_errors=errors
        )

    @strawberry.mutation(description="Add an address to the signed-in customer's address book.")
    async def add_customer_address(
        self, info: Info, input: AddCustomerAddressInput
    ) -> CustomerAddressPayload:
        actor = authenticated(info)
        address_id, errors = await attempt(
            lambda: address_book.add_customer_address(
                info.context.deps,
                actor,
                address=input.address.to_fields(),
                is_default_shipping=input.is_default_shipping,
            )
        )
        return await _address_payload(info, address_id, errors)

    @strawberry.mutation(description="Replace one of the signed-in customer's addresses.")
    async def update_customer_address(
        self, info: Info, input: UpdateCustomerAddressInput
    ) -> CustomerAddressPayload:
        actor = authenticated(info)

        async def run() -> int:
            return await address_book.update_customer_address(
                info.context.deps,
                actor,
                address_id=input_id(input.address_id, ADDRESS, ["addressId"]),
                address=input.address.to_fields(),
                is_default_shipping=input.is_default_shipping,
            )

        address_id, errors = await attempt(run)
        return await _address_payload(info, address_id, errors)

    @strawberry.mutation(description="Remove one of the signed-in customer's addresses.")
    async def delete_customer_address(
        self, info: Info, input: DeleteCustomerAddressInput
    ) -> DeleteCustomerAddressPayload:
        actor = authenticated(info)

        async def run() -> int:
            return await address_book.delete_customer_address(
                info.context.deps,
                actor,
                address_id=input_id(input.address_id, ADDRESS, ["addressId"]),
            )

        address_id, errors = await attempt(run)
        if address_id is None:
            return DeleteCustomerAddressPayload(user_errors=errors)
        return DeleteCustomerAddressPayload(
            deleted_address_id=strawberry.ID(encode_id(ADDRESS, address_id)),
            customer=await _customer(info, info.context.principal.customer_id),
        )


async def _address_payload(
    info: Info, address_id: int | None, errors: list[UserError]
) -> CustomerAddressPayload:
    customer_id = info.context.principal.customer_id
    if address_id is None or customer_id is None:
        return CustomerAddressPayload(user_errors=errors)
    book = await info.context.loaders.addresses_by_customer_id.load(customer_id)
    stored = next((a for a in book if a.id == address_id), None)
    return CustomerAddressPayload(
        customer_address=CustomerAddress.from_domain(stored) if stored else None,
        customer=await _customer(info, customer_id),
    )
