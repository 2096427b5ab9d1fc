"""The apply's schedule (issue 21, DESIGN §5): writes that Mailgun allows in any order run concurrently,
within the client's concurrency; dependent ones keep their order.

The real engine applies against the in-process emulator, with latency so that requests overlap; a
transport around the emulator's records when each request started and ended (the emulator and the
engine are not replaced). "A before B" means B started after A's answer came back.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.engine import Checks, Engine, held
from mgsync.errors import ApiError
from mgsync.settings import Settings
from tests.support.harness import KEY, Harness

LATENCY = 0.02
CONCURRENCY = 4


@dataclass
class Timed(httpx.BaseTransport):
    """The emulator's transport, with each request's (method, path, start, end) and the most in flight at once."""

    inner: httpx.BaseTransport
    calls: list[tuple[str, str, float, float]] = field(default_factory=list)
    most: int = 0
    _now: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._now += 1
            self.most = max(self.most, self._now)
        started = time.monotonic()
        path = request.url.path
        if (request.method, path) == ("POST", "/v4/domains"):  # which domain: named in the form
            path += "#" + parse_qs(request.read().decode())["name"][0]
        try:
            return self.inner.handle_request(request)
        finally:
            with self._lock:
                self._now -= 1
                self.calls.append((request.method, path, started, time.monotonic()))

    def writes(self, prefix: str = "") -> list[tuple[str, str, float, float]]:
        return [call for call in self.calls if call[0] != "GET" and call[1].startswith(prefix)]


class Scheduled(Harness):
    """The harness, its client sending through ``Timed`` with latency on every request."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, Emulator(api_key=KEY))
        self.emu.faults.latency = LATENCY
        self.timed = Timed(self.emu.transport())
        settings = Settings("http://127.0.0.1", "basic", KEY, allow_http=True)
        self.client = Client(settings, transport=self.timed, concurrency=CONCURRENCY, sleep=lambda s: None)

    def apply_now(self) -> None:
        desired = self.desired()
        with held(self.lock_path) as lock:
            Engine(self.client, desired, lock).apply(Checks(force=True))


def before(first: list[tuple[str, str, float, float]], then: list[tuple[str, str, float, float]]) -> bool:
    """Every request of ``then`` started after every request of ``first`` ended."""
    assert first and then
    return max(end for *_, end in first) <= min(start for *_, start, _ in then)


def overlap(one: list[tuple[str, str, float, float]], other: list[tuple[str, str, float, float]]) -> bool:
    return any(a[2] < b[3] and b[2] < a[3] for a in one for b in other)


def routes(*names: str) -> str:
    body = "".join(
        f'  {n}:\n    expression: match_recipient("{n}@example.com")\n    actions: [stop()]\n' for n in names
    )
    return "routes:\n" + body


DOMAINS = """
domains:
  one.example.com:
    webhooks: {opened: [https://h.example.com/o], clicked: [https://h.example.com/c]}
    tracking: {open: true}
    suppressions: {bounces: [a@example.org]}
  two.example.com:
    webhooks: {opened: [https://h.example.com/o], clicked: [https://h.example.com/c]}
    tracking: {open: true}
"""


def test_writes_of_different_kinds_and_domains_run_at_once_within_the_concurrency(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write(routes(*(f"r{i}" for i in range(12))) + DOMAINS)
    h.apply_now()
    timed = h.timed
    assert timed.most == CONCURRENCY  # never more in flight than the client's concurrency, and it is used
    others = [call for call in timed.writes() if not call[1].startswith("/v3/routes")]
    assert overlap(timed.writes("/v3/routes"), others)  # not one kind at a time
    assert overlap(timed.writes("/v3/domains/one.example.com/"), timed.writes("/v3/domains/two.example.com/"))
    assert h.actions() == []


def test_a_domain_is_created_before_anything_inside_it(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write(routes("r0", "r1") + DOMAINS)
    h.apply_now()
    timed = h.timed
    for domain in ("one.example.com", "two.example.com"):
        created = timed.writes(f"/v4/domains#{domain}")
        inside = [c for c in timed.calls if f"/{domain}/" in c[1] and c[0] != "GET"]
        assert len(created) == 1 and len(inside) >= 3
        assert before(created, inside)
    assert overlap(timed.writes("/v3/routes"), timed.writes("/v4/domains#"))


def test_a_forward_is_created_after_the_domain_it_names(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write("domains:\n  mg.example.com: {}\nforwards:\n  support@mg.example.com: {recipients: [a@example.org]}\n")
    h.apply_now()  # Mailgun refuses a forward for a domain not on the account: 400 "Domain not found"
    assert before(h.timed.writes("/v4/domains#mg.example.com"), h.timed.writes("/v3/forwards"))
    assert h.actions() == []


def test_a_list_is_created_after_its_domain(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write("domains:\n  mg.example.com: {}\nmailing_lists:\n  news@mg.example.com: {}\n")
    h.apply_now()
    assert before(h.timed.writes("/v4/domains#mg.example.com"), [c for c in h.timed.writes() if c[1] == "/v3/lists"])
    assert h.actions() == []


def test_a_list_is_created_before_its_members(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    members = "".join(f"      - m{i}@example.org\n" for i in range(2_500))
    h.write(f"mailing_lists:\n  news@mg.example.com:\n    members:\n{members}" + routes("r0"))
    h.apply_now()
    timed = h.timed
    batches = timed.writes("/v3/lists/news@mg.example.com/members.json")
    assert len(batches) == 3  # 1,000 a batch
    assert before([c for c in timed.writes() if c[1] == "/v3/lists"], batches)
    assert h.actions() == []


def test_batches_run_beside_other_writes_and_a_list_its_members_wait_for_goes_first(tmp_path: Path) -> None:
    """In plan order the routes come before the lists, and the suppressions before the routes: a list
    waits for every route and its members' batches come last, one kind at a time. Instead a batch
    runs beside the other calls, and the list is made as soon as its domain is (``apply._Ready``)."""
    h = Scheduled(tmp_path)
    members = "".join(f"      - m{i}@example.org\n" for i in range(3_000))
    bounces = "".join(f"        - b{i}@example.org\n" for i in range(3_000))
    h.write(
        f"domains:\n  mg.example.com:\n    suppressions:\n      bounces:\n{bounces}"
        f"mailing_lists:\n  news@mg.example.com:\n    members:\n{members}" + routes(*(f"r{i}" for i in range(40)))
    )
    h.apply_now()
    timed = h.timed
    route_writes, made = timed.writes("/v3/routes"), [c for c in timed.writes() if c[1] == "/v3/lists"]
    batches = timed.writes("/v3/lists/news@mg.example.com/members.json") + timed.writes("/v3/mg.example.com/bounces")
    assert len(route_writes) == 40 and len(made) == 1 and len(batches) == 3 + 4  # 1,000 members, 999 bounces a batch
    domain = timed.writes("/v4/domains#mg.example.com")
    assert before(domain, made)  # made as soon as its domain is: its members wait, the routes do not
    assert made[0][2] < max(start for _, _, start, _ in route_writes)
    assert all(overlap([batch], route_writes) for batch in batches)  # each batch beside routes being made
    assert h.actions() == []


def test_a_renamed_route_is_created_before_the_old_one_is_deleted(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write(routes("old", "kept") + "prune: [routes]\n")
    h.apply_now()
    h.timed.calls.clear()
    h.write(routes("new", "kept") + "prune: [routes]\n")
    h.apply_now()
    posts = [c for c in h.timed.calls if c[0] == "POST"]
    deletes = [c for c in h.timed.calls if c[0] == "DELETE"]
    assert len(posts) == 1 and len(deletes) == 1
    assert before(posts, deletes)  # make before break: mail keeps a route all along
    assert h.actions() == []


def test_after_a_failed_write_no_new_write_starts_and_the_lockfile_holds_what_landed(tmp_path: Path) -> None:
    h = Scheduled(tmp_path)
    h.write(routes(*(f"r{i:02d}" for i in range(40))))
    h.emu.faults.fail_before_commit(method="POST", path="/v3/routes", status=400, times=1)
    with pytest.raises(ApiError, match="POST /v3/routes returned 400"):
        h.apply_now()
    sent = len(h.timed.writes("/v3/routes"))
    assert sent <= 2 * CONCURRENCY  # those in flight finish; nothing new starts
    live = {r["description"] for r in h.client.get("/v3/routes", params={"limit": 100})["items"]}
    locked = h.lock_path.read_text()
    assert all(f'"route:{name}"' in locked for name in live)
    assert not (tmp_path / "mgsync.lock.journal").exists()  # folded into the lockfile on the way out
    h.apply_now()
    assert h.actions() == []
    assert len(h.client.get("/v3/routes", params={"limit": 100})["items"]) == 40
