"""The live status line on stderr, a part of the command line (cli.py owns it; nothing else prints).

While mgsync reads, imports, applies, verifies or waits out a rate limit, one line on stderr says
what it is doing and how far it got: ``reading Mailgun: 143 requests, 12/40 reads``. On a terminal
the line redraws in place (carriage return, at most every ``REDRAW`` seconds) and the last state of
each phase stays on screen; without a terminal (CI logs) a phase prints at most one line, when it
ends, and only if it took a while or waited for a rate limit, so logs stay readable and a failing
command's error remains its only line; but the first request of a phase that Mailgun left without
an answer says so at once (its retries may take minutes). It is fed by the client's observer hook
and by apply's progress callback; it knows nothing of kinds or plans. Built on ``click.echo``/
``click.style`` only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import click

REDRAW = 0.1  # seconds between redraws of the animated line
QUIET_UNDER = 1.0  # without a terminal, phases shorter than this (and without waits) print nothing


class Status:
    def __init__(self, *, enabled: bool, animate: bool, clock: Callable[[], float] = time.monotonic):
        self.enabled, self.animate, self._clock = enabled, animate, clock
        self._lock = threading.Lock()
        self._phase = ""
        self._shown = 0  # width of the animated line on screen
        self._reset()

    def _reset(self) -> None:
        self.requests = self.tasks = self.tasks_done = self.waits = 0
        self.waited = 0.0
        self.silences, self.silence = 0, 0.0  # requests tried again after no answer within the timeout
        self.changes: tuple[int, int] | None = None
        self._waiting_until = 0.0
        self._started = self._drawn = self._clock()

    # -- feeding it ------------------------------------------------------------------------

    def phase(self, name: str) -> None:
        """End the current phase (its last line stays) and start ``name``."""
        with self._lock:
            self._finish()
            self._phase = name
            self._reset()
            self._draw(force=True)

    def observe(self, event: str, value: float = 0.0) -> None:
        """The client's observer hook (any thread)."""
        with self._lock:
            match event:
                case "request":
                    self.requests += 1
                case "rate_limit":  # waited: wall time some request was held, not the threads' sum
                    self.waits += 1
                    now = self._clock()
                    self.waited += max(0.0, now + value - max(now, self._waiting_until))
                    self._waiting_until = max(self._waiting_until, now + value)
                case "tasks":
                    self.tasks += int(value)
                case "task_done":
                    self.tasks_done += 1
                case "no_answer":
                    self.silences += 1
                    self.silence = value
                    if self.enabled and not self.animate and self._phase and self.silences == 1:  # a CI log: now
                        click.echo(f"{self._phase}: no answer from Mailgun within {value:g} s; trying again", err=True)
            self._draw(force=event == "rate_limit")

    def progress(self, done: int, total: int, _address: str) -> None:
        """apply's progress callback: changes applied so far."""
        with self._lock:
            self.changes = (done, total)
            self._draw(force=done >= total)

    def close(self) -> None:
        """The command succeeded: leave the last phase's line."""
        with self._lock:
            self._finish()
            self._phase = ""

    def abandon(self) -> None:
        """The command failed: wipe an animated line so the error is the line that remains."""
        with self._lock:
            if self.enabled and self.animate and self._shown:
                click.echo("\r" + " " * self._shown + "\r", err=True, nl=False)
            self._shown, self._phase = 0, ""

    # -- drawing ---------------------------------------------------------------------------

    def line(self) -> str:
        parts = []
        if self.changes is not None:
            parts.append(f"{self.changes[0]:,}/{self.changes[1]:,} changes")
        parts.append(f"{self.requests:,} request{'s' if self.requests != 1 else ''}")
        if self.tasks:
            parts.append(f"{self.tasks_done:,}/{self.tasks:,} reads" if not self.changes else "")
        text = f"{self._phase}: " + ", ".join(p for p in parts if p)
        left = self._waiting_until - self._clock()
        if left > 0:
            text += f"; Mailgun rate limit: waiting {left:.1f} s"
        elif self.waits:
            text += f"; waited {self.waited:.1f} s for Mailgun's rate limit"
        if self.silences:
            tried = f"{self.silences:,} request{'s' if self.silences != 1 else ''}"
            text += f"; {tried} tried again after no answer within {self.silence:g} s"
        return text

    def _draw(self, *, force: bool = False) -> None:
        if not (self.enabled and self.animate and self._phase):
            return
        now = self._clock()
        if not force and now - self._drawn < REDRAW:
            return
        self._drawn = now
        text = self.line()
        click.echo("\r" + text.ljust(self._shown), err=True, nl=False)
        self._shown = len(text)

    def _finish(self) -> None:
        if not (self.enabled and self._phase):
            return
        took = self._clock() - self._started
        text = f"{self.line()} in {took:.1f} s"
        if self.animate:
            click.echo("\r" + text.ljust(self._shown), err=True)
        elif took >= QUIET_UNDER or self.waits or self.silences:
            click.echo(text, err=True)
        self._shown = 0
