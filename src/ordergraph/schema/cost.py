"""Query cost: a static bound on the work a document can cause, a limit, and a budget per token.

The **requested cost** is the most objects the response can hold, computed from the document
before anything runs: every object a field returns costs 1; a list multiplies what is under it
by its size — a connection's ``first``/``last`` (20 when absent, capped at 100) for its
``edges``/``nodes``, a list field's own ``first``, otherwise a typical size for that plain list
(``LIST_SIZES``, else ``DEFAULT_LIST_SIZE``); nested lists multiply. Every mutation field
adds ``MUTATION_COST``. Scalars are free. A document over
``max_cost`` is refused with ``extensions.code = "QUERY_TOO_COSTLY"`` before any resolver runs.

The **actual cost** is the same count over the objects really returned (plus the same mutation
charge), so it is cheap: one walk of the response.

Each caller (API token, or client address when anonymous) also has a **budget** like Shopify's:
a leaky bucket of ``maximumAvailable`` points refilled at ``restoreRate`` per second, shared by
every worker through the throttle store. Each operation takes its requested cost; an empty
bucket answers ``THROTTLED``. Every response reports ``extensions.cost``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperation

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_LIST_SIZE = 5  # a typical size for plain lists (lines, events); actual cost counts
# Plain lists that are small by nature: an order has one fulfillment and parcel per warehouse
# (rarely more than two), a few payment calls, holds, returns, refunds, addresses.
LIST_SIZES = {
    "fulfillments": 2,
    "shipments": 2,
    "holds": 2,
    "payments": 3,
    "refunds": 2,
    "returns": 2,
    "addresses": 2,
}
MUTATION_COST = 10
PAGED_LISTS = frozenset({"edges", "nodes"})

Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


def _unwrap_list(type_: Any) -> tuple[bool, Any]:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return True, type_.of_type
    return False, type_


def _size(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(0, min(value, MAX_PAGE_SIZE))
    return default


class CostWalker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)

    def _arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(field, node, VariableValues({}, self.variables))
        except (GraphQLError, TypeError, ValueError):
            return {"first": MAX_PAGE_SIZE}  # unreadable arguments: assume the worst

    def fields(
        self, selection_set: SelectionSetNode | None, parent: Any
    ) -> list[tuple[FieldNode, Any]]:
        """The field nodes under ``selection_set`` with the type they are selected on."""
        found: list[tuple[FieldNode, Any]] = []
        if selection_set is None:
            return found
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append((selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                on = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                found.extend(self.fields(selection.selection_set, on or parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    found.extend(self.fields(fragment.selection_set, on or parent))
        return found

    def cost(self, selection_set: SelectionSetNode | None, parent: Any, page: int | None) -> int:
        total = 0
        for node, on in self.fields(selection_set, parent):
            name = node.name.value
            if name.startswith("__") or not isinstance(
                on, GraphQLObjectType | GraphQLInterfaceType
            ):
                continue  # introspection and __typename are free (introspection is off in prod)
            field = on.fields.get(name)
            if field is None:
                continue
            is_list, inner = _unwrap_list(field.type)
            named = get_named_type(inner)
            if not isinstance(named, Composite):
                continue
            args = self._arguments(field, node) if field.args else {}
            child_page = None
            if named.name.endswith("Connection"):
                given = args.get("first") if args.get("first") is not None else args.get("last")
                child_page = _size(given, DEFAULT_PAGE_SIZE)
            count = 1
            if is_list:
                if name in PAGED_LISTS and page is not None:
                    count = page
                else:
                    count = _size(args.get("first"), LIST_SIZES.get(name, DEFAULT_LIST_SIZE))
            total += count * (1 + self.cost(node.selection_set, named, child_page))
        return total


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """The static cost of the operation that will run (see the module docstring)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name and op.name.value == operation_name)
    ]
    if not chosen:
        return 0
    operation = chosen[0]
    root = schema.get_root_type(operation.operation)
    walker = CostWalker(schema, fragments, variables or {})
    cost = walker.cost(operation.selection_set, root, None)
    if operation.operation is OperationType.MUTATION:
        cost += MUTATION_COST * len(walker.fields(operation.selection_set, root))
    return cost


def returned_objects(data: Any) -> int:
    """Objects in a response's ``data`` (the root object itself not counted)."""
    if isinstance(data, dict):
        return sum((1 if isinstance(v, dict) else 0) + returned_objects(v) for v in data.values())
    if isinstance(data, list):
        return sum((1 if isinstance(v, dict) else 0) + returned_objects(v) for v in data)
    return 0


class QueryCost(SchemaExtension):
    """The limit and the budget; reports ``extensions.cost`` on every query and mutation."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost
        self.requested: int | None = None
        self.status: dict[str, float] | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is None or ec.operation_type is StrawberryOperation.SUBSCRIPTION:
            yield
            return
        schema = ec.schema._schema
        self.requested = requested_cost(schema, document, ec.operation_name, ec.variables)
        if self.requested > self.max_cost:
            ec.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"this query could cost {self.requested} points, over the limit of "
                        f"{self.max_cost}; ask for fewer items (first/last) or fewer fields",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "requestedQueryCost": self.requested,
                            "maximumQueryCost": self.max_cost,
                        },
                    )
                ],
            )
            yield
            return
        context = ec.context
        throttle = context.deps.throttle
        principal = context.principal
        subject = (
            f"token:{principal.token_id}"
            if principal.token_id is not None
            else f"address:{context.client_address}"
        )
        policy = throttle.rules.query_cost
        state = await throttle.take(
            context.deps.clock, "query-cost", subject, float(self.requested), policy
        )
        self.status = {
            "maximumAvailable": policy.capacity,
            "currentlyAvailable": round(state.available, 1),
            "restoreRate": policy.leak_per_second,
        }
        if not state.accepted:
            ec.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"query budget exhausted: this query needs {self.requested} points, "
                        f"{round(state.available, 1)} are available; try again in "
                        f"{max(1, round(state.retry_after + 0.5))} seconds",
                        extensions={
                            "code": "THROTTLED",
                            "retryAfterSeconds": max(1, round(state.retry_after + 0.5)),
                        },
                    )
                ],
            )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        result = self.execution_context.result
        data = getattr(result, "data", None) if result is not None else None
        cost: dict[str, Any] = {"requestedQueryCost": self.requested}
        if data is not None:
            extra = 0
            if self.execution_context.operation_type is StrawberryOperation.MUTATION:
                extra = MUTATION_COST * len(data)
            cost["actualQueryCost"] = returned_objects(data) + extra
        if self.status is not None:
            cost["throttleStatus"] = self.status
        return {"cost": cost}
