"""Constants and helpers shared by the client tests."""

from __future__ import annotations

import threading
import time

# Distinctive keys: a leak anywhere is found by a plain substring search.
KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
MATON_KEY = "maton-7f3c1e9a4b2d8c6e0f5a3b1d9e7c5a3b"
DOMAIN = "mg.example.com"


class Sleeps:
    """A ``sleep`` for the client that records every wait; ``real`` also waits for real."""

    def __init__(self, real: bool = False):
        self.real, self.calls = real, []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)
        if self.real:
            time.sleep(seconds)
