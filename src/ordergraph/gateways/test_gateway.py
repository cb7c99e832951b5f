"""A deterministic gateway for development and tests, driven by the payment token.

``tok_ok`` succeeds, ``tok_declined`` is declined, ``tok_unavailable`` fails as an unreachable
provider would (nothing charged; retrying may work). Any other token is declined as invalid.
"""

from __future__ import annotations

import hashlib

from ordergraph.domain.money import Money
from ordergraph.domain.payments import GatewayResult, TransactionStatus

OK = "tok_ok"
DECLINED = "tok_declined"
UNAVAILABLE = "tok_unavailable"


def _reference(kind: str, idempotency_key: str) -> str:
    # Same key, same reference: the way a real provider deduplicates retried calls.
    return f"test_{kind}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"


class TestGateway:
    __test__ = False  # not a pytest test class
    name = "test"

    def _charge(self, kind: str, token: str, idempotency_key: str) -> GatewayResult:
        if token == OK:
            return GatewayResult(TransactionStatus.SUCCESS, _reference(kind, idempotency_key))
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

    async def authorize(self, *, amount: Money, token: str, idempotency_key: str) -> GatewayResult:
        return self._charge("auth", token, idempotency_key)

    async def sale(self, *, amount: Money, token: str, idempotency_key: str) -> GatewayResult:
        return self._charge("sale", token, idempotency_key)

    async def capture(
        self, *, amount: Money, authorization: str, idempotency_key: str
    ) -> GatewayResult:
        if not authorization.startswith("test_auth_"):
            return GatewayResult(
                TransactionStatus.DECLINED, error_code="unknown_authorization", message="unknown"
            )
        return GatewayResult(TransactionStatus.SUCCESS, _reference("capture", idempotency_key))

    async def void(self, *, authorization: str, idempotency_key: str) -> GatewayResult:
        return GatewayResult(TransactionStatus.SUCCESS, _reference("void", idempotency_key))

    async def refund(self, *, amount: Money, capture: str, idempotency_key: str) -> GatewayResult:
        return GatewayResult(TransactionStatus.SUCCESS, _reference("refund", idempotency_key))
