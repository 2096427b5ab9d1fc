"""Ctrl-C or SIGTERM while a request waits to be tried again: the command stops at once, as it promises.

A real proxy on 127.0.0.1 passes every request on to the served emulator, except the create of one
route, which it answers 429 with ``Retry-After: 25`` each time, as a throttled account would. The real
``mgsync`` applies two routes; once the other is created and the throttled one is waiting out its
Retry-After, it gets the signal. It used to keep trying for minutes (6 more POSTs over 158 s) and
end with the 429 and exit 1; the README promises exit 130 (143) within a supervisor's grace period.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.journal import journal_path
from mgsync.lockfile import Lockfile
from tests.benchmarks import account_l
from tests.e2e.test_kill_apply import KEY, cli_env, ctrl_c_able, live_routes

THROTTLED = b"description=route-0001"  # the create the proxy answers 429, every time
PASSED_ON = {"authorization", "content-type", "accept", "user-agent"}


@dataclass
class Throttled:
    """What the proxy answered 429 (each time, once the answer was sent) and what it passed on."""

    answered: list[float] = field(default_factory=list)
    created: threading.Event = field(default_factory=threading.Event)  # the other route's create answered


def throttling(upstream: str, seen: Throttled) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.command == "POST" and THROTTLED in body:
                self._answer(429, {"Retry-After": "25"}, b'{"message": "Too Many Requests"}')
                seen.answered.append(time.monotonic())
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_ON}
            answer = httpx.request(self.command, upstream + self.path, headers=headers, content=body)
            self._answer(answer.status_code, {"Content-Type": answer.headers["Content-Type"]}, answer.content)
            if self.command == "POST" and answer.status_code == 200:
                seen.created.set()

        do_POST = do_PUT = do_DELETE = do_GET

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

    return Proxy


@contextmanager
def proxy(upstream: str, seen: Throttled) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), throttling(upstream, seen))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and SIGTERM to a child process are POSIX")
@pytest.mark.parametrize(
    ("stop", "code", "word"), [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")]
)
def test_an_interrupt_while_a_429_is_waited_out_stops_at_once_and_records_what_was_done(
    tmp_path: Path, stop: signal.Signals, code: int, word: str
) -> None:
    root = tmp_path / "account"
    root.mkdir()
    account_l.write_routes(root, account_l.Shape(routes=2))
    emu, seen = Emulator(api_key=KEY), Throttled()
    with serve(emu, host="127.0.0.1", port=0) as server, proxy(server.url, seen) as url:
        proc = ctrl_c_able(["apply", "--yes", str(root)], root, cli_env(url))
        try:
            deadline = time.monotonic() + 60
            while not (seen.answered and seen.created.is_set()) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert seen.answered and seen.created.is_set(), "the apply never got as far as the 429"
            time.sleep(0.3)  # the 429 is read: the command waits out its 25 s
            signalled = time.monotonic()
            proc.send_signal(stop)
            _, err = proc.communicate(timeout=30)
            took = time.monotonic() - signalled
        finally:
            if proc.poll() is None:
                proc.kill()
        live = {f"route:{route['description']}": route["id"] for route in live_routes(server.url)}
    assert proc.returncode == code, err
    assert took < 10, f"{took:.1f} s after the signal"  # docker stop waits 10 s; not 25 s, nor minutes of retries
    assert len(seen.answered) == 1, "tried again after the interrupt"
    assert err.splitlines()[-1] == f"{word} The lockfile records every step that completed; run the command again."
    # what was done is recorded, what was stopped is not: the throttled create was never applied
    assert list(live) == ["route:route-0000"]
    lock_path = root / "mgsync.lock"
    assert not journal_path(lock_path).exists()
    assert {key: entry["meta"]["id"] for key, entry in Lockfile.read(lock_path).resources.items()} == live
