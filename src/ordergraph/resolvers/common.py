"""Helpers shared by resolvers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from graphql import GraphQLError

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.schema.context import Info
from ordergraph.schema.errors import ErrorCode, UserError
from ordergraph.schema.ids import decode_int_id
from ordergraph.services.deps import Deps

T = TypeVar("T")


async def attempt(
    action: Callable[[], Awaitable[T]],
) -> tuple[T | None, list[UserError]]:
    """Run a use case; expected failures become ``userErrors``, nothing else is swallowed."""
    try:
        return await action(), []
    except DomainError as error:
        return None, [UserError.from_domain(error)]


def deps_of(info: Info, notify_customer: bool) -> Deps:
    """The request's use-case dependencies; with ``notifyCustomer: false`` its events mail no
    customer (the events still reach webhooks and subscriptions)."""
    deps = info.context.deps
    return deps if notify_customer else deps.silenced()


def one_credential_check(info: Info) -> list[UserError]:
    """At most one password or mail-sending check per request, however many aliases ask: 30
    aliased sign-ins in one document would be 30 guesses for one request. The refusal, if any."""
    info.context.credential_checks += 1
    if info.context.credential_checks > 1:
        return [
            UserError(
                field=None,
                message="one sign-in or account request per request",
                code=ErrorCode.TOO_MANY_ATTEMPTS,
            )
        ]
    return []


def query_id(global_id: str, expected_type: str, argument: str) -> int:
    """Decode an ID argument of a query; a malformed one is a top-level INVALID_ID error."""
    try:
        return decode_int_id(global_id, expected_type, [argument])
    except InvalidInput as exc:
        raise GraphQLError(f"{argument}: {exc.message}", extensions={"code": "INVALID_ID"}) from exc


def input_id(global_id: str, expected_type: str, field: Sequence[str]) -> int:
    """Decode an ID inside a mutation input; raises ``InvalidInput`` for ``attempt``."""
    return decode_int_id(global_id, expected_type, field)
