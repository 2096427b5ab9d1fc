"""A redirect (3xx) is an error that says where it points, never followed: Mailgun's API does not
redirect, so one comes from a server in front of it (``http://`` where ``https://`` is served, an old
host name), and following it would send the API key, or a write, wherever it points."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from mgsync.client import Client
from mgsync.errors import ApiError
from mgsync.settings import Settings
from tests.support.cli import run
from tests.support.client import KEY, Sleeps


class _Redirector(http.server.ThreadingHTTPServer):
    status = 301
    location: str | None = None
    seen: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Redirector

    def _answer(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>Moved Permanently</body></html>"
        self.send_response(self.server.status)
        if self.server.location is not None:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[tuple[_Redirector, str]]:
    server = _Redirector(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_names_where_it_points_and_is_not_followed(redirector, status: int) -> None:
    server, url = redirector
    server.status = status
    server.location = "https://ops:secret@api.mailgun.net/v4/domains?token=abc"
    with Client(Settings(url, "basic", KEY), max_retries=3, sleep=Sleeps()) as client, pytest.raises(ApiError) as err:
        client.get("/v4/domains")
    assert str(err.value) == (
        f"Mailgun API: GET /v4/domains returned {status}: redirected to https://api.mailgun.net/v4/domains; "
        "Mailgun does not redirect: check the base URL (--base-url / MAILGUN_BASE_URL): is it https://api.mailgun.net?"
    )
    assert "secret" not in str(err.value) and "token" not in str(err.value)
    assert server.seen == ["GET /v4/domains"]  # once: neither retried nor followed


def test_a_redirected_write_is_sent_once(redirector) -> None:
    server, url = redirector
    server.location = "/elsewhere/v3/routes"  # relative: resolved against the URL asked
    with Client(Settings(url, "basic", KEY), max_retries=3, sleep=Sleeps()) as client, pytest.raises(ApiError) as err:
        client.post("/v3/routes", data={"priority": "1", "expression": "catch_all()", "action": "stop()"})
    assert err.value.status == 301
    assert str(err.value).endswith(f"redirected to {url}/elsewhere/v3/routes; " + _CHECK + f": is it {url}/elsewhere?")
    assert server.seen == ["POST /v3/routes"]


def test_a_redirect_without_a_location(redirector) -> None:
    _, url = redirector
    with Client(Settings(url, "basic", KEY), sleep=Sleeps()) as client, pytest.raises(ApiError) as err:
        client.get("/v3/routes")
    assert str(err.value) == (
        "Mailgun API: GET /v3/routes returned 301: redirected to nowhere (no Location header); " + _CHECK
    )


def test_the_real_command_says_where_it_points(redirector, tmp_path) -> None:
    server, url = redirector
    server.location = "https://api.mailgun.net/v4/domains"
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  r1: {priority: 1, expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    done = run("plan", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path), env=_env(url))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: Mailgun API: GET /v4/domains returned 301: redirected to https://api.mailgun.net/v4/domains; "
        + _CHECK
        + ": is it https://api.mailgun.net?"
    ]
    assert server.seen and all(seen.startswith("GET ") for seen in server.seen)
    assert "Traceback" not in done.stderr and KEY not in done.stderr + done.stdout


_CHECK = "Mailgun does not redirect: check the base URL (--base-url / MAILGUN_BASE_URL)"


def _env(url: str) -> dict[str, str]:
    return {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": url}
