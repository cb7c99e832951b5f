"""Rule conditions in CEL (the Common Expression Language, via ``cel-python``): safe by design —
no I/O, no loops beyond bounded macros over the given lists, no Python ``eval``.

Compiling parses the text and checks that it names only the known variables
(``domain.automation.CONDITION_VARIABLES``, plus those its own macros bind, as ``l`` in
``order.lines.exists(l, l.sku == "TEE")``); evaluating turns any failure into
``ConditionError``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel

from ordergraph.domain.automation import (
    CONDITION_VARIABLES,
    ConditionError,
    check_condition_text,
)
from ordergraph.domain.errors import InvalidInput

MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_ENV = celpy.Environment()


class CelCondition:
    def __init__(self, source: str, program: Any) -> None:
        self.source = source
        self._program = program

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        activation = {name: json_to_cel(facts.get(name)) for name in CONDITION_VARIABLES}
        try:
            result = self._program.evaluate(activation)
        except Exception as exc:  # the library raises its own errors and Python's
            raise ConditionError(_message(exc)) from exc
        if isinstance(result, Exception):
            raise ConditionError(_message(result))
        if not isinstance(result, bool | celtypes.BoolType):
            raise ConditionError(f"the condition gave {type(result).__name__}, not a bool")
        return bool(result)


def _message(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    text = str(args[0]) if args else str(exc)
    return text[:500]


class CelEngine:
    """The ``ConditionEngine`` port on cel-python."""

    def compile(self, source: str) -> CelCondition:
        return compile_condition(source)


@functools.lru_cache(maxsize=512)
def compile_condition(source: str) -> CelCondition:
    text = check_condition_text(source)
    try:
        tree = _ENV.compile(text)
    except Exception as exc:  # CELParseError and lark's own
        raise InvalidInput(
            f"syntax error: {_message(exc).strip()}", field=["condition"], code="INVALID_CONDITION"
        ) from exc
    unknown = sorted(_free_names(tree) - CONDITION_VARIABLES)
    if unknown:
        raise InvalidInput(
            f"unknown variable {unknown[0]!r}; known: {', '.join(sorted(CONDITION_VARIABLES))}",
            field=["condition"],
            code="INVALID_CONDITION",
        )
    return CelCondition(text, _ENV.program(tree))


def _free_names(tree: Any) -> set[str]:
    """Top-level identifiers the expression reads, less the ones its macros bind (the parse
    tree is lark's: ``ident`` nodes hold a name; ``member_dot_arg`` is a method call)."""
    named: set[str] = set()
    bound: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data == "ident" and node.children:
            named.add(str(node.children[0]))
        elif node.data == "member_dot_arg" and len(node.children) >= 3:
            method, args = node.children[1], node.children[2]
            if isinstance(method, str) and str(method) in MACROS and hasattr(args, "children"):
                first: Any = args.children[0] if args.children else None
                if first is not None and hasattr(first, "iter_subtrees"):
                    idents = [n for n in first.iter_subtrees() if n.data == "ident"]
                    if len(idents) == 1:
                        bound.add(str(idents[0].children[0]))
    return named - bound
