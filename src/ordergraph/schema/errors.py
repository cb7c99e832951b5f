"""``UserError`` and its ``ErrorCode`` enum: every expected failure a mutation can report."""

from __future__ import annotations

import enum

import strawberry

from ordergraph.domain.errors import DomainError, VersionConflict


@strawberry.enum(description="Why a mutation could not do what was asked.")
class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    INVALID_ID = "INVALID_ID"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_PASSWORD = "INVALID_PASSWORD"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    FORBIDDEN = "FORBIDDEN"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONFLICT = "CONFLICT"
    TOO_MANY_LINES = "TOO_MANY_LINES"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    MIXED_CURRENCY = "MIXED_CURRENCY"
    SHIPPING_UNAVAILABLE = "SHIPPING_UNAVAILABLE"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    ORDER_NOT_CANCELLABLE = "ORDER_NOT_CANCELLABLE"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    ORDER_ON_HOLD = "ORDER_ON_HOLD"
    PAYMENT_GATEWAY_ERROR = "PAYMENT_GATEWAY_ERROR"
    NOT_RETURNABLE = "NOT_RETURNABLE"
    NOT_DELIVERED = "NOT_DELIVERED"
    RETURN_WINDOW_CLOSED = "RETURN_WINDOW_CLOSED"
    RETURN_QUANTITY_EXCEEDED = "RETURN_QUANTITY_EXCEEDED"
    RETURN_NOT_RECEIVED = "RETURN_NOT_RECEIVED"
    EXCHANGE_RETURN = "EXCHANGE_RETURN"  # its value paid for an exchange's replacement
    NOTHING_TO_REFUND = "NOTHING_TO_REFUND"
    REFUND_EXCEEDS_CAPTURED = "REFUND_EXCEEDS_CAPTURED"
    REFUND_QUANTITY_EXCEEDED = "REFUND_QUANTITY_EXCEEDED"
    INVALID_URL = "INVALID_URL"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    INVALID_RATING = "INVALID_RATING"
    ORDER_NOT_DELIVERED = "ORDER_NOT_DELIVERED"
    FEEDBACK_WINDOW_CLOSED = "FEEDBACK_WINDOW_CLOSED"
    PRODUCT_ARCHIVED = "PRODUCT_ARCHIVED"
    PRODUCT_DRAFT = "PRODUCT_DRAFT"
    ALREADY_IMPORTED = "ALREADY_IMPORTED"
    EXTERNAL_PAYMENT = "EXTERNAL_PAYMENT"
    TRANSFER_NOT_IN_TRANSIT = "TRANSFER_NOT_IN_TRANSIT"
    INBOUND_SHIPMENT_NOT_OPEN = "INBOUND_SHIPMENT_NOT_OPEN"
    SAME_WAREHOUSE = "SAME_WAREHOUSE"
    WAREHOUSE_INACTIVE = "WAREHOUSE_INACTIVE"
    TOO_MANY_SKUS = "TOO_MANY_SKUS"
    INVALID_CONDITION = "INVALID_CONDITION"
    UNKNOWN_CARRIER = "UNKNOWN_CARRIER"  # a carrier service names a carrier not in the registry
    CARRIER_REQUIRED = "CARRIER_REQUIRED"  # shipFulfillment without carrier: no service serves
    SHIPPING_OPTION_INVALID = "SHIPPING_OPTION_INVALID"  # changed, expired or not ours
    MARKET_COUNTRY_TAKEN = "MARKET_COUNTRY_TAKEN"  # another active market sells there
    DISCOUNT_INVALID = "DISCOUNT_INVALID"  # terms that do not hold, or a code not usable now
    ORDER_NOT_EDITABLE = "ORDER_NOT_EDITABLE"  # shipped, delivered or cancelled
    LINE_NOT_EDITABLE = "LINE_NOT_EDITABLE"  # its units are picked, packed or shipped
    ORDER_WOULD_BE_EMPTY = "ORDER_WOULD_BE_EMPTY"  # cancel the order instead
    NOTHING_TO_CHANGE = "NOTHING_TO_CHANGE"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"  # a higher total needs a paymentToken
    MARKET_UNAVAILABLE = "MARKET_UNAVAILABLE"  # no such market, inactive, or not this channel
    PRICE_UNAVAILABLE = "PRICE_UNAVAILABLE"  # no list price and no base price in its currency
    TAX_UNAVAILABLE = "TAX_UNAVAILABLE"  # the tax provider failed and the market blocks
    TOO_MANY_KEYS = "TOO_MANY_KEYS"  # a metadata map over 50 keys (or a request over 100)
    DRAFT_NOT_OPEN = "DRAFT_NOT_OPEN"  # the draft order was deleted
    DRAFT_ALREADY_COMPLETED = "DRAFT_ALREADY_COMPLETED"  # it became an order already
    EMAIL_REQUIRED = "EMAIL_REQUIRED"  # nobody to mail: no email on the draft or the input
    PAY_LINK_NOT_POSSIBLE = "PAY_LINK_NOT_POSSIBLE"  # a pay link cannot collect this
    PAYMENT_LINK_NOT_PAYABLE = "PAYMENT_LINK_NOT_PAYABLE"  # paid, cancelled or expired
    PAYMENT_IN_PROGRESS = "PAYMENT_IN_PROGRESS"  # another payment through the link is under way
    INVALID_TIMEZONE = "INVALID_TIMEZONE"  # not an IANA timezone name
    INVALID_RANGE = "INVALID_RANGE"  # a time range that ends before it starts
    TOO_MANY_BUCKETS = "TOO_MANY_BUCKETS"  # a series over 2000 buckets


@strawberry.type(description="An expected failure, tied to the input field that caused it.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field, e.g. ['input', 'price', 'amount']."
    )
    message: str
    code: ErrorCode
    current_version: int | None = strawberry.field(
        default=None,
        description="With CONFLICT from a stale expectedVersion: the object's version now.",
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        try:
            code = ErrorCode(error.code)
        except ValueError:
            code = ErrorCode.INVALID
        path = ["input", *error.field] if error.field is not None else None
        current = error.current_version if isinstance(error, VersionConflict) else None
        return cls(field=path, message=error.message, code=code, current_version=current)
