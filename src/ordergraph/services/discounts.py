"""Use cases for discounts: create and update (pricing:write, versioned), the discounts an
order may use, and taking and giving back their uses.

``discounts_for_checkout``, ``take_uses`` and ``give_back_uses`` run inside the caller's unit
of work (placing, editing and cancelling an order): a refusal raises ``DiscountInvalid`` and
the caller's transaction rolls back with everything else it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ordergraph.domain.discounts import (
    Discount,
    DiscountInvalid,
    DiscountKind,
    DiscountScope,
    UseOutcome,
    check_limits,
    check_window,
    clean_discount_code,
    clean_discount_name,
    clean_moment,
    label,
    new_discount,
    unusable_reason,
)
from ordergraph.domain.errors import Duplicate, InvalidInput, NotFound, check_version
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.ports import ChangedConcurrently, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps

MAX_CODES = 10  # codes one checkout may name


def _event(kind: str, discount: Discount, actor: Principal) -> DomainEvent:
    assert discount.id is not None
    payload = {
        "code": discount.code,
        "kind": discount.kind.value,
        "value": str(discount.value),
        "currency": discount.currency,
        "active": discount.active,
        "version": discount.version,
    }
    return DomainEvent(f"discount.{kind}", "Discount", discount.id, payload, actor=actor.actor)


async def create_discount(
    deps: Deps,
    actor: Principal,
    *,
    code: str | None,
    name: str,
    kind: DiscountKind,
    value: str | Decimal | None = None,
    currency: str | None = None,
    scope: DiscountScope = DiscountScope.ORDER,
    skus: Sequence[str] = (),
    groups: Sequence[str] = (),
    minimum_subtotal: tuple[Decimal | str, str] | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
    combinable: bool = True,
    active: bool = True,
) -> Discount:
    """A new discount (``code`` None: automatic); ``DUPLICATE`` for a taken code (in any
    case), ``DISCOUNT_INVALID`` for terms that do not hold together."""
    actor.require(Scope.PRICING_WRITE)
    minimum = (
        Money.parse(minimum_subtotal[0], minimum_subtotal[1], ["minimumSubtotal"])
        if minimum_subtotal is not None
        else None
    )
    discount = new_discount(
        code=code,
        name=name,
        kind=kind,
        value=value,
        currency=currency,
        scope=scope,
        skus=skus,
        groups=groups,
        minimum_subtotal=minimum,
        starts_at=starts_at,
        ends_at=ends_at,
        usage_limit=usage_limit,
        per_customer_limit=per_customer_limit,
        combinable=combinable,
        active=active,
        now=deps.clock.now(),
    )

    async def run(uow: UnitOfWork) -> Discount:
        created = replace(discount)
        if created.code is not None and await uow.discounts.get_by_code(created.code):
            raise Duplicate(f"the code {created.code} is taken", field=["code"])
        await uow.discounts.add(created)  # the unique constraint settles a concurrent twin
        uow.record(_event("created", created, actor))
        return created

    return await in_transaction(deps, run)


async def update_discount(
    deps: Deps,
    actor: Principal,
    *,
    discount_id: int,
    expected_version: int | None = None,
    name: str | None = None,
    active: bool | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
    combinable: bool | None = None,
) -> Discount:
    """Change what is given; ``CONFLICT`` on a stale version. Code, kind and value stay: an
    order placed with them must keep meaning what it meant. A usage limit below the uses
    already taken makes the discount used up."""
    actor.require(Scope.PRICING_WRITE)
    new_name = clean_discount_name(name) if name is not None else None
    new_start = clean_moment(starts_at, "startsAt")
    new_end = clean_moment(ends_at, "endsAt")
    check_limits(usage_limit, per_customer_limit)

    async def run(uow: UnitOfWork) -> Discount:
        found = await uow.discounts.get(discount_id)
        if found is None:
            raise NotFound("no such discount", field=["id"])
        check_version(expected_version, found.version, "discount")
        previous = found.version
        if new_name is not None:
            found.name = new_name
        if active is not None:
            found.active = active
        if new_start is not None:
            found.starts_at = new_start
        if new_end is not None:
            found.ends_at = new_end
        check_window(found.starts_at, found.ends_at)
        if usage_limit is not None:
            found.usage_limit = usage_limit
        if per_customer_limit is not None:
            found.per_customer_limit = per_customer_limit
        if combinable is not None:
            found.combinable = combinable
        found.version += 1
        found.updated_at = deps.clock.now()
        if not await uow.discounts.update(found, previous_version=previous):
            raise ChangedConcurrently("discount changed concurrently")
        uow.record(_event("updated", found, actor))
        return found

    return await in_transaction(deps, run)


def _checkout_codes(codes: Sequence[str]) -> list[tuple[int, str]]:
    """(input index, upper-case code), each code once; a malformed code is no code."""
    if len(codes) > MAX_CODES:
        raise DiscountInvalid(f"at most {MAX_CODES} codes", field=["discountCodes"])
    wanted: dict[str, int] = {}
    for i, raw in enumerate(codes):
        field = ["discountCodes", str(i)]
        try:
            code = clean_discount_code(raw, field)
        except InvalidInput:
            raise DiscountInvalid("is not a discount code", field=field) from None
        wanted.setdefault(code, i)
    return [(i, code) for code, i in wanted.items()]


async def discounts_for_checkout(
    uow: UnitOfWork, *, codes: Sequence[str], currency: str, now: datetime
) -> list[Discount]:
    """The discounts an order in ``currency`` gets at ``now``: the given codes (matched in any
    case, each once; each must exist and be usable, else ``DiscountInvalid`` naming its input
    index and why), then every automatic discount usable now, by id. One SQL statement."""
    wanted = _checkout_codes(codes)
    found = await uow.discounts.for_checkout([c for _, c in wanted], currency, now)
    by_code = {d.code: d for d in found if d.code is not None}
    chosen: list[Discount] = []
    for i, code in wanted:
        field = ["discountCodes", str(i)]
        discount = by_code.get(code)
        if discount is None:
            raise DiscountInvalid(f"{code} is not a discount code", field=field)
        reason = unusable_reason(discount, now, currency)
        if reason is not None:
            raise DiscountInvalid(f"{code} {reason}", field=field)
        chosen.append(discount)
    automatic = [d for d in found if d.automatic and unusable_reason(d, now, currency) is None]
    return chosen + automatic


async def take_uses(
    uow: UnitOfWork,
    *,
    discounts: Sequence[Discount],
    order_id: int,
    customer_key: str,
    now: datetime,
) -> None:
    """One use of each discount for this order (again for the same order: nothing changes),
    within its usage limit and per-customer limit, race-free (the database decides, see
    ``DiscountRepository.take_use``). ``DiscountInvalid`` "… has been used up" when one is
    not to be had: the caller's transaction must roll back."""
    unique = {d.id: d for d in discounts if d.id is not None}
    for discount_id in sorted(unique):  # a fixed lock order: two orders cannot deadlock
        discount = unique[discount_id]
        outcome = await uow.discounts.take_use(
            discount_id, order_id=order_id, customer_key=customer_key, now=now
        )
        if outcome is UseOutcome.USED_UP:
            raise DiscountInvalid(f"{label(discount)} has been used up", field=["discountCodes"])
        if outcome is UseOutcome.CUSTOMER_LIMIT_REACHED:
            raise DiscountInvalid(
                f"{label(discount)} has been used up for this customer "
                f"({discount.per_customer_limit} per customer)",
                field=["discountCodes"],
            )


async def give_back_uses(uow: UnitOfWork, *, order_id: int, now: datetime) -> list[int]:
    """Give back the uses an order holds (it was cancelled): the discount ids given back.
    Exactly once: a second call gives back nothing."""
    return await uow.discounts.give_back(order_id, now)
