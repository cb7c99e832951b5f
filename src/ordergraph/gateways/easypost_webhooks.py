"""EasyPost's webhook events, verified with EasyPost's SDK (``easypost.util.validate_webhook``).

The SDK checks ``X-Hmac-Signature: hmac-sha256-hex=<HMAC-SHA256 of the raw body>`` under the
webhook secret (NFKD-normalized, as EasyPost does) in constant time, then reads the body.
"""

from __future__ import annotations

from typing import Any

from easypost.errors.general.signature_verification_error import SignatureVerificationError
from easypost.util import validate_webhook

from ordergraph.domain.carrier_events import (
    EASYPOST_SIGNATURE_HEADER,
    BadSignature,
    CarrierEventError,
)


def verified_easypost_event(body: bytes, signature: str | None, secret: str) -> Any:
    """The event's JSON if ``signature`` is EasyPost's for ``body`` under ``secret``; raises
    ``BadSignature``, or ``CarrierEventError`` for a correctly signed body that is not JSON."""
    if not signature:
        raise BadSignature("missing signature")
    try:
        return validate_webhook(body, {EASYPOST_SIGNATURE_HEADER: signature}, secret)
    except SignatureVerificationError as exc:
        raise BadSignature("signature mismatch") from exc
    except TypeError as exc:  # compare_digest refuses a header with non-ASCII characters
        raise BadSignature("malformed signature") from exc
    except (ValueError, RecursionError) as exc:  # JSON (and UTF-8) errors; absurd nesting
        raise CarrierEventError("the body is not JSON") from exc
