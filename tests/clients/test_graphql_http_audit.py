"""The ``graphql-http`` audit (GraphQL over HTTP spec conformance) against ``ordergraph serve``:
no error, and no warning either."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.clients.matrix import Matrix
from tests.clients.nodejs import NODE_DIR, NodeJs
from tests.e2e.test_serve_e2e import Server

pytestmark = pytest.mark.slow

AUDIT_SECONDS = 120


def test_the_graphql_http_audit_passes_with_no_error_and_no_warning(
    served: Server, matrix: Matrix, node: NodeJs, node_modules: Path
) -> None:
    done = subprocess.run(
        [node.path, "audit.mjs", f"{served.base_url}/graphql"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=AUDIT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    counts: dict[str, int] = report["counts"]
    matrix.record_audit(counts)
    not_ok = [
        f"{found['id']} {found['status']}: {found['name']} ({found['reason']}) {found['body']}"
        for found in report["failures"]
    ]
    assert counts["error"] == 0, not_ok
    assert counts["warn"] == 0, not_ok
    assert counts["ok"] == report["total"] > 0, not_ok
