"""Automation rules: when an order event of a ``trigger`` type commits and the ``condition``
holds, run the ``actions``. Pure: the rule, its validation, the action specs, a run's outcome
and the facts a condition reads. Evaluating the condition is an adapter behind
``ConditionEngine`` (services/conditions.py, CEL), so the domain never imports the library.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ordergraph.domain.customers import Customer
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.notifications import NotificationType
from ordergraph.domain.orders import HoldType, Order
from ordergraph.domain.returns import Return
from ordergraph.domain.validation import clean_text
from ordergraph.domain.webhooks import ALL_EVENTS, WEBHOOK_EVENT_TYPES

MAX_CONDITION_LENGTH = 2000
MAX_ACTIONS = 10
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
BACKTEST_LIMIT = 1000
RULE_RAN = "automation.rule_ran"
# events about an order, so a condition has an order to read
TRIGGER_PREFIXES = frozenset({"order", "payment", "fulfillment", "shipment", "refund", "return"})
# the variables a condition may name (``return`` is there for return events only)
CONDITION_VARIABLES = frozenset({"order", "customer", "event", "return"})


class ActionKind(enum.StrEnum):
    HOLD = "hold"
    RELEASE_HOLD = "releaseHold"
    ADD_TAGS = "addTags"
    NOTIFY = "notify"
    APPROVE_RETURN = "approveReturn"
    SET_WAREHOUSE = "setWarehouse"
    CONFIRM = "confirm"  # on payment terms: CONFIRMED, payment stays PENDING
    CHOOSE_CARRIER_SERVICE = "chooseCarrierService"


class ActionStatus(enum.StrEnum):
    OK = "OK"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class RunStatus(enum.StrEnum):
    PENDING = "PENDING"  # fanned out, not claimed yet
    RUNNING = "RUNNING"  # claimed: never claimed again (at most once)
    DONE = "DONE"
    ABANDONED = "ABANDONED"  # its worker stopped mid-run; not retried, so never run twice


class ConditionError(Exception):
    """The condition could not be evaluated (a missing field, a type error, not a bool)."""


class CompiledCondition(Protocol):
    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        """True or False; ``ConditionError`` when it cannot be evaluated."""
        ...


class ConditionEngine(Protocol):
    def compile(self, source: str) -> CompiledCondition:
        """Parse and check the names; ``InvalidInput(code=INVALID_CONDITION)`` if it is bad."""
        ...


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One thing a rule does; ``params`` as the API gave them (JSON-safe)."""

    kind: ActionKind
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, **self.params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionSpec:
        params = {k: v for k, v in data.items() if k != "kind"}
        return cls(ActionKind(data["kind"]), params)

    def describe(self) -> str:
        bits = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()) if v is not None)
        return f"{self.kind.value}({bits})"


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    kind: ActionKind
    status: ActionStatus
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "status": self.status.value, "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionOutcome:
        return cls(ActionKind(data["kind"]), ActionStatus(data["status"]), data.get("message"))


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run of a rule on one event did: matched or not, or why it could not tell."""

    matched: bool
    error: str | None = None
    actions: tuple[ActionOutcome, ...] = ()

    @property
    def failed(self) -> bool:
        return self.error is not None or any(a.status is ActionStatus.FAILED for a in self.actions)


@dataclass(frozen=True, slots=True)
class PastEvent:
    """A committed order event, as a run (or a backtest) reads it."""

    outbox_id: int
    order_id: int
    type: str
    payload: Mapping[str, Any]
    occurred_at: datetime


@dataclass(slots=True)
class AutomationRule:
    id: int | None
    name: str
    trigger: str
    condition: str
    actions: list[ActionSpec]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    created_by: str
    version: int = 1

    @property
    def actor(self) -> str:
        """How the rule appears on the timeline and in the ledger."""
        return f"rule:{self.id}:{self.name}"


def check_name(name: str) -> str:
    return clean_text(name, ["name"], max_length=200)


def check_trigger(trigger: str) -> str:
    """A known order event type (as in ``OrderEvent.type``); never an ``automation.*`` one."""
    cleaned = trigger.strip()
    prefix = cleaned.split(".", 1)[0]
    if cleaned not in WEBHOOK_EVENT_TYPES or cleaned == ALL_EVENTS or prefix == "automation":
        raise InvalidInput(f"unknown event type {trigger!r}", field=["trigger"])
    if prefix not in TRIGGER_PREFIXES:
        raise InvalidInput(f"{cleaned!r} is not an order event", field=["trigger"])
    return cleaned


def check_condition_text(condition: str) -> str:
    text = condition.strip()
    if not text:
        raise InvalidInput("a condition is required (use true to always run)", field=["condition"])
    if len(text) > MAX_CONDITION_LENGTH:
        raise InvalidInput(
            f"at most {MAX_CONDITION_LENGTH} characters", field=["condition"], code="TOO_LONG"
        )
    if "\x00" in text:
        raise InvalidInput("contains a NUL byte", field=["condition"], code="INVALID_CHARACTERS")
    return text


def check_actions(actions: Sequence[ActionSpec]) -> list[ActionSpec]:
    """At least one action, at most ``MAX_ACTIONS``, each with valid parameters."""
    if not actions:
        raise InvalidInput("needs at least one action", field=["actions"], code="REQUIRED")
    if len(actions) > MAX_ACTIONS:
        raise InvalidInput(f"at most {MAX_ACTIONS} actions", field=["actions"])
    checked = []
    for index, action in enumerate(actions):
        where = ["actions", str(index)]
        params = dict(action.params)
        _check_choice(action, where)
        if action.kind is ActionKind.HOLD and params.get("reason") is not None:
            params["reason"] = clean_text(params["reason"], [*where, "reason"], max_length=500)
        if action.kind is ActionKind.ADD_TAGS:
            params["tags"] = check_tags(params.get("tags") or [], [*where, "tags"])
        if action.kind is ActionKind.SET_WAREHOUSE and not params.get("warehouseId"):
            raise InvalidInput("needs a warehouse", field=[*where, "warehouseId"], code="REQUIRED")
        if action.kind is ActionKind.CHOOSE_CARRIER_SERVICE and not params.get("carrierServiceId"):
            raise InvalidInput(
                "needs a carrier service", field=[*where, "carrierServiceId"], code="REQUIRED"
            )
        checked.append(ActionSpec(action.kind, params))
    return checked


def _check_choice(action: ActionSpec, where: list[str]) -> None:
    kind, value = action.kind, action.params.get("type")
    allowed: frozenset[str] = frozenset()
    if kind in (ActionKind.HOLD, ActionKind.RELEASE_HOLD):
        allowed = frozenset(HoldType)
    elif kind is ActionKind.NOTIFY:
        allowed = frozenset(NotificationType)
    else:
        return
    if value is None and kind is ActionKind.RELEASE_HOLD:
        return
    if value not in allowed:
        raise InvalidInput(f"unknown type {value!r}", field=[*where, "type"])


def check_tags(tags: Sequence[str], where: Sequence[str]) -> list[str]:
    if not tags:
        raise InvalidInput("needs at least one tag", field=list(where), code="REQUIRED")
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field=list(where))
    cleaned: list[str] = []
    for tag in tags:
        text = clean_text(tag, list(where), max_length=MAX_TAG_LENGTH).lower()
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def merge_tags(current: Sequence[str], added: Sequence[str]) -> list[str]:
    """The order's tags with ``added`` appended (each once, in the order first seen)."""
    merged = list(current)
    for tag in added:
        if tag not in merged:
            merged.append(tag)
    return merged[: MAX_TAGS * 5]


def money_fact(money: Money) -> dict[str, Any]:
    """Money as a condition reads it: ``amount`` a double in major units (``> 1000.0``)."""
    return {"amount": float(money.amount), "currency": money.currency}


def condition_facts(
    *,
    order: Order,
    customer: Customer | None,
    customer_order_count: int,
    event_type: str,
    payload: Mapping[str, Any],
    rma: Return | None = None,
) -> dict[str, Any]:
    """The variables a condition sees (JSON-like values only)."""
    address = order.shipping_address
    facts: dict[str, Any] = {
        "order": {
            "id": order.id,
            "number": order.number,
            "status": order.status.value,
            "paymentStatus": order.payment_status.value,
            "channel": order.channel.value,
            "total": money_fact(order.total),
            "subtotal": money_fact(order.subtotal),
            "shippingTotal": money_fact(order.shipping_total),
            "lines": [
                {"sku": ln.sku, "quantity": ln.quantity, "unitPrice": money_fact(ln.unit_price)}
                for ln in order.lines
            ],
            "shippingAddress": {"countryCode": address.country_code, "region": address.region},
            "source": order.source,
            "salesRep": order.sales_rep,
            "tags": list(order.tags),
            "holds": [h.type.value for h in order.active_holds],
        },
        "customer": None
        if customer is None
        else {
            "email": customer.email,
            "orderCount": customer_order_count,
            "createdAt": customer.created_at.isoformat(),
        },
        "event": {"type": event_type, "payload": dict(payload)},
        "return": None,
    }
    if rma is not None:
        prices = {ln.id: ln.unit_price for ln in order.lines}
        lines = [
            {
                "sku": rl.sku,
                "quantity": rl.quantity,
                "reason": rl.reason.value,
                "amount": money_fact(prices[rl.order_line_id] * rl.quantity)
                if rl.order_line_id in prices
                else money_fact(Money(0, order.currency)),
            }
            for rl in rma.lines
        ]
        total = sum(
            (
                prices.get(rl.order_line_id, Money(0, order.currency)) * rl.quantity
                for rl in rma.lines
            ),
            Money(0, order.currency),
        )
        facts["return"] = {
            "id": rma.id,
            "number": rma.number,
            "status": rma.status.value,
            "lines": lines,
            "total": money_fact(total),
        }
    return facts
