"""A throwaway PostgreSQL cluster for one test session.

initdb and pg_ctl refuse to run as root, so as root they run as the ``postgres`` OS user in a
temp directory it owns. The cluster is stopped in a finalizer, at exit and on SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import FrameType


def find_pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    running: bool = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        self._run(
            "initdb",
            "-N",
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "-D",
            str(self.data_dir),
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400 "
            "-c shared_buffers=128MB"
        )
        self._run(
            "pg_ctl",
            "-w",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "start",
        )
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("no pg_ctl found: install PostgreSQL or set TEST_DATABASE_URL")
    root = Path(tempfile.mkdtemp(prefix="ordergraph-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bin_dir=bin_dir, root=root, port=free_port())
    atexit.register(cluster.stop)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: FrameType | None) -> None:
        cluster.stop()
        if callable(previous):
            previous(signum, frame)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
