"""Docs as tests: every GraphQL and shell example of README.md runs, in order, against the demo
data `make run` loads (`ordergraph seed --demo` on a fresh database), on PostgreSQL and SQLite.

A GraphQL example must answer without errors and with every ``userErrors`` list empty; a
subscription must deliver an event (a live one is shown an order the test places). A shell
example runs in bash from the repository root with ``TOKEN`` exported as `make run` prints it;
the server's address replaces ``127.0.0.1:8000`` and the test's database stands in for an
``export DATABASE_URL=…`` line. The venv's ``bin`` is not on ``PATH``: examples must say
``.venv/bin/ordergraph``, as a reader without an activated venv would type it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_subscriptions_api import socket
from tests.e2e.test_cli import ordergraph_executable, run_cli
from tests.support.databases import Databases
from tests.support.live import LiveApi, live_api
from tests.support.pg import free_port
from tests.support.readme import README, Example, readme_examples

REPO = README.parent
EXAMPLES = readme_examples()
RAN: Counter[str] = Counter()


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def demo(
    request: pytest.FixtureRequest, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApi]:
    backend: str = request.param
    url = databases.new(backend)
    # the README quotes ids of the demo without its history (it says so): the history's orders
    # would number ahead of them
    run_cli("seed", "--demo", "--no-history", database_url=url, cwd=tmp_path_factory.mktemp("seed"))
    with live_api(backend, url, ORDERGRAPH_WEBHOOK_INTERVAL_SECONDS=0) as api:
        yield api


@pytest.fixture(scope="module")
def tokens(demo: LiveApi) -> dict[str, str]:
    """Tokens by role; the README's customerLogin example adds ``customer``."""
    return {"admin": demo.admin_token, "storefront": demo.storefront_token}


def user_errors(value: Any) -> list[Any]:
    """Every entry of every ``userErrors`` list anywhere in a response."""
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "userErrors" and isinstance(item, list):
                found.extend(item)
            else:
                found.extend(user_errors(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(user_errors(item))
    return found


def run_query(demo: LiveApi, tokens: dict[str, str], example: Example) -> None:
    token = tokens[example.run_as]
    response = httpx.post(
        f"{demo.base_url}/graphql",
        json={"query": example.code},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert user_errors(body["data"]) == [], body["data"]
    login = body["data"].get("customerLogin")
    if isinstance(login, dict) and login.get("token"):
        tokens["customer"] = login["token"]


async def run_subscription(demo: LiveApi, tokens: dict[str, str], example: Example) -> None:
    async with socket(demo, tokens[example.run_as]) as sock:
        await sock.subscribe("readme", example.code)
        if "after:" not in example.code:
            await sock.synced()  # subscribed before the order below is placed
            place_an_order(demo)
        message = await sock.next_data("readme")
    (field,) = message.values()
    assert field, message


def place_an_order(demo: LiveApi) -> None:
    query = """mutation { placeOrder(input: {channel: APP, email: "docs@example.com",
      lines: [{sku: "CAP-BLA", quantity: 1}],
      shippingAddress: {name: "Docs Test", line1: "1 Main St", city: "Berlin",
                        region: "EU-CENTRAL", postalCode: "10115", countryCode: "DE"}}) {
      order { id } userErrors { code } } }"""
    response = httpx.post(
        f"{demo.base_url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {demo.admin_token}"},
        timeout=30,
    )
    assert user_errors(response.json()["data"]) == [], response.text


def shell_env(demo: LiveApi, tokens: dict[str, str]) -> dict[str, str]:
    venv_bin = str(Path(ordergraph_executable()).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST"))}
    env.update(PATH=path, TOKEN=tokens["admin"], DATABASE_URL=demo.database_url)
    env.pop("READ_DATABASE_URL", None)
    return env


def adapt(code: str, demo: LiveApi) -> str:
    """The example as it runs here: the test's server and database stand in for the reader's."""
    served = demo.base_url.removeprefix("http://")
    kept = [
        line
        for line in code.splitlines()
        if not re.match(r"\s*export DATABASE_URL=", line)  # the test's own database instead
    ]
    return "\n".join(kept).replace("127.0.0.1:8000", served) + "\n"


def run_shell(demo: LiveApi, tokens: dict[str, str], example: Example) -> None:
    code = adapt(example.code, demo)
    env = shell_env(demo, tokens)
    if example.serves:
        *setup, server = code.rstrip("\n").splitlines()
        code = "\n".join(setup) + "\n"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert '"errors"' not in result.stdout, result.stdout
    if example.serves:
        serve_until_healthy(server, env)


def serve_until_healthy(command: str, env: dict[str, str]) -> None:
    port = free_port()
    command = re.sub(r"--port \d+", f"--port {port}", command)
    command = command.replace("0.0.0.0", "127.0.0.1")
    server = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /healthz in 60 s"
            time.sleep(0.2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leak the workers or the pipe
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            raise
        finally:
            if server.stderr is not None:
                server.stderr.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
async def test_readme_example_runs(demo: LiveApi, tokens: dict[str, str], example: Example) -> None:
    if example.skip_reason is not None:
        RAN["skipped"] += 1
        pytest.skip(example.skip_reason)
    if example.kind == "graphql" and example.code.lstrip().startswith("subscription"):
        await run_subscription(demo, tokens, example)
    elif example.kind == "graphql":
        run_query(demo, tokens, example)
    else:
        run_shell(demo, tokens, example)
    RAN[example.kind] += 1


def test_the_readme_has_runnable_examples_and_none_of_them_was_left_out(demo: LiveApi) -> None:
    kinds = Counter(e.kind for e in EXAMPLES)
    assert kinds["graphql"] >= 10
    assert kinds["sh"] >= 4
    skipped = [e for e in EXAMPLES if e.skip_reason is not None]
    assert len(skipped) <= 3, [e.id for e in skipped]
    bare = [e.id for e in EXAMPLES if e.kind == "sh" and re.search(r"^ordergraph ", e.code, re.M)]
    assert bare == [], "say .venv/bin/ordergraph: a fresh clone has no ordergraph on PATH"
    summary = {"backend": demo.backend, "examples": len(EXAMPLES), **kinds, "skipped": len(skipped)}
    print(f"\nREADME examples: {json.dumps(summary)}")
