"""The Node.js side of the tier: tests/clients/node holds a tiny npm package (graphql-ws, ws,
graphql-http) whose scripts the tests run with the machine's ``node``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parent / "node"
NPM_SECONDS = 300
STAMP = ".installed-lock-sha256"


@dataclass(frozen=True)
class NodeJs:
    path: str
    version: str  # e.g. "v20.20.2"


def find_node() -> NodeJs | None:
    """The ``node`` on PATH, if any, with its version."""
    path = shutil.which("node")
    if path is None:
        return None
    done = subprocess.run(
        [path, "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return NodeJs(path, done.stdout.strip())


def install_node_modules() -> Path:
    """``npm ci`` into tests/clients/node/node_modules (gitignored) unless the lock is unchanged.

    The registry is the one npm is configured with; nothing else is downloaded."""
    modules = NODE_DIR / "node_modules"
    lock = hashlib.sha256((NODE_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = modules / STAMP
    if stamp.exists() and stamp.read_text().strip() == lock:
        return modules
    npm = shutil.which("npm")
    assert npm is not None, "node is installed but npm is not (Debian: apt-get install npm)"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        env={**os.environ, "NODE_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=NPM_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"npm ci failed in {NODE_DIR}\n{done.stdout}\n{done.stderr}"
    stamp.write_text(lock + "\n")
    return modules
