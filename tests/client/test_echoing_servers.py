"""A server that echoes what it was sent, or sends what a terminal would act on: the key never shows in
an error, whole, cut short or as the Basic header it travelled in; escape sequences and bidi overrides
in a server's text are written out, never passed to the terminal. A real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mgsync.answers import OBJECT, ListOf, Obj
from mgsync.client import Client
from mgsync.errors import ApiError
from mgsync.settings import Settings
from tests.support.client import KEY, MATON_KEY

Answer = Callable[[str], tuple[int, str, str]]  # the Authorization header -> (status, content type, body)


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: Any = self.server
        status, content_type, body = server.answer(self.headers.get("Authorization", ""))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(answer: Answer) -> str:
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
        server.answer = answer
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _pieces(secret: str) -> list[str]:
    """Every 8 characters in a row of ``secret``: what a cut would leave of it."""
    return [secret[i : i + 8] for i in range(len(secret) - 7)]


def _error(url: str, auth: str, key: str, read: bool = False) -> str:
    settings = Settings(url, auth, key, connection="conn-a" if auth == "bearer" else None)  # type: ignore[arg-type]
    with Client(settings, max_retries=0) as client, pytest.raises(ApiError) as err:
        client.read("/v3/routes", Obj({"items": ListOf(OBJECT)})) if read else client.get("/v3/routes")
    return str(err.value)


@pytest.mark.parametrize(("auth", "key"), [("basic", KEY), ("bearer", MATON_KEY)])
@pytest.mark.parametrize(
    "answer",
    [
        # the key across the 200th character: shortened to 200 before it was hidden, its start showed
        lambda header: (400, "application/json", json.dumps({"message": "x" * 170 + " invalid key " + header})),
        lambda header: (500, "text/plain", "y" * 170 + " rejected " + header.split()[-1]),
        lambda header: (400, "text/plain", f"bad Authorization header: {header}"),
    ],
    ids=["cut JSON message", "cut text", "the header echoed"],
)
def test_an_echoed_key_never_shows_whole_or_cut(serve, auth: str, key: str, answer: Answer) -> None:
    message = _error(serve(answer), auth, key)
    encoded = base64.b64encode(f"api:{key}".encode()).decode()
    assert [piece for secret in (key, encoded) for piece in _pieces(secret) if piece in message] == [], message


def test_an_answer_of_another_shape_never_shows_the_key(serve) -> None:
    """Its excerpt of the body ("got a non-JSON body '...'") is made from the text without secrets."""
    message = _error(serve(lambda header: (200, "text/plain", f"hello {header} " + "z" * 300)), "basic", KEY, True)
    encoded = base64.b64encode(f"api:{KEY}".encode()).decode()
    assert "non-JSON body" in message
    assert [piece for secret in (KEY, encoded) for piece in _pieces(secret) if piece in message] == [], message


def test_what_a_terminal_would_act_on_is_written_out(serve) -> None:
    text = "bad\x1b[31m red\x1b]0;pwned\x07 title\u202eevil"
    message = _error(serve(lambda _: (400, "application/json", json.dumps({"message": text}))), "basic", KEY)
    assert message.endswith("returned 400: bad\\u001b[31m red\\u001b]0;pwned\\u0007 title\\u202eevil")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in message)


def test_the_basic_header_of_a_short_key_is_hidden_too(serve) -> None:
    """Too short to take out of a message itself, a key is still long enough as its Basic header."""
    message = _error(serve(lambda header: (400, "text/plain", f"bad auth {header}")), "basic", "Short7k")
    assert message.endswith("returned 400: bad auth Basic ***"), message
