"""Mailgun over HTTP: auth, retries and rate limits; nothing else.

This module knows nothing about kinds or plans: it speaks paths, form fields and JSON, and turns
every httpx error and every error status into ``ApiError`` / ``NoAnswerError`` (errors.py). A client
carries the two helpers its callers use with it, each in its own module: ``Client.pool``, the threads
its requests run on (pool.py, as many as its HTTP connections), and ``Client.cache``, the reads one
plan shares (readcache.py). Its listings (the pagination styles, ``iter_skip`` / ``iter_pages``) are
paging.py's ``Listings``, over its ``read``; an answer's body is read within bounds (bodies.py); what a
failure says, and which methods are safe to send again, is failures.py's.

Retry policy (mailgun-api.md §1.5, DESIGN.md §3.9):

- 429 is retried for every method (the request was not processed), waiting as the response says
  (``Retry-After`` in seconds or as an HTTP date, ``X-Request-Reset`` / ``X-RateLimit-Reset``, a
  ``retry-seconds`` body), else with exponential backoff, at most ``backoff_cap``. The wait is shared
  (``budget.Budget``): every thread holds off until the reset, and ``X-Request-Remaining``
  (``X-Request-Limit`` after a reset) keeps concurrent threads from overrunning a window in the first
  place.
  Only a 429 after which no request of this client was served counts toward ``max_retries``: at a
  window's reset our own threads race for its quota, and the losers are waiting their turn, not
  failing (at most ``THROTTLED_TURNS`` × ``max_retries`` such turns, so nothing waits forever).
- A refused connection, a host name that does not resolve (``HostNotFoundError``), a TLS certificate
  that is not trusted or a server that does not speak TLS fails at once (``failures.unreachable``): the base
  URL, region, network or CA bundle is wrong, and retrying would only make the user wait.
- 5xx and lost connections are retried only for idempotent methods. A POST whose answer was lost
  is never repeated, so the caller can re-read and decide; a POST that never reached the server
  (connect error or timeout) is safe to resend and is retried.
- Ctrl-C or SIGTERM while an apply writes (``stopping_on``) ends every wait at once (a 429's
  Retry-After, a backoff) and tries nothing again: a supervisor's grace period (``docker stop``: 10 s)
  is far shorter than a throttled request's retries. A request in flight is answered first.

Paths are sent as given (``@`` and ``+`` stay literal, §1.3); build them from values with
``segment()`` so that ``/``, ``?``, ``#`` and ``%`` inside a value are escaped. Pass file contents
as bytes so a retried upload can be resent.

Paging links name whatever host the answering server believes it is (Mailgun's own, or the
upstream behind a proxy or gateway). Only their path and query are used, on the configured base URL,
so the API key never goes anywhere else (``_url``).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from base64 import b64encode
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from mgsync import __version__, answers, bodies, failures, proxy, tls, tuning, wire
from mgsync.answers import OBJECT, Shape
from mgsync.budget import Budget
from mgsync.errors import ApiError, HostNotFoundError, NoAnswerError, UnreadableAnswerError
from mgsync.paging import Listings
from mgsync.pool import Pool
from mgsync.readcache import ReadCache
from mgsync.settings import SUBACCOUNT_HEADER, Settings, check_base_url, is_loopback
from mgsync.wire import MIN_SECRET, Form, echoed

log = logging.getLogger("mgsync.client")

BACKOFF_BASE = 0.25
THROTTLED_TURNS = 3
# A request with no answer within the timeout is tried this many times more: a server that takes a
# connection and never answers (a firewall's black hole) fails in about 3 timeouts, not 7
TIMEOUT_RETRIES = 2
# What the client tells an observer (a status display), ``observer(event, value)``: "request" after
# every HTTP attempt; "rate_limit" with the seconds a request holds off; "no_answer" with the timeout,
# when a request that got no answer within it is tried again (its pool tells the same
# observer of its tasks: pool.py). Observers must be quick and thread-safe.
Observer = Callable[[str, float], None]


def segment(value: str) -> str:
    """Escape one path segment: e-mails stay readable (``@``, ``+`` literal), ``/ ? # %`` are escaped."""
    return quote(value, safe="@+!$&'()*,;=:~")


@dataclass
class Stats:
    requests: int = 0  # every HTTP attempt, retries included
    retries: int = 0
    throttled: int = 0  # 429 answers seen
    by_method: Counter[str] = field(default_factory=Counter)


class Client(Listings):
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        concurrency: int = 8,
        max_retries: int = 6,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        observer: Observer | None = None,
    ):
        check_base_url(settings.base_url, allow_http=settings.allow_http)
        self.settings, self.max_retries, self.backoff_cap = settings, max_retries, backoff_cap
        self.concurrency = max(1, concurrency)
        self.stats = Stats()
        # ``sleep``: a test's own, to see the waits or skip them; by default a wait ends when the interrupt
        # the client stops on comes (``stopping_on``)
        self._sleep, self._random = sleep, random.Random()
        self._interrupt: tuning.Interrupt | None = None
        self.observer = observer
        self._lock, self._budget = threading.Lock(), Budget(backoff_cap)
        self._hidden: tuple[str, ...] = ()  # secret values and their echoed forms, longest first (``hide``)
        self.pool = Pool(self.concurrency, observer)  # the threads its requests run on (pool.py)
        self.cache = ReadCache(self.read)  # the reads one plan shares (readcache.py)
        pool = httpx.Limits(max_connections=self.concurrency + 2, max_keepalive_connections=self.concurrency + 2)
        # Every request goes to the base URL (paging links are rebased), so a plain-http one (loopback,
        # or MGSYNC_ALLOW_HTTP) never makes a TLS connection: no CA bundle to load (20 ms a command).
        base = urlsplit(settings.base_url)
        verify = tls.context() if base.scheme == "https" else False
        # A proxy from the environment (HTTPS_PROXY, ...) is for the way out: a loopback base URL (the
        # emulator) never goes through one, which httpx would do unless NO_PROXY named the host.
        trust_env = not is_loopback(base.hostname or "")
        if trust_env and transport is None:
            proxy.check_environment()
        self._http = httpx.Client(
            transport=transport,
            timeout=settings.timeout,
            headers=self._headers(),
            limits=pool,
            verify=verify,
            trust_env=trust_env,
        )

    def _headers(self) -> dict[str, str]:
        key = self.settings.api_key.reveal()
        headers = {"User-Agent": f"mgsync/{__version__}", "Accept": "application/json"}
        if self.settings.auth == "bearer":
            headers["Authorization"] = f"Bearer {key}"
            if self.settings.connection:
                headers["Maton-Connection"] = self.settings.connection
        else:
            headers["Authorization"] = "Basic " + b64encode(f"api:{key}".encode()).decode()
        if self.settings.subaccount:
            # Mailgun acts on the subaccount for every endpoint when the parent's key sends this
            # (documentation.mailgun.com "subaccounts-api-requests"; the SDKs set it client-wide).
            # UNCONFIRMED: that the Maton gateway passes it through to Mailgun unchanged.
            headers[SUBACCOUNT_HEADER] = self.settings.subaccount
            log.debug("http: every request acts on subaccount %s (%s)", self.settings.subaccount, SUBACCOUNT_HEADER)
        return headers

    def __repr__(self) -> str:
        return f"Client(base_url={self.settings.base_url!r}, auth={self.settings.auth!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        # a second Ctrl-C or SIGTERM (tuning.graceful_interrupt) stops at once: it waits for no request
        # in flight, which a server sending a byte at a time could hold for ever
        self.close(wait=kind is None or not issubclass(kind, KeyboardInterrupt))

    def close(self, *, wait: bool = True) -> None:
        self.pool.close(wait=wait)
        if wait:
            self._http.close()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()

    # -- requests ---------------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        data: Form | None = None,
        *,
        json: Any = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        return self.request("POST", path, params=params, data=data, json=json, files=files)

    def put(
        self,
        path: str,
        data: Form | None = None,
        *,
        json: Any = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        return self.request("PUT", path, params=params, data=data, json=json, files=files)

    def delete(self, path: str, **params: Any) -> Any:
        return self.request("DELETE", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Form | None = None,
        json: Any = None,
        files: Any = None,
    ) -> Any:
        """Send one request (retrying as the module docstring says); return parsed JSON or text.

        Mailgun answers every write with a JSON object, or 204 and no body (account webhooks): a write
        answered 2xx with anything else (an HTML page of a captive portal or a firewall, an empty 200)
        was answered by a server in front of it, so it is an ``UnreadableAnswerError``, never a change
        counted as made."""
        response, where = self._exchange(method, path, params=params, data=data, json=json, files=files)
        body = wire.parse_body(response)
        if method != "GET" and not isinstance(body, dict) and response.status_code != 204:
            _, problem = answers.check(self._redact(response.text), OBJECT)
            got = problem or f"expected an object, got {type(body).__name__}"
            raise UnreadableAnswerError(
                method, where, response.status_code, f"{got}; " + failures.MAYBE_APPLIED.format(method)
            )
        return body

    def read(self, path: str, expected: Shape, **params: Any) -> Any:
        """GET ``path`` and return its JSON, checked against the ``expected`` shape: an answer of
        another shape raises ``UnreadableAnswerError`` saying how it differs (answers.py), so callers may index it."""
        response, where = self._exchange("GET", path, params=params)
        value, problem = answers.check(response.text, expected)
        if problem is not None:  # told again of the text without secrets: its excerpt may hold one
            problem = answers.check(self._redact(response.text), expected)[1] or problem
            raise UnreadableAnswerError("GET", where, response.status_code, self._redact(problem))
        return value

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Form | None = None,
        json: Any = None,
        files: Any = None,
    ) -> tuple[httpx.Response, str]:
        """The first non-error answer (retrying as the module docstring says), and the path it names."""
        method = method.upper()
        url, where = self._url(path)
        body, query = wire.request_body(data, json, files), wire.clean_params(params)
        attempt = tries = 0  # ``attempt``: the retries that count toward max_retries
        landed = False  # whether an attempt so far may have been applied (answered 5xx, or none)
        while True:
            self._unless_stopped(method, where, landed)
            served = self._budget.served
            try:
                response = self._send(method, url, where, query, body, landed)
            except httpx.HTTPError as exc:
                landed |= not isinstance(exc, failures.NEVER_SENT)
                delay = self._after_failure(method, where, exc, attempt)
            else:
                if response.status_code < 300:
                    return response, where
                landed |= response.status_code != 429  # a 429 was not processed (mailgun-api.md §1.5)
                waiting_turn = self._waiting_turn(response, served, tries)
                delay = self._after_error_status(method, where, response, attempt, waiting_turn)
                attempt -= waiting_turn
            with self._lock:
                self.stats.retries += 1
            log.debug("http: retry %s %s (attempt %d)", method, where, tries + 2)
            if delay > 0:
                self._wait(delay)
            attempt, tries = attempt + 1, tries + 1

    @contextlib.contextmanager
    def stopping_on(self, interrupt: tuning.Interrupt) -> Iterator[None]:
        """Within the block, once ``interrupt`` is set (a first Ctrl-C or SIGTERM while an apply writes:
        ``tuning.graceful_interrupt``) no request starts and none is tried again: a wait (a 429's
        hold-off, a backoff) ends at once, and the request raises ``interrupt.stop()``. A request in
        flight is answered first, so a step that was answered is recorded as done."""
        before, self._interrupt = self._interrupt, interrupt
        try:
            yield
        finally:
            self._interrupt = before

    def _wait(self, seconds: float) -> None:
        """Wait ``seconds``, or less when the interrupt the client stops on comes (``stopping_on``)."""
        interrupt = self._interrupt
        if self._sleep is not None:
            self._sleep(seconds)
        elif interrupt is not None:
            interrupt.wait(seconds)
        else:
            time.sleep(seconds)

    def _unless_stopped(self, method: str, where: str, landed: bool) -> None:
        """Raise the interrupt the client stops on, if it came (``stopping_on``): the request is not sent
        (again). Nothing of it was applied unless an earlier attempt ``landed`` (a 5xx, a lost answer)."""
        interrupt = self._interrupt
        if interrupt is None or not interrupt.is_set():
            return
        outcome = "an earlier attempt may have been applied" if landed else "not applied"
        log.debug("http: %s %s stopped by the interrupt, not sent again: %s", method, where, outcome)
        raise interrupt.stop()

    def _waiting_turn(self, response: httpx.Response, served: int, tries: int) -> bool:
        """A 429 while other requests were served since this one was queued: our own threads won the
        window's quota first, so this retry does not count toward ``max_retries`` (module docstring)."""
        return (
            response.status_code == 429 and self._budget.served > served and tries < THROTTLED_TURNS * self.max_retries
        )

    def _url(self, path: str) -> tuple[str, str]:
        """The absolute URL to request, and the path (no base, no query) for logs and errors.

        An absolute URL (a paging link) is rebased: its path and query go onto the base URL,
        whatever host it names (module docstring).
        """
        base = self.settings.base_url
        if not path.startswith(("http://", "https://")):
            path = quote("/" + path.lstrip("/"), safe="/@+!$&'()*,;=:~%")
            return base + path, path
        link = urlsplit(path)
        where = wire.api_path(link.path, urlsplit(base).path)
        return base + where + (f"?{link.query}" if link.query else ""), where

    def _send(
        self, method: str, url: str, where: str, query: dict[str, Any] | None, body: dict[str, Any], landed: bool
    ) -> httpx.Response:
        self._admitted(method, where, landed)
        response, outcome = None, "no answer"
        try:
            with self._lock:
                self.stats.requests += 1
                self.stats.by_method[method] += 1
            started = time.perf_counter()
            sent = time.monotonic()
            response = self._http.send(self._http.build_request(method, url, params=query, **body), stream=True)
            outcome = str(response.status_code)
            try:
                response = bodies.read_within(response, timeout=self.settings.timeout, sent=sent)
            except bodies.Overrun as exc:  # a server in front of Mailgun: nothing is tried again
                maybe = "" if method == "GET" else "; " + failures.MAYBE_APPLIED.format(method)
                raise UnreadableAnswerError(method, where, response.status_code, f"{exc}{maybe}") from None
            return response
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
            raise
        finally:
            self._budget.release(response)
            self._notify("request")
            if outcome != "no answer":
                log.debug("http: %s %s -> %s (%.0f ms)", method, where, outcome, (time.perf_counter() - started) * 1000)

    def _admitted(self, method: str, where: str, landed: bool) -> None:
        """Wait until the shared budget lets the request go (``budget.Budget``): out the hold-off after a
        429, then for as long as the window's quota is taken, at most ``backoff_cap`` (the server then
        decides). Each wait may end with the interrupt (``stopping_on``)."""
        delay, waited = self._budget.held(), 0.0
        if delay > 0:
            self._hold_off(delay, method, where, landed)
        while (delay := self._budget.admit(force=waited >= self.backoff_cap)) > 0:
            waited += self._hold_off(delay, method, where, landed)

    def _hold_off(self, delay: float, method: str, where: str, landed: bool) -> float:
        """Wait ``delay`` for the budget and a little more: jitter only adds, so that waking threads do not
        all hit the reset instant; the seconds it waited."""
        self._notify("rate_limit", delay)
        delay += self._random.uniform(0, 0.1 * delay)
        self._wait(delay)
        self._unless_stopped(method, where, landed)
        return delay

    def _after_failure(self, method: str, where: str, exc: httpx.HTTPError, attempt: int) -> float:
        """Backoff before retrying a request that got no answer, or raise NoAnswerError."""
        why, base = failures.unreachable(exc), urlsplit(self.settings.base_url)
        if why:
            error = HostNotFoundError if why == failures.NO_SUCH_HOST else NoAnswerError
            named = proxy.variable(base.scheme) if self._http.trust_env else ""
            raise error(method, where, failures.cannot_connect(self.settings.base_url, why, named)) from exc
        refused, transient = (
            proxy.refusal(str(exc), base.scheme, base.hostname or "")
            if isinstance(exc, httpx.ProxyError)
            else ("", True)
        )
        if not transient:  # the proxy said no to CONNECT (nothing reached Mailgun): it says the same again
            raise NoAnswerError(method, where, refused) from exc
        retryable = isinstance(exc, httpx.TransportError) and failures.idempotent(method, exc)
        silent = isinstance(exc, httpx.TimeoutException)  # no answer within the timeout
        if retryable and attempt < (min(self.max_retries, TIMEOUT_RETRIES) if silent else self.max_retries):
            if silent:
                self._notify("no_answer", self.settings.timeout)
            return self._backoff(attempt)
        reason = failures.no_answer(method, exc, attempt, refused=refused, timeout=self.settings.timeout)
        raise NoAnswerError(method, where, self._redact(reason)) from exc

    def _after_error_status(
        self, method: str, where: str, response: httpx.Response, attempt: int, waiting_turn: bool = False
    ) -> float:
        """Delay before retrying an error status (0 for 429: the shared hold-off waits), or raise ApiError."""
        status = response.status_code
        if status == 429:
            with self._lock:
                self.stats.throttled += 1
            if attempt < self.max_retries or waiting_turn:
                hint = wire.server_delay(response, time.time())
                # capped: a Retry-After of hours (a daily quota, a date a wrong clock puts far ahead) would
                # hold every thread that long without a word; capped, the request is tried again, and a
                # 429 that lasts ends the command after max_retries with the server's message
                delay = min(hint if hint is not None and hint > 0 else self._backoff(attempt), self.backoff_cap)
                log.debug("http: %s %s throttled (429): all requests hold off %.2f s", method, where, delay)
                self._budget.hold(delay)
                return 0.0
        elif status in failures.RETRY_STATUSES and method in failures.IDEMPOTENT and attempt < self.max_retries:
            return self._backoff(attempt)
        message = failures.error_status(method, where, response, attempt, self._redact)
        raise ApiError(method, where, status, message, json=isinstance(wire.parse_body(response), (dict, list)))

    def _notify(self, event: str, value: float = 0.0) -> None:
        if self.observer is not None:
            self.observer(event, value)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, BACKOFF_BASE * 2.0**attempt) * self._random.uniform(0.5, 1.0)

    def hide(self, secrets: Iterable[str]) -> None:
        """Keep these values (an SMTP password, a DKIM private key) out of every message, as this client
        sends them and as a server may echo them back (an error page quoting the request's form)."""
        forms = set(self._hidden)
        for secret in secrets:
            forms |= echoed(secret)
        self._hidden = tuple(sorted(forms, key=len, reverse=True))

    def _redact(self, text: str) -> str:
        """``text`` without the key, as sent (Bearer) or as its Basic header (a proxy may echo one),
        and without what ``hide`` was given."""
        key = self.settings.api_key.reveal()
        basic = b64encode(f"api:{key}".encode()).decode()  # never short: "api:" and the key
        for form in (*self._hidden, *((key,) if len(key) >= MIN_SECRET else ()), basic, basic.rstrip("=")):
            text = text.replace(form, "***")
        return text
