"""Fault injection: latency, 429s with reset headers, 5xx before/after commit, dropped connections, odd bodies."""

from __future__ import annotations

import time

import httpx
import pytest

from mgsync.emulator import Emulator, Faults, LogEntry

ROUTE = {"expression": "catch_all()", "action": "stop()"}


def test_default_faults_inject_nothing() -> None:
    f = Faults()
    assert (f.latency, f.rate_limit_every, f.rate_limit_share, f.rules) == (0.0, 0, 0.0, [])
    assert not any(f.should_throttle() for _ in range(100))


def test_latency(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.latency = 0.05
    start = time.perf_counter()
    api.get("/v3/routes")
    assert time.perf_counter() - start >= 0.05


def test_every_nth_request_is_429_with_reset_headers(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.rate_limit_every = 3
    emulator.faults.reset_after = 0.05
    statuses = [api.get("/v3/routes").status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 200, 200, 429]
    emulator.faults.rate_limit_every = 1
    before_ms = time.time() * 1000
    r = api.get("/v3/routes")
    assert r.json() == {"message": "Too Many Requests"}
    reset = int(r.headers["x-request-reset"])
    assert before_ms < reset <= time.time() * 1000 + 60
    assert r.headers["retry-after"] == "1"  # whole seconds, rounded up
    assert r.headers["x-request-remaining"] == "0" and r.headers["x-request-limit"] == "2500"


def test_rate_limit_share_is_deterministic() -> None:
    def pattern() -> list[bool]:
        f = Faults(rate_limit_share=0.3, seed=7)
        return [f.should_throttle() for _ in range(200)]

    first = pattern()
    assert first == pattern()
    assert 30 < sum(first) < 90


def test_429_does_not_apply_the_write(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.rate_limit_every = 1
    assert api.post("/v3/routes", data=ROUTE).status_code == 429
    assert emulator.store.routes == {}


def test_enforced_quota(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.quota_limit, emulator.faults.quota_window, emulator.faults.enforce_quota = 2, 60.0, True
    assert [api.get("/v3/routes").status_code for _ in range(3)] == [200, 200, 429]


def test_fail_before_commit(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.fail_before_commit(method="POST", path="/v3/routes", status=503)
    assert api.post("/v3/routes", data=ROUTE).status_code == 503
    assert emulator.store.routes == {}
    assert api.post("/v3/routes", data=ROUTE).status_code == 200  # times=1: consumed


def test_fail_after_commit_commits(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.fail_after_commit(method="POST", path="/v3/routes", status=502, times=1)
    r = api.post("/v3/routes", data=ROUTE)
    assert r.status_code == 502
    assert api.get("/v3/routes").json()["total_count"] == 1
    assert [e.status for e in emulator.log] == [502, 200]


def test_fail_rule_matches_method_and_path_prefix(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    emulator.faults.fail_after_commit(method="PUT", path="/v3/domains/", status=500, times=None)
    assert api.get(f"/v3/domains/{domain}/tracking").status_code == 200
    assert api.post("/v3/routes", data=ROUTE).status_code == 200
    r = api.put(f"/v3/domains/{domain}/tracking/open", data={"active": "yes"})
    assert (r.status_code, r.json()) == (500, {"message": "Internal Server Error"})
    assert api.put(f"/v3/domains/{domain}/tracking/open", data={"active": "no"}).status_code == 500
    emulator.faults.clear()
    assert api.get(f"/v3/domains/{domain}/tracking").json()["tracking"]["open"]["active"] is False


@pytest.mark.parametrize(
    ("after_commit", "error", "routes"),
    [
        (False, httpx.RemoteProtocolError, 0),
        (True, httpx.ReadError, 1),
    ],
)
def test_drop_connection_in_process(emulator: Emulator, api: httpx.Client, after_commit, error, routes) -> None:
    emulator.faults.drop_connection(method="POST", path="/v3/routes", after_commit=after_commit)
    with pytest.raises(error):
        api.post("/v3/routes", data=ROUTE)
    assert len(emulator.store.routes) == routes
    assert emulator.log[-1] == LogEntry("POST", "/v3/routes", "", 0)
    assert api.post("/v3/routes", data=ROUTE).status_code == 200


def test_drop_connection_over_http(served_emulator) -> None:
    emu, url = served_emulator
    emu.faults.drop_connection(path="/v3/routes")
    with httpx.Client(base_url=url, auth=("api", "test")) as client:
        with pytest.raises(httpx.TransportError):
            client.get("/v3/routes")
        assert client.get("/v3/routes").status_code == 200


def test_latency_does_not_hold_the_lock(served_emulator) -> None:
    import concurrent.futures

    emu, url = served_emulator
    emu.faults.latency = 0.5

    def get(_: int) -> int:
        with httpx.Client(base_url=url, auth=("api", "test")) as client:
            return client.get("/v3/routes").status_code

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert list(pool.map(get, range(4))) == [200] * 4
    assert time.perf_counter() - start < 1.5  # 4 x 0.5 s serialised would be 2 s


def test_async_transport_runs_requests_concurrently(emulator: Emulator) -> None:
    import asyncio

    emulator.faults.latency = 0.3

    async def main() -> list[int]:
        async with httpx.AsyncClient(
            transport=emulator.async_transport(), base_url="https://api.mailgun.net", auth=("api", "test")
        ) as client:
            responses = await asyncio.gather(*(client.get("/v3/routes") for _ in range(5)))
            return [r.status_code for r in responses]

    start = time.perf_counter()
    assert asyncio.run(main()) == [200] * 5
    assert time.perf_counter() - start < 1.0  # 5 x 0.3 s serialised would be 1.5 s


@pytest.mark.parametrize(
    ("status", "content_type", "json_body"),
    [
        (502, "text/html", None),
        (503, "text/html", None),
        (500, "application/json; charset=utf-8", {"message": "Internal Server Error"}),
        (400, "application/json; charset=utf-8", {"message": "Bad Request"}),
    ],
)
def test_injected_failure_bodies(emulator: Emulator, api: httpx.Client, status, content_type, json_body) -> None:
    emulator.faults.fail_before_commit(path="/v3/routes", status=status)
    r = api.get("/v3/routes")
    assert (r.status_code, r.headers["content-type"]) == (status, content_type)
    if json_body is not None:
        assert r.json() == json_body


def test_replace_body_answers_matching_gets_after_the_skipped_ones(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.replace_body("/v3/routes", "<html>gateway</html>", content_type="text/html", skip=1)
    assert api.get("/v3/routes").json() == {"items": [], "total_count": 0}  # skipped: the real answer
    for _ in range(2):  # then every matching GET, forever by default
        r = api.get("/v3/routes", params={"limit": 5})
        assert (r.status_code, r.headers["content-type"], r.text) == (200, "text/html", "<html>gateway</html>")
    assert api.get("/v4/domains").json() == {"items": [], "total_count": 0}  # another path: untouched
    assert api.post("/v3/routes", data=ROUTE).json()["message"] == "Route has been created"  # GETs only


def test_replace_body_of_a_write_still_applies_it(emulator: Emulator, api: httpx.Client) -> None:
    emulator.faults.replace_body("/v3/routes", "OK", method="POST", status=201, times=1)
    r = api.post("/v3/routes", data=ROUTE)
    assert (r.status_code, r.text) == (201, "OK")
    assert len(emulator.store.routes) == 1
    assert api.post("/v3/routes", data=ROUTE).json()["message"] == "Route has been created"
