"""Proxies from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, as httpx reads them): a
loopback base URL (the emulator) never goes through one, and when nothing answers through one, the
error names the variable (never its value, which may hold a password) among what to check."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mgsync.client import Client
from mgsync.errors import NoAnswerError
from mgsync.settings import Settings
from tests.support.cli import error_line, run
from tests.support.client import KEY, Sleeps

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def _dead_port() -> int:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_loopback_base_url_goes_around_the_proxy(served_emulator, tmp_path) -> None:
    """A developer behind a company proxy runs the emulator: the real command reads it directly."""
    _, url = served_emulator
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  r1: {priority: 1, expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    dead = f"http://127.0.0.1:{_dead_port()}"
    env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": url, **dict.fromkeys(PROXY_VARIABLES, dead)}
    done = run(
        "plan", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path), env=env, unset=("NO_PROXY", "no_proxy")
    )
    assert done.returncode == 0, done.stderr
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in done.stdout


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY"])
def test_a_proxy_that_does_not_answer_is_named_never_its_password(monkeypatch, variable) -> None:
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, f"http://ops:proxy-password-123@127.0.0.1:{_dead_port()}")
    sleeps = Sleeps()
    # .invalid never resolves (RFC 6761): only the proxy could have been reached
    with Client(Settings("https://api.mailgun.invalid", "basic", KEY), max_retries=2, sleep=sleeps) as client:
        with pytest.raises(NoAnswerError) as err:
            client.get("/v4/domains")
        assert client.stats.requests == 1 and sleeps.calls == []
    assert str(err.value) == (
        "Mailgun API: GET /v4/domains failed: cannot connect to https://api.mailgun.invalid (connection refused); "
        f"check the proxy ({variable} is set), the base URL (--base-url / MAILGUN_BASE_URL), the region "
        "(--region / MAILGUN_REGION) and the network"
    )
    assert "proxy-password-123" not in str(err.value)


class _Refusing(http.server.BaseHTTPRequestHandler):
    """A proxy that answers every CONNECT with the server's ``answer`` (a company proxy that wants a
    password, blocks the host, or cannot reach it), counting what it was asked."""

    def do_CONNECT(self) -> None:
        server: Any = self.server
        server.asked.append((self.path, self.headers.get("Proxy-Authorization", "")))
        status, reason = server.answer
        self.send_response(status, reason)
        if status == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_proxy(monkeypatch) -> Iterator[Callable[[int, str, str], Any]]:
    """``start(status, reason, userinfo)``: a refusing proxy on 127.0.0.1, set as HTTPS_PROXY."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int, reason: str, userinfo: str = "") -> Any:
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
        server.answer, server.asked = (status, reason), []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://{userinfo}127.0.0.1:{server.server_address[1]}")
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _read_through(method: str = "GET") -> tuple[str, Client, Sleeps]:
    """One request through the proxy set; ``.invalid`` never resolves (RFC 6761): only the proxy sees it."""
    sleeps = Sleeps()
    settings = Settings("https://api.mailgun.invalid", "basic", KEY)
    with Client(settings, max_retries=2, sleep=sleeps) as client, pytest.raises(NoAnswerError) as err:
        client.request(method, "/v3/routes")
    return str(err.value), client, sleeps


def test_a_proxy_that_wants_a_password_says_so_at_once(refusing_proxy) -> None:
    proxy = refusing_proxy(407, "Proxy Authentication Required")
    message, client, sleeps = _read_through()
    assert message == (
        "Mailgun API: GET /v3/routes failed: the proxy (HTTPS_PROXY) asks for a user name and password "
        "(407 Proxy Authentication Required): give them in HTTPS_PROXY as http://USER:PASSWORD@HOST:PORT"
    )
    assert client.stats.requests == 1 and sleeps.calls == [] and proxy.asked == [("api.mailgun.invalid:443", "")]


def test_a_proxy_that_refuses_its_password_never_shows_it(refusing_proxy) -> None:
    proxy = refusing_proxy(407, "Proxy Authentication Required", userinfo="ops:proxy-password-123@")
    message, _, _ = _read_through()
    assert message == (
        "Mailgun API: GET /v3/routes failed: the proxy (HTTPS_PROXY) refused the user name and password "
        "given in HTTPS_PROXY (407 Proxy Authentication Required)"
    )
    assert "proxy-password-123" not in message and proxy.asked[0][1].startswith("Basic ")  # httpx sent them


def test_a_proxy_that_blocks_the_host_says_so_at_once(refusing_proxy) -> None:
    proxy = refusing_proxy(403, "Forbidden")
    message, client, sleeps = _read_through()
    assert proxy.asked == [("api.mailgun.invalid:443", "")]
    assert message == (
        "Mailgun API: GET /v3/routes failed: the proxy (HTTPS_PROXY) refused to connect to api.mailgun.invalid "
        "(403 Forbidden): ask its owner to allow api.mailgun.invalid"
    )
    assert client.stats.requests == 1 and sleeps.calls == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_proxy_that_cannot_reach_mailgun_is_tried_again(refusing_proxy, method) -> None:
    """A 502 to CONNECT may pass; the request never left, so a POST is tried again as a GET is."""
    proxy = refusing_proxy(502, "Bad Gateway")
    message, client, sleeps = _read_through(method)
    assert message == (
        f"Mailgun API: {method} /v3/routes failed: the proxy (HTTPS_PROXY) could not connect to "
        "api.mailgun.invalid (502 Bad Gateway) (gave up after 3 attempts)"
    )
    assert client.stats.requests == 3 and len(sleeps.calls) == 2 and len(proxy.asked) == 3


@pytest.mark.parametrize(
    ("variable", "value", "scheme"),
    [("ALL_PROXY", "socks5://127.0.0.1:1080", "socks5"), ("https_proxy", "ftp://ops:proxy-password-123@x:21", "ftp")],
)
def test_a_proxy_mgsync_cannot_use_is_named_before_any_request(tmp_path, variable, value, scheme) -> None:
    """httpx refuses the whole client over such a variable (ImportError for SOCKS without socksio,
    ValueError for ftp://): both were internal errors."""
    (tmp_path / "mgsync.yaml").write_text("version: 1\nroutes: {}\n", encoding="utf-8")
    env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": "https://api.mailgun.invalid", variable: value}
    done = run("plan", cwd=tmp_path, env=env, unset=[v for v in PROXY_VARIABLES if v != variable])
    name = variable.upper()
    assert error_line(done) == (
        f"Error: {name} names a proxy mgsync cannot use ({scheme}://): mgsync connects directly or through "
        f"an http:// or https:// proxy. Set {name} to one, or leave it empty for mgsync ({name}= mgsync ...)"
    )
    done = run("plan", "--emulator", "--emulator-state", str(tmp_path / "emulator.json"), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr  # the in-process emulator uses no proxy


@pytest.mark.parametrize(
    ("value", "why"),
    [("http://ops:proxy-password-123@[bad:3128", "Invalid IPv6 URL"), ("http://proxy.example:abc", "Port could not")],
)
def test_a_proxy_variable_that_is_no_url_is_named_before_any_request(tmp_path, value: str, why: str) -> None:
    """Both were internal errors (httpx and urllib raise ValueError on them); the password never shows."""
    (tmp_path / "mgsync.yaml").write_text("version: 1\nroutes: {}\n", encoding="utf-8")
    env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": "https://api.mailgun.invalid", "HTTPS_PROXY": value}
    done = run("plan", cwd=tmp_path, env=env, unset=[v for v in PROXY_VARIABLES if v != "HTTPS_PROXY"])
    line = error_line(done)
    assert line.startswith(f"Error: HTTPS_PROXY is not a URL ({why}") and done.returncode == 1, done.stderr
    assert line.endswith("give it as http://HOST:PORT, or leave it empty for mgsync (HTTPS_PROXY= mgsync ...)")
    assert "proxy-password-123" not in done.stderr + done.stdout
