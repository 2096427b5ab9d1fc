"""429s: waits honour what the server says, one 429 holds off every thread, storms are ridden out."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate

import httpx
import pytest

from mgsync.client import Client
from mgsync.errors import ApiError
from mgsync.settings import Settings
from tests.support.client import KEY, Sleeps


def test_throttled_request_waits_for_the_reset_then_succeeds(account, connect) -> None:
    emu, url = account
    emu.faults.rate_limit_every = 2  # the 2nd request of the account answers 429
    emu.faults.reset_after = 0.4
    sleeps = Sleeps(real=True)
    client: Client = connect(url, sleep=sleeps)
    client.get("/v3/routes")
    started = time.monotonic()
    assert client.post("/v3/routes", {"expression": "catch_all()", "action": "stop()"})["route"]
    assert time.monotonic() - started >= 0.4
    assert [e.status for e in emu.log] == [200, 429, 200]  # 429 is retried even for POST: nothing was applied
    assert (
        len(sleeps.calls) == 1 and 0.35 <= sleeps.calls[0] <= 0.4 * 1.1 + 0.01
    )  # X-Request-Reset, not ceil(Retry-After)=1
    assert (client.stats.throttled, client.stats.retries) == (1, 1)


def test_one_429_holds_off_every_thread(account, connect) -> None:
    emu, url = account
    emu.faults.rate_limit_every = 1  # everything is throttled until we say otherwise
    emu.faults.reset_after = 0.5
    holding = threading.Event()

    def sleep(seconds: float) -> None:
        holding.set()
        time.sleep(seconds)

    client: Client = connect(url, sleep=sleep)
    first = threading.Thread(target=client.get, args=("/v3/routes",))
    first.start()
    assert holding.wait(2)
    emu.faults.rate_limit_every = 0
    started = time.monotonic()
    client.get("/v4/domains")  # another thread, another endpoint: it still waits for the shared reset
    waited = time.monotonic() - started
    first.join()
    assert waited >= 0.35
    assert [e.status for e in emu.log].count(429) == 1


@pytest.mark.parametrize("quota", [5, 8, 20])
def test_concurrent_map_rides_out_a_429_storm(account, connect, quota: int) -> None:
    emu, url = account
    emu.faults.enforce_quota = True  # `quota` requests per 0.15 s window, then 429 until the window resets
    emu.faults.quota_limit, emu.faults.quota_window = quota, 0.15
    emu.faults.latency = 0.002
    client: Client = connect(url, concurrency=8, sleep=Sleeps(real=True))
    started = time.monotonic()
    results = client.pool.map(lambda i: client.get("/v3/routes", limit=i + 1), range(40))
    elapsed = time.monotonic() - started
    assert results == [{"items": [], "total_count": 0}] * 40
    assert elapsed >= 0.15 * (40 / quota - 1)  # the quota was honoured, not hammered
    # The shared budget keeps the threads within the quota: inside a window by X-Request-Remaining, and
    # at each reset by X-Request-Limit (the next window holds what the last did: all 8 threads went at
    # every reset, and a quota of 5 answered 18 to 21 of 61 requests 429). Only the first burst, before
    # any answer told the limit, can overrun it, by the threads beyond the quota.
    throttled = [e.status for e in emu.log].count(429)
    assert client.stats.throttled == throttled <= max(0, 8 - quota)
    assert client.stats.requests == 40 + throttled


# Retry-After as an HTTP date, this many seconds from now
DATES = {"in_3s": 3, "100s_ago": -100, "97s_ago": -97, "in_1h": 3600, "1h_ago": -3600}


@pytest.mark.parametrize(
    ("headers", "body", "low", "high"),
    [
        ({"Retry-After": "2"}, {"message": "Too Many Requests"}, 2.0, 2.2),
        ({"X-Request-Reset": "{in_3s_ms}"}, {}, 2.9, 3.3),  # epoch milliseconds, as observed (§1.5)
        ({"X-RateLimit-Reset": "{in_4s}"}, {}, 3.0, 4.4),  # epoch seconds, as the Go SDK reads it
        ({"X-Request-Reset": "{in_3s_ms}", "Retry-After": "1"}, {}, 1.0, 1.1),  # relative hint caps a skewed clock
        ({"X-Request-Reset": "{past_ms}", "Retry-After": "2"}, {}, 2.0, 2.2),  # a reset already past is ignored
        ({}, {"retry-seconds": 5}, 5.0, 5.5),  # legacy body (LDOC)
        ({"Retry-After": "120"}, {}, 7.0, 7.7),  # capped by backoff_cap
        ({"Retry-After": "{date_in_3s}"}, {}, 2.0, 3.3),  # an HTTP date (RFC 9110 §10.2.3): whole seconds
        ({"Date": "{date_100s_ago}", "Retry-After": "{date_97s_ago}"}, {}, 2.0, 3.3),  # by the server's clock
        ({"Retry-After": "{date_in_1h}"}, {}, 7.0, 7.7),  # capped by backoff_cap
        ({"Retry-After": "{date_1h_ago}"}, {}, 0.125, 0.28),  # already past: backoff
    ],
)
def test_wait_follows_the_servers_hint(headers: dict[str, str], body: dict, low: float, high: float) -> None:
    sleeps = Sleeps()
    answers = iter([429, 200])

    def server(request: httpx.Request) -> httpx.Response:
        now = time.time()
        values = {
            "in_3s_ms": str(int((now + 3) * 1000)),
            "in_4s": str(int(now + 4)),
            "past_ms": str(int((now - 60) * 1000)),
            **{f"date_{name}": formatdate(now + ahead, usegmt=True) for name, ahead in DATES.items()},
        }
        status = next(answers)
        if status == 200:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(429, headers={k: v.format(**values) for k, v in headers.items()}, json=body)

    with Client(
        Settings("https://api.mailgun.net", "basic", KEY),
        transport=httpx.MockTransport(server),
        sleep=sleeps,
        backoff_cap=7.0,
    ) as client:
        assert client.get("/v3/routes") == {"ok": True}
    assert len(sleeps.calls) == 1
    assert low <= sleeps.calls[0] <= high  # jitter only adds, at most 10 %


def test_past_reset_and_no_hint_fall_back_to_backoff() -> None:
    sleeps = Sleeps()

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"X-Request-Reset": str(int((time.time() - 60) * 1000))}, text="Too Many")

    with Client(
        Settings("https://api.mailgun.net", "basic", KEY),
        transport=httpx.MockTransport(server),
        sleep=sleeps,
        max_retries=3,
    ) as client:
        with pytest.raises(ApiError) as err:
            client.get("/v3/routes")
        assert client.stats.throttled == 4
    assert str(err.value) == "Mailgun API: GET /v3/routes returned 429: Too Many (gave up after 4 attempts)"
    assert len(sleeps.calls) == 3 and all(0 < s <= 0.25 * 2**i * 1.1 for i, s in enumerate(sleeps.calls))


@pytest.mark.parametrize(
    ("others_served", "throttled_answers", "outcome", "throttled_seen"),
    [
        (True, 9, "served", 9),  # queued behind our own threads: nine 429s, none counts toward max_retries
        (False, 9, "429", 4),  # nobody is served: max_retries (3) counts every 429, as before
        (True, 100, "429", 12),  # a turn that never comes still ends: after 3 × max_retries tries only counted ones
    ],
)
def test_a_429_counts_toward_retries_only_when_nothing_else_was_served(
    others_served: bool, throttled_answers: int, outcome: str, throttled_seen: int
) -> None:
    """The root cause of a flaky storm: at a window's reset our threads race for its quota and the
    losers used to spend their retries waiting their turn. Another request answered meanwhile shows
    the account is making progress, so such a 429 is a turn, not a failure."""
    answers = {"a": 0}
    nested = threading.local()

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/a" and answers["a"] < throttled_answers:
            answers["a"] += 1
            return httpx.Response(429, json={"message": "Too Many Requests"})
        return httpx.Response(200, json={"ok": True})

    def sleep(seconds: float) -> None:  # another thread's request lands while this one waits
        if others_served and not getattr(nested, "on", False):
            nested.on = True
            try:
                client.get("/v3/b")
            finally:
                nested.on = False

    with Client(
        Settings("https://api.mailgun.net", "basic", KEY),
        transport=httpx.MockTransport(server),
        sleep=sleep,
        max_retries=3,
    ) as client:
        if outcome == "served":
            assert client.get("/v3/a") == {"ok": True}
        else:
            with pytest.raises(ApiError, match="returned 429"):
                client.get("/v3/a")
        assert client.stats.throttled == throttled_seen
