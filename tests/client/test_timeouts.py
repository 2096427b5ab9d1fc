"""A server that takes the connection and never answers (a firewall's black hole, a wrong port on a
proxy): a read is tried 3 times in all, a write once, each waiting ``MGSYNC_TIMEOUT`` seconds (30 by
default), and the command says at once that it is waiting, then what to check."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from mgsync.client import Client
from mgsync.errors import ConfigError, NoAnswerError
from mgsync.settings import Settings
from tests.support.cli import run
from tests.support.client import KEY, Sleeps
from tests.support.listener import Listener

CHECK = "check the network, and a firewall or proxy on the way (MGSYNC_TIMEOUT sets the seconds)"


class BlackHole(Listener):
    """Accepts every connection on 127.0.0.1 and never answers; keeps them open until closed."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []
        super().__init__()

    def accepted(self, conn: socket.socket) -> None:
        self.held.append(conn)

    def close(self) -> None:
        super().close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


def test_a_read_is_tried_three_times_and_says_what_to_check(black_hole) -> None:
    events: list[tuple[str, float]] = []
    settings = Settings(black_hole.url, "basic", KEY, timeout=0.2)
    with Client(settings, sleep=Sleeps(), observer=lambda e, v: events.append((e, v))) as client:
        with pytest.raises(NoAnswerError) as err:
            client.get("/v4/domains")
        assert client.stats.requests == 3
    assert str(err.value) == (
        "Mailgun API: GET /v4/domains failed: no answer within 0.2 s (ReadTimeout) (gave up after 3 attempts); " + CHECK
    )
    assert [e for e in events if e[0] == "no_answer"] == [("no_answer", 0.2), ("no_answer", 0.2)]


def test_a_write_with_no_answer_is_not_sent_again(black_hole) -> None:
    settings = Settings(black_hole.url, "basic", KEY, timeout=0.2)
    with Client(settings, sleep=Sleeps()) as client:
        with pytest.raises(NoAnswerError) as err:
            client.post("/v3/routes", data={"priority": "1", "expression": "catch_all()", "action": "stop()"})
        assert client.stats.requests == 1
    assert str(err.value) == (
        "Mailgun API: POST /v3/routes failed: no answer within 0.2 s (ReadTimeout); not retried because POST "
        "may have been applied: re-read before trying again"
    )


def test_the_real_command_says_at_once_that_it_waits(black_hole, tmp_path) -> None:
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  r1: {priority: 1, expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": black_hole.url, "MGSYNC_TIMEOUT": "0.5"}
    started = time.monotonic()
    done = run("plan", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path), env=env)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "reading Mailgun: no answer from Mailgun within 0.5 s; trying again",
        "Error: Mailgun API: GET /v4/domains failed: no answer within 0.5 s (ReadTimeout) (gave up after 3 "
        "attempts); " + CHECK,
    ]
    assert took < 3 * 0.5 + 2 * 0.5 + 10  # three timeouts, two backoffs (at most 0.25 and 0.5 s), a start


@pytest.mark.parametrize("value", ["abc", "0", "-1", "inf", "nan", "30s"])
def test_a_timeout_that_is_not_seconds_is_refused(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"MAILGUN_API_KEY": KEY, "MGSYNC_TIMEOUT": value})
    assert str(err.value) == f'MGSYNC_TIMEOUT must be a number of seconds above 0, like "60", got "{value}"'


def test_the_timeout_is_thirty_seconds_unless_set() -> None:
    assert Settings.from_env({"MAILGUN_API_KEY": KEY}).timeout == 30.0
    assert Settings.from_env({"MAILGUN_API_KEY": KEY, "MGSYNC_TIMEOUT": " 90 "}).timeout == 90.0
    assert Settings.from_env({"MATON_API_KEY": KEY, "MGSYNC_TIMEOUT": "2.5"}).timeout == 2.5
