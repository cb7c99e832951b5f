"""Reject NUL bytes anywhere in a request before any resolver runs.

PostgreSQL cannot store U+0000 in text, so a NUL that reached the database would be a 500.
String literals are checked by a validation rule, variables by an extension that answers with a
GraphQL error instead of executing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

MESSAGE = "String values must not contain NUL (U+0000) characters."


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


class NoNulInStringLiterals(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(MESSAGE, node, extensions={"code": "BAD_USER_INPUT"}))


class RejectNulVariables(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        if contains_nul(self.execution_context.variables):
            self.execution_context.result = ExecutionResult(
                data=None,
                errors=[GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT"})],
            )
        yield
