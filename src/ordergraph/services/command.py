"""Running a command: one transaction, retried on conflicts, optionally idempotent.

A keyed command stores ``remember(result)`` beside its effects in the same transaction, so a
retried request finds the record and answers with ``recall(record)`` instead of acting twice.
``remember`` may return None for an outcome worth trying again (a gateway outage): then the key
stays free. Conflicts that outlast every retry become ``Conflict`` (the ``CONFLICT``
userError): nothing was written and the client may try again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from ordergraph.domain.errors import Conflict, Duplicate, IdempotencyKeyReused
from ordergraph.domain.ports import IdempotencyRecord, RetryableConflict, UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.validation import clean_text
from ordergraph.services.deps import Deps

MAX_ATTEMPTS = 8

T = TypeVar("T")


def request_fingerprint(operation: str, request: Mapping[str, Any]) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_command(
    deps: Deps,
    actor: Principal,
    *,
    operation: str,
    request: Mapping[str, Any],
    run: Callable[[UnitOfWork], Awaitable[T]],
    remember: Callable[[T], dict[str, Any] | None],
    recall: Callable[[UnitOfWork, dict[str, Any]], Awaitable[T]],
    idempotency_key: str | None = None,
) -> T:
    key = (
        clean_text(idempotency_key, ["idempotencyKey"], max_length=200)
        if idempotency_key is not None
        else None
    )
    fingerprint = request_fingerprint(operation, request)
    looked_for_twin = False
    last_error: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with deps.uow() as uow:
                if key is not None:
                    record = await uow.idempotency.get(actor.idempotency_scope, key)
                    if record is not None:
                        if record.request_hash != fingerprint:
                            raise IdempotencyKeyReused(
                                "this idempotency key was used with a different request",
                                field=["idempotencyKey"],
                            )
                        return await recall(uow, record.result)
                result = await run(uow)
                remembered = remember(result) if key is not None else None
                if key is not None and remembered is not None:
                    await uow.idempotency.add(
                        IdempotencyRecord(
                            scope=actor.idempotency_scope,
                            key=key,
                            operation=operation,
                            request_hash=fingerprint,
                            result=remembered,
                            created_at=deps.clock.now(),
                        )
                    )
                await uow.commit()
                return result
        except Duplicate as exc:
            # A keyed create that lost a race to its own twin (same key, same input) hits the
            # natural key's unique index only after the twin committed, record included: look
            # once more, and replay the twin's result if it is there.
            if key is None or looked_for_twin:
                raise
            looked_for_twin = True
            last_error = exc
        except RetryableConflict as exc:
            last_error = exc
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    assert last_error is not None
    if isinstance(last_error, RetryableConflict):
        # a client can act on this: nothing was written, asking again may go through
        raise Conflict(
            f"concurrent changes kept conflicting with this request ({MAX_ATTEMPTS} attempts); "
            "nothing was changed, try again"
        ) from last_error
    raise last_error


async def in_transaction(deps: Deps, run: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """``run`` in one committed transaction, retried on conflicts like any command (and
    ``Conflict`` when they outlast every retry); not keyed. ``run`` must not commit."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with deps.uow() as uow:
                result = await run(uow)
                await uow.commit()
                return result
        except RetryableConflict as exc:
            if attempt == MAX_ATTEMPTS - 1:
                raise Conflict(
                    f"concurrent changes kept conflicting with this request ({MAX_ATTEMPTS} "
                    "attempts); nothing was changed, try again"
                ) from exc
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
