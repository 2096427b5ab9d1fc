"""The account's request budget shared by a client's threads: the hold-off after a 429 and the
window ``X-Request-Remaining`` says is left (mailgun-api.md §1.5). No I/O; ``client.py``
asks it before and tells it after every request, and does the waiting.
"""

from __future__ import annotations

import threading
import time

import httpx

from mgsync import wire

# Seconds a request waits before it asks again, in a new window whose quota is taken by requests in
# flight: the first of their answers tells how much of it is left and when it ends.
NEWS = 0.05


class Budget:
    """The account's request budget, shared by all threads (mailgun-api.md §1.5).

    After a 429 every thread holds off until its reset (``held``). Between 429s, the
    ``X-Request-Remaining`` and reset headers of the latest answer tell how much of the current window
    is left, and ``X-Request-Limit`` what each window holds: a request is let go (``admit``) only while
    the requests in flight leave some of it, else it waits for the next window instead of earning a
    429. When a window ends, the next holds what the limit says, not an unknown quota: else every
    thread held at the reset would go at once, however small the limit (8 threads against 5 a
    second: a quarter of all requests answered 429). Every wait is capped by ``backoff_cap``.
    """

    def __init__(self, cap: float):
        self._lock, self.cap = threading.Lock(), cap
        self.not_before = 0.0  # monotonic time before which no request starts
        self.window = 0.0  # the reset (epoch seconds) of the window ``remaining`` belongs to; 0: not told yet
        self.remaining: float | None = None
        self.limit: float | None = None  # what a window holds, as the latest answer that said it
        self.in_flight = 0  # requests let go and not answered yet
        self.served = 0  # answers other than 429: the account making progress

    def held(self) -> float:
        """Seconds left of the hold-off after a 429 (0 or less: none)."""
        with self._lock:
            return self.not_before - time.monotonic()

    def admit(self, force: bool = False) -> float:
        """0.0: the request goes now, counted in flight until ``release``; else the seconds to wait before
        asking again. ``force``: it goes anyway (it waited ``cap`` already: the server decides)."""
        with self._lock:
            now = time.time()
            if self.window and self.window <= now:  # a new window: as much as the last one held
                self.window, self.remaining = 0.0, self.limit
            if force or self.remaining is None or self.in_flight < self.remaining:
                self.in_flight += 1
                return 0.0
            if self.window:
                return min(self.window - now, self.cap)
            if not self.in_flight:  # a quota of nothing, and no answer on its way to say more: ask
                self.in_flight += 1
                return 0.0
            return NEWS

    def release(self, response: httpx.Response | None) -> None:
        with self._lock:
            self.in_flight -= 1
            if response is not None and response.status_code != 429:
                self.served += 1
            headers = response.headers if response is not None else {}
            remaining = wire.number(headers.get("X-Request-Remaining") or headers.get("X-RateLimit-Remaining"))
            now = time.time()
            reset = wire.reset_epoch(headers, now)
            if remaining is None or reset is None or reset <= now:  # a window over says nothing of the next
                return
            limit = wire.number(headers.get("X-Request-Limit") or headers.get("X-RateLimit-Limit"))
            self.limit = limit if limit is not None else self.limit
            if reset != self.window or self.remaining is None:  # answers of one window: the lowest wins
                self.remaining = remaining
            self.remaining, self.window = min(self.remaining, remaining), reset

    def hold(self, delay: float) -> None:
        """A 429 answer: nobody starts a request for ``delay`` seconds."""
        with self._lock:
            self.not_before = max(self.not_before, time.monotonic() + delay)
