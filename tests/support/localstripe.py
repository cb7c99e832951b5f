"""localstripe (PyPI: a stateful Stripe-compatible server) as a subprocess on a free port.

The harness starts one per pytest session (``tests/stripe/conftest.py``) with ``--from-scratch``
and stops it afterwards. What it can and cannot do is written down in ``docs/payments.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.pg import free_port

API_KEY = "sk_test_ordergraph"
PUBLISHABLE_KEY = "pk_test_ordergraph"

# localstripe's canonical test payment methods and card numbers (see docs/payments.md)
VISA = "pm_card_visa"
CHARGE_DECLINED = "pm_card_chargeCustomerFail"  # 4000000000000341: the charge is declined
THREE_D_SECURE = "4000002500003155"  # needs authentication, then succeeds
THREE_D_SECURE_DECLINED = "4000008260003178"  # needs authentication, then is declined


@dataclass(frozen=True)
class LocalStripe:
    url: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(API_KEY, ""), timeout=10)

    def card(self, number: str) -> str:
        """A PaymentMethod for a raw test card number (server-side, as tests may)."""
        with self.client() as http:
            response = http.post(
                "/v1/payment_methods",
                data={
                    "type": "card",
                    "card[number]": number,
                    "card[exp_month]": "12",
                    "card[exp_year]": "2034",
                    "card[cvc]": "123",
                },
            )
        response.raise_for_status()
        return str(response.json()["id"])

    def authenticate(self, intent_id: str, client_secret: str, *, success: bool) -> int:
        """What stripe.js does for the customer on a 3-D Secure page (localstripe's own
        endpoint, reached with the publishable key as the browser would)."""
        with httpx.Client(base_url=self.url, timeout=10) as http:
            response = http.post(
                f"/v1/payment_intents/{intent_id}/_authenticate",
                data={
                    "key": PUBLISHABLE_KEY,
                    "client_secret": client_secret,
                    "success": "true" if success else "false",
                },
            )
        return response.status_code

    def get(self, path: str, **params: str) -> dict[str, Any]:
        with self.client() as http:
            response = http.get(path, params=params)
        response.raise_for_status()
        found = response.json()
        assert isinstance(found, dict)
        return found

    def post(self, path: str, **data: str) -> dict[str, Any]:
        with self.client() as http:
            response = http.post(path, data=data)
        response.raise_for_status()
        found = response.json()
        assert isinstance(found, dict)
        return found

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            response = http.post(f"/_config/webhooks/{name}", data={"url": url, "secret": secret})
        response.raise_for_status()

    def events(self, type_: str) -> list[dict[str, Any]]:
        listed = self.get("/v1/events", type=type_, limit="1000")  # its default page is 10
        data = listed["data"]
        assert isinstance(data, list)
        return data


def signed(event: dict[str, Any], secret: str, *, at: int | None = None) -> tuple[bytes, str]:
    """A payload and ``Stripe-Signature`` header signed the way Stripe (and localstripe) do:
    HMAC-SHA256 over ``"{t}.{payload}"``, for events localstripe cannot send itself."""
    payload = json.dumps(event, sort_keys=True).encode()
    timestamp = at if at is not None else int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return payload, f"t={timestamp},v1={digest.hexdigest()}"


@contextmanager
def running_localstripe() -> Iterator[LocalStripe]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/balance", auth=(API_KEY, ""), timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.05)
        yield LocalStripe(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
