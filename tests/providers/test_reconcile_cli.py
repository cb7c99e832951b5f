"""``ordergraph payments reconcile``: the real console script against PostgreSQL and
localstripe, after payments made through the services with the Stripe adapter."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from datetime import timedelta
from pathlib import Path

from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus
from ordergraph.domain.principals import SYSTEM
from ordergraph.gateways.stripe_gateway import StripeGateway
from ordergraph.services.deps import Deps
from ordergraph.services.payments import authorize_payment, capture_payment
from ordergraph.services.refunds import refund_order
from tests.e2e.test_cli import ordergraph_executable
from tests.integration.test_payment_money_bugs import placed
from tests.support.localstripe import API_KEY, VISA, LocalStripe


def reconcile(
    database_url: str, localstripe: LocalStripe, cwd: Path, gateway: str = "stripe"
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ORDERGRAPH_PAYMENT_GATEWAY": gateway,
        "ORDERGRAPH_STRIPE_API_KEY": API_KEY,
        "ORDERGRAPH_STRIPE_API_BASE": localstripe.url,
    }
    return subprocess.run(
        [ordergraph_executable(), "payments", "reconcile", "--days", "1"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_reconcile_agrees_then_reports_what_changed_behind_our_back(
    pg_deps: Deps,
    pg_url: str,
    stripe_gateway: StripeGateway,
    localstripe: LocalStripe,
    unique: str,
    tmp_path: Path,
) -> None:
    deps = dataclasses.replace(pg_deps, gateway=stripe_gateway)
    sold = await placed(deps, f"{unique}S", {"CUP": "10.00", "PLATE": "10.00"})
    held = await placed(deps, f"{unique}H", {"BOWL": "15.00"})
    partial = await placed(deps, f"{unique}P", {"JUG": "30.00"})
    assert sold.id is not None
    assert held.id is not None
    assert partial.id is not None
    sale = await capture_payment(deps, SYSTEM, order_id=sold.id, token=VISA)
    cup = sold.lines[0].id
    assert cup is not None
    await refund_order(deps, SYSTEM, order_id=sold.id, lines={cup: 1})
    await authorize_payment(deps, SYSTEM, order_id=held.id, token=VISA)
    await authorize_payment(deps, SYSTEM, order_id=partial.id, token=VISA)
    await capture_payment(deps, SYSTEM, order_id=partial.id, token=None)

    clean = reconcile(pg_url, localstripe, tmp_path)

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "stripe: 3 orders, 3 payments checked, 0 mismatches" in clean.stdout

    # someone refunds in the dashboard, and a call's answer was never recorded
    localstripe.post("/v1/refunds", payment_intent=str(sale.transaction.reference), amount="300")
    async with deps.uow() as uow:
        await uow.payments.add(
            PaymentTransaction(
                id=None,
                order_id=held.id,
                gateway="stripe",
                kind=TransactionKind.CAPTURE,
                status=TransactionStatus.PENDING,
                amount=held.total,
                reference=None,
                error_code=None,
                message=None,
                created_at=deps.clock.now() - timedelta(minutes=10),
            )
        )
        await uow.commit()

    dirty = reconcile(pg_url, localstripe, tmp_path)

    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    lines = [line for line in dirty.stdout.splitlines() if line.startswith("MISMATCH")]
    assert len(lines) == 2, dirty.stdout
    # localstripe has no amount_received, so a refund without our metadata reads as less
    # captured (real Stripe reports it as "refunded outside ordergraph"): a mismatch either way
    total = sold.total.minor_units
    assert f"MISMATCH {sold.number} {sale.transaction.reference}: captured differs " in lines[0]
    assert f"(ours: {total}; provider: {total - 300})" in lines[0]
    assert any(held.number in line and "CAPTURE never answered" in line for line in lines)


def test_with_the_test_gateway_there_is_nothing_to_compare(
    pg_url: str, localstripe: LocalStripe, tmp_path: Path
) -> None:
    result = reconcile(pg_url, localstripe, tmp_path, gateway="test")
    assert result.returncode == 0
    assert "stripe" not in result.stdout
