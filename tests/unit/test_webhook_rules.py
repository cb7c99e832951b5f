"""Signed webhooks' pure rules: signatures, headers, retry schedule, URL policy, event filters."""

from __future__ import annotations

import ast
import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.webhooks import (
    HEADERS,
    WEBHOOK_EVENT_TYPES,
    DeliveryStatus,
    RetrySchedule,
    WebhookUrlPolicy,
    check_event_patterns,
    delivery_headers,
    matches,
    sign,
    verify,
)

SECRET = "whsec_test_0123456789"
BODY = b'{"id":42,"type":"order.placed","data":{"number":"OG-1001"}}'
NOW = 1_760_000_000

# --- signatures -----------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    message = b"1760000000." + BODY
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == "v1=" + expected


def test_a_known_answer_vector_matches() -> None:
    # Computed independently: HMAC-SHA256(key="key", msg="0.") in hex.
    expected = hmac.new(b"key", b"0.", hashlib.sha256).hexdigest()
    assert sign("key", 0, b"") == f"v1={expected}"
    assert len(expected) == 64


def test_the_signature_changes_with_the_timestamp() -> None:
    assert sign(SECRET, NOW, BODY) != sign(SECRET, NOW + 1, BODY)


def test_verify_accepts_the_right_signature() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert verify(SECRET, NOW, BODY, signature, now=NOW)


def test_verify_accepts_a_timestamp_within_the_tolerance() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert verify(SECRET, NOW, BODY, signature, now=NOW + 300)
    assert verify(SECRET, NOW, BODY, signature, now=NOW - 300)


def test_verify_rejects_a_wrong_secret() -> None:
    signature = sign("another-secret", NOW, BODY)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW)


def test_verify_rejects_a_modified_body() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, NOW, BODY.replace(b"42", b"43"), signature, now=NOW)


def test_verify_rejects_a_signature_for_another_timestamp() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, NOW + 1, BODY, signature, now=NOW)


def test_verify_rejects_a_stale_timestamp_even_if_correctly_signed() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW + 301)


def test_verify_rejects_a_timestamp_from_the_future() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW - 301)


def test_verify_honours_a_custom_tolerance() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert verify(SECRET, NOW, BODY, signature, now=NOW + 30, tolerance=60)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW + 61, tolerance=60)


@pytest.mark.parametrize(
    "forged",
    ["", "v1=", "v1=" + "0" * 64, "v0=" + "a" * 64, "v1=é" + "a" * 63, "garbage"],
)
def test_verify_rejects_malformed_or_forged_signatures_without_raising(forged: str) -> None:
    assert not verify(SECRET, NOW, BODY, forged, now=NOW)


def test_verify_rejects_the_bare_hex_digest_without_its_version_prefix() -> None:
    bare = sign(SECRET, NOW, BODY).removeprefix("v1=")
    assert not verify(SECRET, NOW, BODY, bare, now=NOW)


# --- headers --------------------------------------------------------------------------------


def test_the_header_names_are_the_documented_ones() -> None:
    assert tuple(HEADERS) == (
        "X-Ordergraph-Event-Id",
        "X-Ordergraph-Event-Type",
        "X-Ordergraph-Timestamp",
        "X-Ordergraph-Signature",
    )


def test_delivery_headers_carry_id_type_timestamp_and_signature() -> None:
    signature = sign(SECRET, NOW, BODY)
    headers = delivery_headers(42, "order.placed", NOW, signature)
    assert headers["X-Ordergraph-Event-Id"] == "42"
    assert headers["X-Ordergraph-Event-Type"] == "order.placed"
    assert headers["X-Ordergraph-Timestamp"] == str(NOW)
    assert headers["X-Ordergraph-Signature"] == signature
    assert headers["Content-Type"] == "application/json"


def test_a_receiver_can_verify_from_the_headers_alone() -> None:
    headers = delivery_headers("7", "order.confirmed", NOW, sign(SECRET, NOW, BODY))
    timestamp = int(headers[HEADERS.timestamp])
    assert verify(SECRET, timestamp, BODY, headers[HEADERS.signature], now=NOW + 5)


# --- retry schedule -------------------------------------------------------------------------


def test_the_default_schedule_allows_eight_retries_a_minute_apart_at_first() -> None:
    schedule = RetrySchedule()
    assert schedule.max_attempts == 8
    assert schedule.base == timedelta(seconds=60)
    assert schedule.delay(1, 0.5) == timedelta(seconds=60)


def test_delays_double_with_each_attempt_at_the_jitter_midpoint() -> None:
    schedule = RetrySchedule()
    delays = [schedule.delay(attempt, 0.5) for attempt in range(1, 9)]
    assert delays == [timedelta(minutes=2**n) for n in range(8)]


def test_delays_are_deterministic_for_the_same_rand() -> None:
    schedule = RetrySchedule()
    assert schedule.delay(3, 0.123) == schedule.delay(3, 0.123)
    assert schedule.delay(3, 0.123) != schedule.delay(3, 0.9)


def test_rand_zero_gives_the_lower_jitter_bound() -> None:
    schedule = RetrySchedule()
    assert schedule.delay(2, 0.0) == timedelta(minutes=2) * 0.9


def test_rand_near_one_approaches_the_upper_jitter_bound() -> None:
    schedule = RetrySchedule()
    high = schedule.delay(2, 0.999999)
    assert timedelta(minutes=2) * 1.0999 < high < timedelta(minutes=2) * 1.1


@pytest.mark.parametrize("rand", [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999])
def test_every_delay_stays_within_the_jitter_bounds(rand: float) -> None:
    schedule = RetrySchedule()
    for attempt in range(1, schedule.max_attempts + 1):
        nominal = schedule.nominal(attempt)
        delay = schedule.delay(attempt, rand)
        assert nominal * 0.9 <= delay < nominal * 1.1


@pytest.mark.parametrize(("earlier", "later"), [(0.999999, 0.0), (0.0, 0.999999), (0.5, 0.5)])
def test_delays_grow_monotonically_whatever_the_jitter(earlier: float, later: float) -> None:
    schedule = RetrySchedule()
    for attempt in range(1, schedule.max_attempts):
        assert schedule.delay(attempt, earlier) < schedule.delay(attempt + 1, later)


def test_eight_default_retries_span_at_least_four_hours() -> None:
    schedule = RetrySchedule()
    assert schedule.max_attempts >= 8
    assert schedule.total_span() >= timedelta(hours=4)
    midpoint = sum((schedule.delay(a, 0.5) for a in range(1, 9)), timedelta(0))
    assert midpoint == schedule.total_span() == timedelta(minutes=255)


def test_total_span_follows_a_custom_schedule() -> None:
    schedule = RetrySchedule(max_attempts=3, base=timedelta(seconds=10), factor=3.0, jitter=0.0)
    assert schedule.total_span() == timedelta(seconds=10 + 30 + 90)
    assert schedule.delay(3, 0.7) == timedelta(seconds=90)


def test_zero_jitter_ignores_rand() -> None:
    schedule = RetrySchedule(jitter=0.0)
    assert schedule.delay(4, 0.0) == schedule.delay(4, 0.99) == timedelta(minutes=8)


@pytest.mark.parametrize(("attempt", "rand"), [(0, 0.5), (9, 0.5), (1, -0.1), (1, 1.0)])
def test_delay_refuses_attempts_or_rand_out_of_range(attempt: int, rand: float) -> None:
    with pytest.raises(ValueError, match="must be in"):
        RetrySchedule().delay(attempt, rand)


@pytest.mark.parametrize(
    "settings",
    [
        {"max_attempts": 0},
        {"base": timedelta(0)},
        {"factor": 0.5},
        {"jitter": 1.0},
        {"jitter": -0.1},
    ],
)
def test_a_nonsensical_schedule_is_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetrySchedule(**settings)  # type: ignore[arg-type]


def test_a_delivery_is_retried_until_the_retries_run_out_then_dead_lettered() -> None:
    schedule = RetrySchedule(max_attempts=3)
    assert [schedule.status_after_failure(n) for n in range(1, 5)] == [
        DeliveryStatus.FAILED,
        DeliveryStatus.FAILED,
        DeliveryStatus.FAILED,
        DeliveryStatus.DEAD,
    ]


def test_delivery_statuses_are_the_four_documented_ones() -> None:
    assert [s.value for s in DeliveryStatus] == ["PENDING", "SUCCEEDED", "FAILED", "DEAD"]


# --- URL policy -----------------------------------------------------------------------------

GOOD_URLS = [
    "https://example.com/hooks/ordergraph",
    "http://example.com",
    "https://hooks.example.co.uk:8443/in?source=ordergraph",
    "HTTPS://Example.COM/path",
    "https://8.8.8.8/hook",
    "https://[2606:4700:4700::1111]/hook",
]

MALFORMED_URLS = [
    "",
    "   ",
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "example.com/hook",
    "https://",
    "https:///path-only",
    "https://user:pass@example.com/hook",
    "https://user@example.com/hook",
    "https://example.com/a b",
    "https://example.com/\x00",
    "https://example.com:99999/",
    "https://example.com:0/",
    "https://[::1/",
    "https://example.com/" + "a" * 2000,
]

INTERNAL_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[ff02::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://localhost/hook",
    "http://localhost:8000/hook",
    "http://LOCALHOST/hook",
    "http://localhost./hook",
    "http://api.localhost/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f.0.0.1/hook",
]


def _refusal(policy: WebhookUrlPolicy, url: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        policy.check(url)
    return caught.value


@pytest.mark.parametrize("url", GOOD_URLS)
def test_public_http_and_https_urls_are_accepted(url: str) -> None:
    assert WebhookUrlPolicy(allow_private=False).check(url) == url


def test_surrounding_whitespace_is_trimmed() -> None:
    url = "https://example.com/hook"
    assert WebhookUrlPolicy(allow_private=False).check(f"  {url}\n") == url


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_malformed_urls_are_refused_even_when_private_addresses_are_allowed(url: str) -> None:
    for allow_private in (False, True):
        error = _refusal(WebhookUrlPolicy(allow_private=allow_private), url)
        assert error.code == "INVALID_URL"
        assert error.field == ("url",)


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_addresses_are_refused_by_default(url: str) -> None:
    error = _refusal(WebhookUrlPolicy(allow_private=False), url)
    assert error.code == "INVALID_URL"
    assert error.field == ("url",)


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_addresses_are_accepted_when_private_targets_are_allowed(url: str) -> None:
    assert WebhookUrlPolicy(allow_private=True).check(url) == url


def test_the_refusal_says_why() -> None:
    policy = WebhookUrlPolicy(allow_private=False)
    assert "http" in _refusal(policy, "ftp://example.com").message
    assert "credentials" in _refusal(policy, "https://u:p@example.com").message
    assert "localhost" in _refusal(policy, "http://localhost").message
    assert "private" in _refusal(policy, "http://10.0.0.1").message


def test_a_url_of_exactly_the_maximum_length_is_accepted() -> None:
    prefix = "https://example.com/"
    url = prefix + "a" * (2000 - len(prefix))
    assert WebhookUrlPolicy(allow_private=False).check(url) == url


def test_names_that_merely_contain_localhost_are_not_refused() -> None:
    policy = WebhookUrlPolicy(allow_private=False)
    assert policy.check("https://localhost.example.com/") == "https://localhost.example.com/"
    assert policy.check("https://mylocalhost.com/") == "https://mylocalhost.com/"


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["93.184.216.34", "10.1.2.3"],
        ["169.254.169.254"],
        ["::1"],
        ["fe80::1%eth0"],
        ["::ffff:192.168.0.1"],
        ["not-an-address"],
        [],
    ],
)
def test_resolved_internal_or_unreadable_addresses_are_refused(addresses: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        WebhookUrlPolicy(allow_private=False).check_resolved(addresses)
    assert caught.value.code == "INVALID_URL"
    assert caught.value.field == ("url",)


def test_resolved_public_addresses_pass() -> None:
    WebhookUrlPolicy(allow_private=False).check_resolved(["93.184.216.34", "2606:4700::1111"])


def test_resolved_private_addresses_pass_when_allowed() -> None:
    WebhookUrlPolicy(allow_private=True).check_resolved(["127.0.0.1", "10.0.0.1", "::1"])


# --- event types ----------------------------------------------------------------------------


def test_a_star_subscription_matches_every_event() -> None:
    for event_type in WEBHOOK_EVENT_TYPES - {"*"}:
        assert matches(frozenset({"*"}), event_type)


def test_a_prefix_wildcard_matches_only_that_family() -> None:
    subscribed = frozenset({"order.*"})
    assert matches(subscribed, "order.placed")
    assert matches(subscribed, "order.partially_shipped")
    assert not matches(subscribed, "shipment.created")
    assert not matches(subscribed, "orders.placed")
    assert not matches(subscribed, "order")


def test_an_exact_subscription_matches_only_that_type() -> None:
    subscribed = frozenset({"order.placed", "refund.succeeded"})
    assert matches(subscribed, "order.placed")
    assert matches(subscribed, "refund.succeeded")
    assert not matches(subscribed, "order.confirmed")
    assert not matches(subscribed, "refund.failed")


def test_an_empty_subscription_matches_nothing() -> None:
    assert not matches(frozenset(), "order.placed")


def test_the_event_types_include_star_and_the_main_lifecycle_events() -> None:
    expected = {
        "*",
        "order.placed",
        "order.confirmed",
        "order.cancelled",
        "order.shipped",
        "order.partially_shipped",
        "order.delivered",
        "shipment.created",
        "refund.succeeded",
        "return.requested",
        "inventory.adjusted",
    }
    assert expected <= WEBHOOK_EVENT_TYPES


def _recorded_event_types() -> set[str]:
    """String literals passed first to ``.record(...)`` or ``DomainEvent(...)`` anywhere in src."""
    root = Path(__file__).resolve().parents[2] / "src" / "ordergraph"
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            named = (isinstance(func, ast.Attribute) and func.attr == "record") or (
                isinstance(func, ast.Name) and func.id == "DomainEvent"
            )
            first = node.args[0]
            if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def test_every_event_type_the_code_records_can_be_subscribed_to() -> None:
    recorded = _recorded_event_types()
    assert "order.placed" in recorded  # the scan itself works
    assert recorded <= WEBHOOK_EVENT_TYPES, sorted(recorded - WEBHOOK_EVENT_TYPES)


def test_a_subscription_of_known_types_and_families_is_accepted() -> None:
    assert check_event_patterns([" order.* ", "refund.succeeded", "*"]) == frozenset(
        {"order.*", "refund.succeeded", "*"}
    )


@pytest.mark.parametrize("patterns", [["order.teleported"], ["orders.*"], ["order*"], []])
def test_unknown_or_empty_subscriptions_are_refused(patterns: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_event_patterns(patterns)
    assert caught.value.field == ("events",)
