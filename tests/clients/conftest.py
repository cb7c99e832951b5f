"""The standard-clients tier: unmodified third-party GraphQL clients against ``ordergraph serve``.

One real server (two uvicorn workers on a throwaway PostgreSQL database) serves the whole tier.
Each client subscribes the way its documentation says, events are caused over HTTP, and every
test records what its client received in the client matrix, printed at the end of the run.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.clients.matrix import MATRIX, Matrix
from tests.clients.nodejs import NodeJs, find_node, install_node_modules
from tests.e2e.test_serve_e2e import (
    WORKERS,
    Server,
    cli_env,
    ordergraph_executable,
    start_server,
    wait_until_healthy,
)
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient

MISSING_NODE = (
    "Node.js is not installed (scripts/ensure-node.sh installs Debian's nodejs; .ci/run does)"
)


@pytest.fixture(scope="package")
def served(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ordergraph serve`` with two workers, and an admin token made by ``ordergraph token``."""
    database_url = databases.new_postgres()
    workdir = tmp_path_factory.mktemp("clients")
    running = start_server(database_url, workdir, workers=WORKERS, name="clients")
    try:
        wait_until_healthy(running)
        issued = subprocess.run(
            [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "clients"],
            env=cli_env(database_url),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        running.admin_token = issued.stdout.strip()
        yield running
    finally:
        try:
            code = running.stop()
        finally:
            databases.drop_postgres(database_url)
    assert code == 0, f"server exited with {code} after SIGTERM\n{running.tail()}"
    # Whatever the clients sent (subscriptions over HTTP, the audit's malformed requests), the
    # server answered it without a crash.
    assert "Traceback" not in running.log(), running.tail()


@pytest.fixture
async def admin(served: Server) -> AsyncIterator[GraphQLClient]:
    """Our own small HTTP client, used to *cause* the events the client under test receives."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
        yield GraphQLClient(http, served.admin_token)


@pytest.fixture(scope="session")
def node() -> NodeJs:
    found = find_node()
    if found is None:
        pytest.skip(MISSING_NODE)
    return found


@pytest.fixture(scope="session")
def node_modules(node: NodeJs) -> Path:
    """``npm ci`` of tests/clients/node (graphql-ws, ws, graphql-http), once per lock file."""
    return install_node_modules()


@pytest.fixture(scope="session")
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    found = request.config.stash.setdefault(MATRIX, Matrix())
    found.path = tmp_path_factory.getbasetemp() / "client-matrix.json"
    return found


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    found = config.stash.get(MATRIX, None)
    if found is None or not (found.rows or found.audit):
        return
    terminalreporter.write_sep("=", "standard GraphQL clients against ordergraph serve")
    for line in found.lines():
        terminalreporter.write_line(line)
    if found.path is not None:
        terminalreporter.write_line(f"(also in {found.path})")
