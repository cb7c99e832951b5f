"""A real webhook receiver for tests: a local HTTP server on 127.0.0.1 in a background thread.

It records every request (path, headers, raw body) and answers with a scripted sequence of
status codes; once the script runs out it repeats its last code. ``wait_for`` blocks with a
deadline, never forever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def header(self, name: str) -> str:
        return self.headers[name.lower()]


class Receiver:
    def __init__(self, statuses: Sequence[int] = (204,), *, delay: float = 0.0) -> None:
        self.delay = delay  # seconds to wait before answering (to make deliveries overlap)
        self._lock = threading.Condition()
        self._script: list[int] = list(statuses) or [204]
        self._served = 0
        self._requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver._record(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}/hooks"

    def _record(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            index = min(self._served, len(self._script) - 1)
            status = self._script[index]
            self._served += 1
            self._requests.append(Received(method, path, headers, body, status))
            self._lock.notify_all()
            return status

    def answer(self, statuses: Sequence[int]) -> None:
        """Answer the next requests with ``statuses`` (then repeat the last one)."""
        with self._lock:
            self._script = list(statuses) or [204]
            self._served = 0

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least ``count`` requests arrived, or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} requests within {timeout}s, got {len(self._requests)}"
                    )
                self._lock.wait(left)
            return list(self._requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def receiving(statuses: Sequence[int] = (204,), *, delay: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(statuses, delay=delay)
    try:
        yield receiver
    finally:
        receiver.close()
