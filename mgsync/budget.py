"""The account's request budget shared by a client's threads: the hold-off after a 429 and the
window ``X-Request-Remaining`` says is left (mailgun-api.md §1.5). No I/O; ``client.py``
asks it before and tells it after every request.
"""

from __future__ import annotations

import threading
import time

import httpx

from mgsync import wire


class Budget:
    """The account's request budget, shared by all threads (mailgun-api.md §1.5).

    After a 429 every thread holds off until its reset. Between 429s, the ``X-Request-Remaining``
    and reset headers of the latest answer tell how much of the current window is left: a request
    that the ones already in flight would overrun waits for the next window instead of earning a 429.
    Every wait is capped by ``backoff_cap``.
    """

    def __init__(self, cap: float):
        self._lock, self.cap = threading.Lock(), cap
        self.not_before = 0.0  # monotonic time before which no request starts
        self.window = 0.0  # the reset (epoch seconds) of the window ``remaining`` belongs to
        self.remaining: float | None = None
        self.in_flight = 0
        self.served = 0  # answers other than 429: the account making progress

    def acquire(self) -> float:
        """Count one request in flight; return how long it must wait before it goes."""
        with self._lock:
            mono, now = time.monotonic(), time.time()
            if self.window <= now:
                self.remaining = None
            if self.remaining is not None and self.remaining <= self.in_flight and self.not_before <= mono:
                self.not_before = mono + min(self.window - now, self.cap)
            self.in_flight += 1
            return self.not_before - mono

    def release(self, response: httpx.Response | None) -> None:
        with self._lock:
            self.in_flight -= 1
            if response is not None and response.status_code != 429:
                self.served += 1
            headers = response.headers if response is not None else {}
            remaining = wire.number(headers.get("X-Request-Remaining") or headers.get("X-RateLimit-Remaining"))
            reset = wire.reset_epoch(headers, time.time())
            if remaining is None or reset is None:
                return
            if reset != self.window or self.remaining is None:  # answers of one window: the lowest wins
                self.remaining = remaining
            self.remaining, self.window = min(self.remaining, remaining), reset

    def hold(self, delay: float) -> None:
        """A 429 answer: nobody starts a request for ``delay`` seconds."""
        with self._lock:
            self.not_before = max(self.not_before, time.monotonic() + delay)
