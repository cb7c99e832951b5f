"""Inputs and payloads of the customer-account mutations."""

from __future__ import annotations

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.types.customer import AddressInput, CustomerAddress, CustomerType


@strawberry.input
class CustomerSignupInput:
    email: str
    password: str = strawberry.field(description="8 to 200 characters.")
    name: str
    locale: str | None = strawberry.field(default=None, description="BCP 47, e.g. nl-NL.")
    timezone: str | None = strawberry.field(
        default=None, description="IANA name, e.g. Europe/Amsterdam."
    )


@strawberry.input
class VerifyCustomerEmailInput:
    token: str = strawberry.field(description="The token from the verification link.")


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The token from the reset link.")
    password: str = strawberry.field(description="The new password, 8 to 200 characters.")


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input(
    description="Absent fields stay as they are; null clears phone, locale, timezone."
)
class UpdateMeInput:
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET


@strawberry.input
class AddCustomerAddressInput:
    address: AddressInput
    is_default_shipping: bool = strawberry.field(
        default=False, description="Make it the default (the first address always is)."
    )


@strawberry.input
class UpdateCustomerAddressInput:
    address_id: strawberry.ID
    address: AddressInput
    is_default_shipping: bool | None = strawberry.field(
        default=None, description="true: make it the default; false: no default; null: keep."
    )


@strawberry.input
class DeleteCustomerAddressInput:
    address_id: strawberry.ID


@strawberry.type
class CustomerSignupPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VerifyCustomerEmailPayload:
    customer: CustomerType | None = None
    linked_order_count: int = strawberry.field(
        default=0, description="Guest orders with this email now linked to the account."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(
    description="The same answer whether or not an account has the email (no enumeration)."
)
class RequestPasswordResetPayload:
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResetPasswordPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ChangePasswordPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateMePayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CustomerAddressPayload:
    customer_address: CustomerAddress | None = None
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteCustomerAddressPayload:
    deleted_address_id: strawberry.ID | None = None
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
