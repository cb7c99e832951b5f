"""A small GraphQL-over-HTTP client for tests, on httpx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert "errors" not in self.body, self.body.get("errors")
        data = self.body["data"]
        assert isinstance(data, dict)
        return data

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors = self.body.get("errors")
        assert errors, f"expected errors, got {self.body}"
        assert isinstance(errors, list)
        return errors

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    def as_token(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return GraphQLResponse(response.status_code, response.json())

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Execute and return ``data``, failing the test on any top-level error."""
        result = await self.execute(query, variables)
        assert result.status == 200, result.body
        return result.data

    async def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Execute a single-field mutation and return that field's payload."""
        data = await self.data(query, variables)
        (payload,) = data.values()
        assert isinstance(payload, dict)
        return payload
