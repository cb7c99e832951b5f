"""The Dockerfile built and run for real with podman, against the session's PostgreSQL.

Skipped without podman (scripts/ensure-container-tools.sh installs it as root; CI runs that
script). The image is built FROM python:3.11-slim where podman has it or can pull it; where no
image registry is reachable, FROM the stand-in that script builds from Debian 12's own Python 3.11
packages (PYTHON_IMAGE build argument). Containers use the host's network, so the image's
migrate, token and serve commands reach the test cluster on 127.0.0.1; serve takes a free port.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.aio import run_sync
from tests.support.databases import Databases
from tests.support.pg import free_port

pytestmark = [pytest.mark.slow, pytest.mark.scale, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_BASE = "python:3.11-slim"
STANDIN_BASE = os.environ.get(
    "ORDERGRAPH_STANDIN_IMAGE", "localhost/ordergraph-python-standin:3.11-bookworm"
)
TAG = "localhost/ordergraph:test"
SECRET = "a-test-secret-that-is-not-the-development-default"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def limits() -> list[str]:
    """Resource limits no higher than ours: podman's defaults exceed what an unprivileged-ish
    root (no CAP_SYS_RESOURCE, as in this sandbox) may set, and the runtime then refuses."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", "nproc=4096:4096"]


@dataclass(frozen=True)
class Podman:
    base: list[str]

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    def ok(self, *args: str, timeout: float = 120) -> str:
        done = self(*args, timeout=timeout)
        assert done.returncode == 0, (
            f"podman {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done.stdout

    def run(self, *args: str, healthcheck: bool = False) -> list[str]:
        """``podman run`` with the host's network; the image's health check only on request,
        run by hand (``podman healthcheck run``: its timer needs systemd)."""
        checks = ["--health-interval", "disable"] if healthcheck else ["--no-healthcheck"]
        return ["run", "--network", "host", *limits(), *checks, *args]


@pytest.fixture(scope="module")
def podman() -> Podman:
    binary = shutil.which("podman")
    if binary is None:
        pytest.skip("podman is not installed (scripts/ensure-container-tools.sh installs it)")
    # crun refuses hybrid cgroup v1/v2 hierarchies; runc copes with them
    return Podman([binary, *(["--runtime", "runc"] if shutil.which("runc") else [])])


def base_image(podman: Podman) -> str:
    for candidate in (OFFICIAL_BASE, STANDIN_BASE):
        if podman("image", "exists", candidate).returncode == 0:
            return candidate
    pytest.skip(f"no {OFFICIAL_BASE} nor {STANDIN_BASE}: see scripts/ensure-container-tools.sh")


def build_options(tmp: Path) -> list[str]:
    """Host networking, and the host's CA bundle for pip: on networks that inspect TLS (this
    one does) the base image's certifi bundle does not trust PyPI's certificate."""
    options = ["--format", "docker", "--network", "host", *limits()]
    if HOST_CA_BUNDLE.exists():
        pip_conf = tmp / "pip.conf"
        pip_conf.write_text("[global]\ncert = /etc/ssl/certs/host-ca-bundle.crt\n")
        options += [
            "--volume",
            f"{HOST_CA_BUNDLE}:/etc/ssl/certs/host-ca-bundle.crt:ro",
            "--volume",
            f"{pip_conf}:/etc/pip.conf:ro",
        ]
    return options


def build(podman: Podman, options: list[str], tag: str, *target: str) -> None:
    """Build and tag; then drop the image this tag named before (podman removes its untagged
    parents with it), so repeated runs keep one image per stage, not one per run."""
    previous = podman("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    podman.ok("build", *options, *target, "--tag", tag, str(ROOT), timeout=800)
    current = podman.ok("image", "inspect", "--format", "{{.Id}}", tag).strip()
    if previous and previous != current:
        podman("rmi", previous)


@pytest.fixture(scope="module")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> str:
    options = [
        *build_options(tmp_path_factory.mktemp("build")),
        "--build-arg",
        f"PYTHON_IMAGE={base_image(podman)}",
    ]
    # The builder stage gets a tag of its own only so that its old layers are dropped too.
    build(podman, options, f"{TAG}-builder", "--target", "builder")
    build(podman, options, TAG)
    return TAG


def test_the_image_runs_ordergraph_serve_as_an_unprivileged_user(
    podman: Podman, image: str
) -> None:
    inspected = json.loads(podman.ok("image", "inspect", image))[0]
    config = inspected["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["ordergraph"]
    assert config["Cmd"] == ["serve"]
    assert config["ExposedPorts"] == {"8000/tcp": {}}
    assert "ORDERGRAPH_ENV=production" in config["Env"]
    assert "PYTHONDONTWRITEBYTECODE=1" in config["Env"]
    healthcheck = inspected["Healthcheck"]
    assert healthcheck["Test"][:3] == ["CMD", "python", "-c"]
    assert "/healthz" in healthcheck["Test"][3]
    assert healthcheck["Retries"] == 3
    identity = podman.ok(*podman.run("--rm", "--entrypoint", "id", image, "-u"))
    assert identity.strip() == "10001"


def test_the_image_holds_the_installed_wheel_and_no_sources(podman: Podman, image: str) -> None:
    probe = (
        "import importlib.metadata as m, pathlib, ordergraph; "
        "p = pathlib.Path(ordergraph.__file__).parent; "
        "print(p); print(len(list(p.glob('db/migrations/versions/*.py')))); "
        "print(len([f for f in p.glob('web/static/**/*') if f.is_file()])); "
        "print(m.version('ordergraph'))"
    )
    out = podman.ok(*podman.run("--rm", "--entrypoint", "python", image, "-c", probe)).split()
    package = ROOT / "src" / "ordergraph"
    assert out[0] == "/opt/venv/lib/python3.11/site-packages/ordergraph", "a wheel, not editable"
    assert int(out[1]) == len(list(package.glob("db/migrations/versions/*.py")))
    assert int(out[2]) == len([f for f in package.glob("web/static/**/*") if f.is_file()])
    assert int(out[2]) > 0
    leftovers = podman(*podman.run("--rm", "--entrypoint", "ls", image, "/src", "/wheels"))
    assert leftovers.returncode != 0, f"the builder's files leaked: {leftovers.stdout}"


def test_the_build_context_holds_only_the_package(
    podman: Podman, image: str, tmp_path: Path
) -> None:
    """The same context and .dockerignore as the real build, copied whole into a probe image."""
    dockerfile = tmp_path / "Probe.Dockerfile"
    dockerfile.write_text("ARG PYTHON_IMAGE\nFROM ${PYTHON_IMAGE}\nCOPY . /context\n")
    tag = "localhost/ordergraph-context-probe:test"
    base = base_image(podman)
    build = ["build", "--build-arg", f"PYTHON_IMAGE={base}", "-f", str(dockerfile), "-t", tag]
    podman.ok(*build, str(ROOT))
    try:
        listing = podman.ok(*podman.run("--rm", tag, "find", "/context", "-type", "f"))
    finally:
        podman("rmi", tag)
    sent = {line.removeprefix("/context/") for line in listing.split()}
    expected = {"pyproject.toml", "README.md"} | {
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.endswith(".egg-info") for part in path.parts)
    }
    assert sent == expected


def wait_for_health(base_url: str, podman: Podman, name: str) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
            if state != "running":
                logs = podman("logs", name)
                raise AssertionError(f"container is {state}\n{logs.stdout}\n{logs.stderr}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/healthz").status_code == 200:
                    return
            time.sleep(0.2)
    raise AssertionError(f"no /healthz within 60 s\n{podman('logs', name).stderr}")


def table_count(database_url: str) -> int:
    async def count() -> int:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
                return len(names)
        finally:
            await engine.dispose()

    return run_sync(count)


def cli(podman: Podman, image: str, *args: str, env: list[str]) -> subprocess.CompletedProcess[str]:
    """One ``ordergraph`` command in a throwaway container of the image (no health check)."""
    done = podman(*podman.run("--rm", *env, image, *args))
    assert done.returncode == 0, f"ordergraph {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Served:
    base_url: str
    name: str
    token: str


# Production refuses the test gateway; these tests never take a payment, so the keys are unused.
PAYMENTS = [
    "--env", "ORDERGRAPH_PAYMENT_GATEWAY=stripe",
    "--env", "ORDERGRAPH_STRIPE_API_KEY=sk_live_unused_by_these_tests",
    "--env", "ORDERGRAPH_STRIPE_WEBHOOK_SECRET=whsec_unused_by_these_tests",
    "--env", "ORDERGRAPH_NOTIFICATIONS_ENABLED=false",  # production refuses the dev mailbox
]  # fmt: skip


@contextlib.contextmanager
def serving(podman: Podman, image: str, env: list[str], token: str) -> Iterator[Served]:
    """The image's default command (serve) on a free port, until the block ends."""
    port = free_port()
    name = f"ordergraph-test-{os.getpid()}-{port}"
    base_url = f"http://127.0.0.1:{port}"
    podman.ok(
        *podman.run("--detach", "--name", name, *env, *PAYMENTS, "--env", f"PORT={port}",
                    "--env", f"PUBLIC_BASE_URL={base_url}", image, healthcheck=True),
    )  # fmt: skip
    try:
        wait_for_health(base_url, podman, name)
        yield Served(base_url, name, token)
    finally:
        podman("rm", "--force", "--time", "0", name)


@dataclass(frozen=True)
class Database:
    env: list[str]
    token: str


@pytest.fixture(scope="module")
def database(podman: Podman, image: str, databases: Databases) -> Iterator[Database]:
    """A database migrated by the image's ``migrate``, with a token from its ``token create``."""
    database_url = databases.new_postgres(migrated=False)
    env = ["--env", f"DATABASE_URL={database_url}", "--env", f"ORDERGRAPH_SECRET_KEY={SECRET}"]
    try:
        migrated = cli(podman, image, "migrate", env=env)
        assert "database is at the latest migration" in migrated.stderr
        assert table_count(database_url) > 10
        token = cli(podman, image, "token", "create", "--role", "admin", env=env).stdout
        yield Database(env, token.strip())
    finally:
        databases.drop_postgres(database_url)


@pytest.fixture(scope="module")
def served(podman: Podman, image: str, database: Database) -> Iterator[Served]:
    with serving(podman, image, database.env, database.token) as running:
        yield running


def test_the_container_answers_graphql_on_postgres(served: Served) -> None:
    headers = {"Authorization": f"Bearer {served.token}"}
    create = (
        'mutation { createWarehouse(input: {code: "CTR-1", name: "Container", region: "EU-WEST",'
        ' countryCode: "NL"}) { warehouse { code } userErrors { code } } }'
    )
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=10) as client:
        created = client.post("/graphql", json={"query": create}).json()
        assert created["data"]["createWarehouse"] == {
            "warehouse": {"code": "CTR-1"},
            "userErrors": [],
        }
        listed = client.post("/graphql", json={"query": "{ products(first: 1) { totalCount } }"})
        assert listed.json()["data"]["products"]["totalCount"] == 0
        introspection = client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert introspection.json().get("errors"), "production mode: no introspection"


def test_the_healthcheck_passes_inside_the_running_container(
    podman: Podman, served: Served
) -> None:
    checked = podman("healthcheck", "run", served.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    user = podman.ok("exec", served.name, "id", "-u")
    assert user.strip() == "10001"


def test_the_container_stops_cleanly_on_sigterm(
    podman: Podman, image: str, database: Database
) -> None:
    with serving(podman, image, database.env, database.token) as running:
        podman.ok("stop", "--time", "20", running.name, timeout=60)
        exit_code = podman.ok("inspect", "--format", "{{.State.ExitCode}}", running.name)
        logs = podman("logs", running.name).stderr
    assert exit_code.strip() == "0", logs
    assert "Application shutdown complete." in logs


def test_the_image_refuses_production_without_a_secret_key(
    podman: Podman, image: str, databases: Databases
) -> None:
    database_url = databases.new_postgres()
    env = ["--env", f"DATABASE_URL={database_url}", "--env", f"PORT={free_port()}"]
    try:
        refused = podman(*podman.run("--rm", *env, image), timeout=60)
    finally:
        databases.drop_postgres(database_url)
    assert refused.returncode != 0
    assert "set ORDERGRAPH_SECRET_KEY in production" in refused.stdout + refused.stderr
