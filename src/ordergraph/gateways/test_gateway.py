"""A deterministic gateway for development and tests, driven by the payment token.

``tok_ok`` succeeds, ``tok_declined`` is declined, ``tok_unavailable`` fails as an unreachable
provider would (nothing charged; retrying may work). ``tok_3ds`` needs the customer to
authenticate: the answer is ACTION_REQUIRED with a client secret, and asking again (``refresh``)
finds it completed; ``tok_3ds_fail`` finds it failed. Any other token is declined as invalid.

Like a real provider it refuses to void a settled sale (refund it instead), and it lets an
authorization be captured in several parts. It keeps no records, so it has nothing to show
``ordergraph payments reconcile``.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from ordergraph.domain.money import Money
from ordergraph.domain.payments import (
    CallContext,
    GatewayResult,
    ProviderPayment,
    TransactionKind,
    TransactionStatus,
)

OK = "tok_ok"
DECLINED = "tok_declined"
UNAVAILABLE = "tok_unavailable"
THREE_D_SECURE = "tok_3ds"
THREE_D_SECURE_FAILS = "tok_3ds_fail"


def _reference(kind: str, idempotency_key: str) -> str:
    # Same key, same reference: the way a real provider deduplicates retried calls.
    return f"test_{kind}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"


class TestGateway:
    __test__ = False  # not a pytest test class
    name = "test"
    authorization_validity = timedelta(days=7)

    def _charge(self, kind: str, token: str, idempotency_key: str) -> GatewayResult:
        if token == OK:
            return GatewayResult(TransactionStatus.SUCCESS, _reference(kind, idempotency_key))
        if token in {THREE_D_SECURE, THREE_D_SECURE_FAILS}:
            outcome = "ok" if token == THREE_D_SECURE else "fail"
            reference = _reference(f"{kind}3ds{outcome}", idempotency_key)
            return GatewayResult(
                TransactionStatus.ACTION_REQUIRED,
                reference,
                error_code="authentication_required",
                message="the customer must authenticate the payment",
                client_secret=f"{reference}_secret",
                next_action={"type": "redirect_to_url", "url": f"https://3ds.test/{reference}"},
            )
        if token == DECLINED:
            return GatewayResult(
                TransactionStatus.DECLINED, error_code="card_declined", message="card declined"
            )
        if token == UNAVAILABLE:
            return GatewayResult(
                TransactionStatus.ERROR,
                error_code="gateway_unavailable",
                message="the payment provider did not answer",
            )
        return GatewayResult(
            TransactionStatus.DECLINED, error_code="invalid_token", message="unknown payment token"
        )

    async def authorize(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return self._charge("auth", token, idempotency_key)

    async def sale(
        self, *, amount: Money, token: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return self._charge("sale", token, idempotency_key)

    async def capture(
        self,
        *,
        amount: Money,
        authorization: str,
        idempotency_key: str,
        context: CallContext,
        final: bool = True,
    ) -> GatewayResult:
        if not authorization.startswith("test_auth"):
            return GatewayResult(
                TransactionStatus.DECLINED, error_code="unknown_authorization", message="unknown"
            )
        return GatewayResult(TransactionStatus.SUCCESS, _reference("capture", idempotency_key))

    async def void(
        self, *, authorization: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        if authorization.startswith("test_sale"):
            return GatewayResult(
                TransactionStatus.DECLINED,
                error_code="already_captured",
                message="a settled sale cannot be voided; refund it",
            )
        return GatewayResult(TransactionStatus.SUCCESS, _reference("void", idempotency_key))

    async def refund(
        self, *, amount: Money, capture: str, idempotency_key: str, context: CallContext
    ) -> GatewayResult:
        return GatewayResult(TransactionStatus.SUCCESS, _reference("refund", idempotency_key))

    async def refresh(self, *, reference: str, kind: TransactionKind) -> GatewayResult:
        if "3dsok_" in reference:
            return GatewayResult(TransactionStatus.SUCCESS, reference)
        if "3dsfail_" in reference:
            return GatewayResult(
                TransactionStatus.DECLINED,
                reference,
                error_code="authentication_failed",
                message="the customer did not authenticate the payment",
            )
        return GatewayResult(TransactionStatus.SUCCESS, reference)

    async def lookup(self, reference: str) -> ProviderPayment | None:
        return None
