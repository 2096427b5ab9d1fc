"""Answers no Mailgun sends, from a server on 127.0.0.1 that a broken or hostile proxy could be: a
small gzip that inflates past the limit (a "gzip bomb"), a body that never ends, and one that drips a
byte at a time, each gap shorter than the timeout. Each is one error naming the request, at once for
the size and within ``bodies.DEADLINE`` timeouts for the drip; nothing is tried again; a write says it
may have been applied. Before bodies.py, the first two filled the memory and the third never ended."""

from __future__ import annotations

import functools
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from mgsync import bodies
from mgsync.client import Client
from mgsync.errors import UnreadableAnswerError
from mgsync.settings import Settings
from tests.support.cli import run
from tests.support.client import KEY, Sleeps
from tests.support.listener import Listener

TOO_LARGE = (
    f"the answer is larger than {bodies.LIMIT // 2**20} MiB, far more than any of Mailgun's: a server in "
    "front of Mailgun (a proxy, a gateway) sends something else"
)
MAYBE = "; not retried because POST may have been applied: re-read before trying again"


@functools.cache
def bomb() -> bytes:
    """A gzip body of a few hundred KB that inflates to 1 MiB more than the limit: a JSON object's start
    and then spaces, which a JSON reader would take whole if it got the chance."""
    step, packer = b" " * 2**20, zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: with gzip's header
    out = packer.compress(b'{"items": [') + b"".join(packer.compress(step) for _ in range(bodies.LIMIT // 2**20 + 1))
    out += packer.flush()
    assert len(out) < bodies.LIMIT // 100
    return out


class OddServer(Listener):
    """Answers every request on 127.0.0.1 with 200 and the body ``kind`` says; counts the requests."""

    def __init__(self, kind: str) -> None:
        self.kind, self.requests, self.stop = kind, 0, threading.Event()
        self.body = bomb() if kind == "bomb" else b""
        super().__init__()

    def accepted(self, conn: socket.socket) -> None:
        threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536) or b"\r\n\r\n"
                head, _, body = request.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                while length and len(body) < int(length[1]):  # all of it: else closing resets the connection
                    body += conn.recv(65536) or b" " * int(length[1])
                self.requests += 1
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                if self.kind == "bomb":
                    conn.sendall(f"{head}Content-Encoding: gzip\r\nContent-Length: {len(self.body)}\r\n\r\n".encode())
                    conn.sendall(self.body)
                    return
                conn.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode() + self._chunk(b'{"items": ['))
                piece = b" " * (2**20 if self.kind == "endless" else 1)
                while not self.stop.is_set():
                    conn.sendall(self._chunk(piece))
                    if self.kind == "drip":
                        time.sleep(0.05)
            except OSError:  # the client gave up and closed
                return

    @staticmethod
    def _chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    def close(self) -> None:
        self.stop.set()
        super().close()


@pytest.fixture
def odd_server(request: pytest.FixtureRequest) -> Iterator[OddServer]:
    server = OddServer(request.param)
    yield server
    server.close()


@pytest.mark.parametrize("odd_server", ["bomb", "endless"], indirect=True)
def test_a_body_past_the_limit_is_one_error_and_not_tried_again(odd_server: OddServer) -> None:
    with Client(Settings(odd_server.url, "basic", KEY, timeout=5), sleep=Sleeps()) as client:
        with pytest.raises(UnreadableAnswerError) as err:
            client.get("/v4/domains")
        assert str(err.value) == f"Mailgun API: GET /v4/domains returned 200: {TOO_LARGE}"
        with pytest.raises(UnreadableAnswerError) as err:
            client.post("/v3/routes", data={"priority": "1", "expression": "catch_all()", "action": "stop()"})
        assert str(err.value) == f"Mailgun API: POST /v3/routes returned 200: {TOO_LARGE}{MAYBE}"
    assert odd_server.requests == 2


@pytest.mark.parametrize("odd_server", ["drip"], indirect=True)
def test_a_body_that_drips_ends_at_its_deadline(odd_server: OddServer) -> None:
    started = time.monotonic()
    client = Client(Settings(odd_server.url, "basic", KEY, timeout=0.2), sleep=Sleeps())
    with client, pytest.raises(UnreadableAnswerError) as err:
        client.get("/v4/domains")
    took = time.monotonic() - started
    assert str(err.value) == (
        "Mailgun API: GET /v4/domains returned 200: the answer did not arrive whole within 2 s (10 x the "
        "timeout, MGSYNC_TIMEOUT); check the network, and a firewall or proxy on the way"
    )
    assert odd_server.requests == 1
    assert 2 <= took < 2 + 5


@pytest.mark.parametrize("odd_server", ["bomb"], indirect=True)
def test_the_real_command_says_it_in_one_line(odd_server: OddServer, tmp_path) -> None:
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  r1: {priority: 1, expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": odd_server.url}
    done = run("plan", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path), env=env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"Error: Mailgun API: GET /v4/domains returned 200: {TOO_LARGE}"]
    assert odd_server.requests == 1
