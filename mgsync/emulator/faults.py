"""Fault injection settings for the emulator: latency, 429s, 5xx before/after commit, dropped connections,
odd bodies.

``Faults()`` injects nothing. Settings are plain attributes; one-shot failures are rules added with
``fail_before_commit`` / ``fail_after_commit`` / ``drop_connection`` and consumed as they fire::

    emu.faults.latency = 0.02
    emu.faults.rate_limit_every = 5            # every 5th request answers 429
    emu.faults.fail_after_commit(method="POST", path="/v3/routes", status=502, times=1)
    emu.faults.drop_connection(path="/v3/lists", times=2)
    emu.faults.replace_body("/v3/domains/mg.example.com/tracking", "OK")  # 200 "OK" instead of JSON
    emu.faults.after_answer("GET", "/v3/mg.example.com/templates", forget, exact=True)  # test-only hook

Paths are matched as prefixes of the decoded request path without the gateway ``/mailgun`` prefix
(or exactly, for rules made with ``exact=True``).
Knows nothing of endpoints; the emulator asks it what to do for each request (under its lock).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

RuleKind = Literal["fail_before_commit", "fail_after_commit", "drop_connection", "replace_body", "after_answer"]


class DropConnection(Exception):
    """Raised by ``Emulator.handle`` when a connection must be dropped without any response."""

    def __init__(self, committed: bool):
        super().__init__("connection dropped by fault injection")
        self.committed = committed


@dataclass
class Rule:
    kind: RuleKind
    method: str | None = None
    path: str | None = None
    status: int = 502
    times: int | None = 1  # None = every matching request, forever
    after_commit: bool = False  # drop_connection only: apply the write first
    body: bytes = b""  # replace_body, fail_before_commit: what the client gets instead of the real answer
    content_type: str = "application/json"  # with ``body``
    skip: int = 0  # matching requests answered normally before the rule starts to fire
    exact: bool = False  # match the path exactly, not as a prefix
    action: Callable[[], None] | None = None  # after_answer only: what happens once the answer is made

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.method is None or self.method.upper() == method)
            and (self.path is None or path == self.path or (not self.exact and path.startswith(self.path)))
            and (self.times is None or self.times > 0)
        )


@dataclass
class Faults:
    latency: float = 0.0  # seconds slept before each request, outside the state lock
    rate_limit_every: int = 0  # every Nth request answers 429 (0 = never)
    rate_limit_share: float = 0.0  # fraction of requests answering 429, drawn from a seeded RNG
    reset_after: float = 1.0  # seconds until X-Request-Reset on a 429 (Retry-After = ceil of this)
    seed: int = 0
    quota_limit: int = 2500  # advertised X-Request-Limit per window
    quota_window: float = 1.0  # seconds per rate-limit window
    enforce_quota: bool = False  # answer 429 once a window's quota is spent
    rules: list[Rule] = field(default_factory=list)
    _count: int = field(default=0, repr=False)
    _rng: random.Random | None = field(default=None, repr=False)

    def fail_before_commit(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int = 503,
        times: int | None = 1,
        body: bytes | str = b"",
        content_type: str = "text/html",
    ) -> Rule:
        """Matching requests answer ``status`` without being applied: Mailgun's error, or ``body`` (a
        page of a proxy or firewall in front of it that never passed the request on)."""
        raw = body.encode() if isinstance(body, str) else body
        return self._add(Rule("fail_before_commit", method, path, status, times, body=raw, content_type=content_type))

    def fail_after_commit(
        self, method: str | None = None, path: str | None = None, status: int = 502, times: int | None = 1
    ) -> Rule:
        """Matching requests are applied (and persisted) but the client sees ``status``."""
        return self._add(Rule("fail_after_commit", method, path, status, times))

    def drop_connection(
        self, method: str | None = None, path: str | None = None, times: int | None = 1, after_commit: bool = False
    ) -> Rule:
        """Matching requests get no response at all; with ``after_commit`` the write is applied first."""
        return self._add(Rule("drop_connection", method, path, 0, times, after_commit))

    def replace_body(
        self,
        path: str | None,
        body: bytes | str,
        method: str | None = "GET",
        content_type: str = "application/json",
        status: int = 200,
        times: int | None = None,
        skip: int = 0,
        exact: bool = False,
    ) -> Rule:
        """Matching requests are handled (a write is applied) but answer ``status`` with ``body``
        instead, as a broken proxy or gateway might; the first ``skip`` matches are left alone."""
        raw = body.encode() if isinstance(body, str) else body
        return self._add(
            Rule(
                "replace_body", method, path, status, times, body=raw, content_type=content_type, skip=skip, exact=exact
            )
        )

    def after_answer(
        self,
        method: str | None,
        path: str | None,
        action: Callable[[], None],
        times: int | None = 1,
        exact: bool = False,
    ) -> Rule:
        """Test-only: once a matching request is answered, ``action`` runs (under the emulator's lock),
        as another client's change would land between two reads: e.g. a template deleted between
        its domain's listing and its own detail read, which then answers 404 for a real reason."""
        return self._add(Rule("after_answer", method, path, 0, times, exact=exact, action=action))

    def clear(self) -> None:
        """Back to no faults at all."""
        self.__init__()  # type: ignore[misc]

    def _add(self, rule: Rule) -> Rule:
        self.rules.append(rule)
        return rule

    def take(self, kind: RuleKind, method: str, path: str, after_commit: bool = False) -> Rule | None:
        """The first live matching rule of ``kind``, consuming one of its ``times``."""
        for rule in self.rules:
            if rule.kind == kind and rule.after_commit == after_commit and rule.matches(method, path):
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None

    def should_throttle(self) -> bool:
        """Whether this request is one of the injected 429s (call once per request)."""
        self._count += 1
        if self.rate_limit_every and self._count % self.rate_limit_every == 0:
            return True
        if self.rate_limit_share > 0:
            if self._rng is None:
                self._rng = random.Random(self.seed)
            return self._rng.random() < self.rate_limit_share
        return False
