"""What each standard client received, gathered over the tier and printed at the end of the run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from tests.clients.journey import Received


@dataclass(frozen=True)
class Row:
    client: str  # e.g. "gql 4.4.0 WebsocketsTransport"
    protocol: str  # graphql-transport-ws, graphql-ws, HTTP POST, …
    operation: str  # what ran: "orderEvents subscription", "query + mutation", …
    received: int  # events (or results) the client received
    expected: int  # what the server's timeline says it should have received

    @classmethod
    def of_subscription(cls, client: str, protocol: str, received: Received) -> Row:
        return cls(
            client,
            protocol,
            "orderEvents: " + ", ".join(received.types),
            len(received.events),
            len(received.timeline),
        )


@dataclass
class Matrix:
    rows: list[Row] = field(default_factory=list)
    audit: dict[str, int] = field(default_factory=dict)
    path: Path | None = None  # the JSON copy, rewritten after every record

    def record(self, row: Row) -> None:
        self.rows.append(row)
        self._save()

    def record_audit(self, counts: dict[str, int]) -> None:
        self.audit = dict(counts)
        self._save()

    def as_json(self) -> dict[str, object]:
        return {"clients": [asdict(row) for row in self.rows], "graphql_http_audit": self.audit}

    def lines(self) -> list[str]:
        width = max([len(row.client) for row in self.rows] + [len("client")])
        proto = max([len(row.protocol) for row in self.rows] + [len("protocol")])
        lines = [f"{'client':<{width}}  {'protocol':<{proto}}  received/expected  operation"]
        lines += [
            f"{row.client:<{width}}  {row.protocol:<{proto}}  "
            f"{f'{row.received}/{row.expected}':>17}  {row.operation}"
            for row in self.rows
        ]
        if self.audit:
            counts = ", ".join(f"{count} {status}" for status, count in sorted(self.audit.items()))
            lines.append(f"graphql-http audit: {counts}")
        return lines

    def _save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


MATRIX = pytest.StashKey[Matrix]()
