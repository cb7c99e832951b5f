"""The built-in test payment gateway: its tokens and its references."""

from __future__ import annotations

import pytest

from ordergraph.domain.money import Money
from ordergraph.domain.payments import (
    CallContext,
    PaymentGateway,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.gateways import TestGateway

AMOUNT = Money(2500, "EUR")
CTX = CallContext(order_number="OG-100001", transaction_id=1)


@pytest.fixture
def gateway() -> PaymentGateway:
    # Typed as the port, so mypy checks that TestGateway implements it.
    return TestGateway()


async def test_tok_ok_authorizes_with_a_reference(gateway: PaymentGateway) -> None:
    result = await gateway.authorize(
        amount=AMOUNT, token="tok_ok", idempotency_key="k1", context=CTX
    )
    assert result.succeeded
    assert result.status is TransactionStatus.SUCCESS
    assert result.reference is not None
    assert result.reference.startswith("test_auth_")
    assert (result.error_code, result.message) == (None, None)


async def test_tok_ok_sells_with_a_sale_reference(gateway: PaymentGateway) -> None:
    result = await gateway.sale(amount=AMOUNT, token="tok_ok", idempotency_key="k1", context=CTX)
    assert result.succeeded
    assert result.reference is not None
    assert result.reference.startswith("test_sale_")


async def test_the_same_key_gives_the_same_reference_and_another_key_another(
    gateway: PaymentGateway,
) -> None:
    first = await gateway.authorize(
        amount=AMOUNT, token="tok_ok", idempotency_key="k1", context=CTX
    )
    again = await gateway.authorize(
        amount=AMOUNT, token="tok_ok", idempotency_key="k1", context=CTX
    )
    other = await gateway.authorize(
        amount=AMOUNT, token="tok_ok", idempotency_key="k2", context=CTX
    )
    assert first.reference == again.reference
    assert first.reference != other.reference


@pytest.mark.parametrize("operation", ["authorize", "sale"])
async def test_tok_declined_is_declined_as_a_card_decline(
    gateway: PaymentGateway, operation: str
) -> None:
    charge = gateway.authorize if operation == "authorize" else gateway.sale
    result = await charge(amount=AMOUNT, token="tok_declined", idempotency_key="k", context=CTX)
    assert not result.succeeded
    assert result.status is TransactionStatus.DECLINED
    assert (result.reference, result.error_code) == (None, "card_declined")


@pytest.mark.parametrize("operation", ["authorize", "sale"])
async def test_tok_unavailable_fails_as_a_gateway_error_that_may_pass_later(
    gateway: PaymentGateway, operation: str
) -> None:
    charge = gateway.authorize if operation == "authorize" else gateway.sale
    result = await charge(amount=AMOUNT, token="tok_unavailable", idempotency_key="k", context=CTX)
    assert not result.succeeded
    assert result.status is TransactionStatus.ERROR
    assert (result.reference, result.error_code) == (None, "gateway_unavailable")


@pytest.mark.parametrize("token", ["", "tok_OK", "tok_okay", "4242424242424242"])
async def test_any_other_token_is_declined_as_invalid(gateway: PaymentGateway, token: str) -> None:
    result = await gateway.authorize(amount=AMOUNT, token=token, idempotency_key="k", context=CTX)
    assert result.status is TransactionStatus.DECLINED
    assert result.error_code == "invalid_token"


async def test_an_authorization_it_issued_can_be_captured(gateway: PaymentGateway) -> None:
    auth = await gateway.authorize(amount=AMOUNT, token="tok_ok", idempotency_key="k", context=CTX)
    assert auth.reference is not None
    capture = await gateway.capture(
        amount=AMOUNT, authorization=auth.reference, idempotency_key="c", context=CTX
    )
    assert capture.succeeded
    assert capture.reference is not None
    assert capture.reference.startswith("test_capture_")


async def test_capturing_an_unknown_authorization_is_declined(gateway: PaymentGateway) -> None:
    result = await gateway.capture(
        amount=AMOUNT, authorization="test_sale_0123", idempotency_key="c", context=CTX
    )
    assert result.status is TransactionStatus.DECLINED
    assert result.error_code == "unknown_authorization"


async def test_voids_and_refunds_succeed_with_their_own_references(gateway: PaymentGateway) -> None:
    void = await gateway.void(authorization="test_auth_1", idempotency_key="v", context=CTX)
    refund = await gateway.refund(
        amount=AMOUNT, capture="test_sale_1", idempotency_key="r", context=CTX
    )
    assert void.succeeded
    assert refund.succeeded
    assert void.reference is not None
    assert void.reference.startswith("test_void_")
    assert refund.reference is not None
    assert refund.reference.startswith("test_refund_")


def test_the_gateway_is_named_test_and_not_collected_by_pytest() -> None:
    assert TestGateway.name == "test"
    assert TestGateway.__test__ is False


async def test_a_settled_sale_cannot_be_voided_only_refunded(gateway: PaymentGateway) -> None:
    sale = await gateway.sale(amount=AMOUNT, token="tok_ok", idempotency_key="s", context=CTX)
    assert sale.reference is not None
    void = await gateway.void(authorization=sale.reference, idempotency_key="v", context=CTX)
    assert (void.status, void.error_code) == (TransactionStatus.DECLINED, "already_captured")
    refund = await gateway.refund(
        amount=AMOUNT, capture=sale.reference, idempotency_key="r", context=CTX
    )
    assert refund.status is TransactionStatus.SUCCESS


@pytest.mark.parametrize(
    ("token", "after"),
    [("tok_3ds", TransactionStatus.SUCCESS), ("tok_3ds_fail", TransactionStatus.DECLINED)],
)
async def test_a_3ds_token_needs_the_customer_and_asking_again_finds_the_outcome(
    gateway: PaymentGateway, token: str, after: TransactionStatus
) -> None:
    result = await gateway.authorize(amount=AMOUNT, token=token, idempotency_key="k", context=CTX)
    assert result.status is TransactionStatus.ACTION_REQUIRED
    assert result.reference is not None
    assert result.client_secret == f"{result.reference}_secret"
    assert result.next_action is not None
    assert result.next_action["type"] == "redirect_to_url"
    refreshed = await gateway.refresh(reference=result.reference, kind=TransactionKind.AUTHORIZE)
    assert refreshed.status is after
    assert refreshed.reference == result.reference


async def test_an_authorization_can_be_captured_in_parts(gateway: PaymentGateway) -> None:
    auth = await gateway.authorize(amount=AMOUNT, token="tok_ok", idempotency_key="a", context=CTX)
    assert auth.reference is not None
    parts = [
        await gateway.capture(
            amount=Money(1000, "EUR"),
            authorization=auth.reference,
            idempotency_key=f"c{i}",
            context=CTX,
            final=i == 1,
        )
        for i in range(2)
    ]
    assert [p.status for p in parts] == [TransactionStatus.SUCCESS] * 2
    assert parts[0].reference != parts[1].reference
    assert await gateway.lookup(auth.reference) is None  # it keeps no records
