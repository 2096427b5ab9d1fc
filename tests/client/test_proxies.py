"""Proxies from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, as httpx reads them): a
loopback base URL (the emulator) never goes through one, and when nothing answers through one, the
error names the variable (never its value, which may hold a password) among what to check."""

from __future__ import annotations

import socket

import pytest

from mgsync.client import Client
from mgsync.errors import NoAnswerError
from mgsync.settings import Settings
from tests.support.cli import run
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
