"""Error hygiene: unexpected errors masked with a request id, expected ones kept, nothing logged
that could hold personal data.

An error that carries one of our codes was raised on purpose and is safe to show. Anything else
is a bug (or exhausted conflict retries): outside development, and in development for every
caller but an admin, the client gets ``"Unexpected error."`` with ``extensions.code =
"INTERNAL_SERVER_ERROR"`` and the ``requestId`` that is also in the ``X-Request-Id`` header and
in the server's log line. In production, validation messages lose their "Did you mean …?"
suggestions, which would otherwise spell out the schema that introspection hides.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from ordergraph.domain.principals import Role

log = logging.getLogger("ordergraph.errors")

EXPECTED_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "INVALID_ID",
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
        "QUERY_TOO_COSTLY",
        "THROTTLED",
        "SUBSCRIBER_TOO_SLOW",
        "UNAVAILABLE",
    }
)
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
MESSAGE = "Unexpected error."


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:
        return False  # parse and validation errors: about the query, not our internals
    if (error.extensions or {}).get("code") in EXPECTED_CODES:
        return False
    # a variable or literal that could not be read as its type: about the request
    return not (error.path is None and isinstance(original, COERCION_ERRORS))


COERCION_ERRORS = (GraphQLError, ValueError, TypeError, ArithmeticError)


def _request_id(context: Any) -> str:
    return str(getattr(context, "request_id", "-"))


def _is_admin(context: Any) -> bool:
    principal = getattr(context, "principal", None)
    return principal is not None and principal.role is Role.ADMIN


class MaskUnexpectedErrors(MaskErrors):
    """Mask per the module docstring; ``production`` also strips suggestions."""

    def __init__(self, *, production: bool) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MESSAGE)
        self.production = production

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context.context
        request_id = _request_id(context)
        show_details = not self.production and _is_admin(context)
        processed: list[GraphQLError] = []
        for error in errors:
            if is_unexpected(error):
                processed.append(
                    GraphQLError(
                        error.message if show_details else MESSAGE,
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                    )
                )
            elif error.original_error is not None and not (error.extensions or {}).get("code"):
                processed.append(
                    GraphQLError(
                        SUGGESTION.sub("", error.message) if self.production else error.message,
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        extensions={"code": "BAD_USER_INPUT"},
                    )
                )
            elif self.production and error.original_error is None:
                processed.append(
                    GraphQLError(
                        SUGGESTION.sub("", error.message),
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        extensions=error.extensions,
                    )
                )
            else:
                processed.append(error)
        return processed


class OrdergraphSchema(Schema):
    """Logs unexpected errors once, by request id and exception type; never the message of an
    expected error (it may quote the caller's input: emails, addresses, tokens)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        for error in errors:
            if not is_unexpected(error):
                continue
            original = error.original_error
            # the frames, not the message: a database error's message can quote row values
            frames = "".join(traceback.format_tb(original.__traceback__)) if original else ""
            log.error(
                "unexpected %s in %s (request id %s)\n%s",
                type(original).__name__,
                ".".join(str(p) for p in error.path or []) or "operation",
                _request_id(context),
                frames,
            )
