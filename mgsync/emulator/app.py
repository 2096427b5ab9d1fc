"""The emulator's single entry point: ``Emulator.handle(method, target, headers, body)``.

Owns routing and dispatch, authentication (Basic ``api:KEY`` and the Maton Bearer gateway under
``/mailgun``, mailgun-api.md §1.2/§15), which account a request acts on (``X-Mailgun-On-Behalf-Of``
names a subaccount, mailgun-api.md §16), rate-limit headers, fault injection, the request log and
persistence after writes. Endpoint semantics live in the family modules; transports live apart.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

# One line per endpoint family, here and in FAMILIES, so adding a family is a line each.
from mgsync.emulator import (
    account_templates,
    account_webhooks,
    credentials,
    dkim,
    dkim_management,
    dmarc,
    domains,
    forwards,
    lists,
    members,
    routes,
    subaccounts,
    suppressions,
    templates,
    tracking,
    webhooks,
    x509,
)
from mgsync.emulator.faults import DropConnection, Faults, Rule
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, MultiDict, Request, parse_body, render
from mgsync.errors import file_type

Response = tuple[int, list[tuple[str, str]], bytes]
log = logging.getLogger(__name__)

FAMILIES: tuple[tuple[Endpoint, ...], ...] = (
    domains.ENDPOINTS,
    tracking.ENDPOINTS,
    webhooks.ENDPOINTS,
    credentials.ENDPOINTS,
    routes.ENDPOINTS,
    lists.ENDPOINTS,
    members.ENDPOINTS,
    templates.ENDPOINTS,
    suppressions.ENDPOINTS,
    subaccounts.ENDPOINTS,
    dkim.ENDPOINTS,
    dkim_management.ENDPOINTS,
    x509.ENDPOINTS,
    dmarc.ENDPOINTS,
    account_webhooks.ENDPOINTS,
    account_templates.ENDPOINTS,
    forwards.ENDPOINTS,
)
MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
GATEWAY_PREFIX = "/mailgun"
ON_BEHALF_OF = "x-mailgun-on-behalf-of"

# Werkzeug's page, as the real API answers unknown paths (mailgun-api.md §1.4).
NOT_FOUND_HTML = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n'
    b"<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL "
    b"manually please check your spelling and try again.</p>\n"
)
METHOD_NOT_ALLOWED_HTML = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>405 Method Not Allowed</title>\n'
    b"<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n"
)
BAD_GATEWAY_HTML = b"<html>\r\n<head><title>%d Error</title></head>\r\n<body>\r\n<center><h1>%d Error</h1></center>\r\n</body>\r\n</html>\r\n"


@dataclass(frozen=True)
class LogEntry:
    method: str
    path: str  # percent-decoded, without query and without the gateway prefix
    query: str
    status: int  # 0 when the connection was dropped
    account: str | None = None  # the X-Mailgun-On-Behalf-Of header as sent (None: the parent account)


class Router:
    """Matches decoded path segments against endpoint patterns; more literal segments win."""

    def __init__(self, endpoints: Iterable[Endpoint]):
        self._by_len: dict[int, list[tuple[tuple[tuple[int, str], ...], Endpoint]]] = {}
        for ep in endpoints:
            parts = ep.pattern.strip("/").split("/")
            literals = tuple((i, p) for i, p in enumerate(parts) if not p.startswith("{"))
            self._by_len.setdefault(len(parts), []).append((literals, ep))
        for candidates in self._by_len.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def match(self, method: str, segments: Sequence[str]) -> tuple[Endpoint, tuple[str, ...]] | bool:
        """(endpoint, params); else True if the path exists for another method, False if unknown."""
        other_method = False
        for literals, ep in self._by_len.get(len(segments), ()):
            if all(segments[i] == lit for i, lit in literals):
                if ep.method != method:
                    other_method = True
                    continue
                fixed = {i for i, _ in literals}
                return ep, tuple(s for i, s in enumerate(segments) if i not in fixed)
        return other_method


class Emulator:
    """An in-memory Mailgun account. Thread-safe: one lock around state; latency sleeps outside it.

    Public: ``handle()``, ``transport()`` / ``async_transport()``, ``store`` (state + seeding helpers),
    ``faults`` (see ``faults.py``), ``log`` (one ``LogEntry`` per request), ``requests_count()``,
    ``save()`` / ``load()``. With ``state_file`` the state loads on start and is saved after every
    successful write request (seeding through ``store`` is not saved until ``save()``). With
    ``sandbox`` (the CLI's emulator), a new account (no state file yet) has its sandbox domain, as
    each new Mailgun account does (``domains.SANDBOX``); tests seed their accounts from nothing.
    """

    def __init__(
        self,
        api_key: str = "test",
        state_file: Path | str | None = None,
        gateway_key: str | None = None,
        gateway_connections: Iterable[str] = (),
        region: str = "us",
        clock: Callable[[], float] = time.time,
        sandbox: bool = False,
    ):
        self.api_key, self.gateway_key, self.region = api_key, gateway_key, region
        self.gateway_connections = tuple(gateway_connections)
        self.state_file = Path(state_file) if state_file is not None else None
        self.store = Store(region=region, clock=clock)
        self.faults = Faults()
        self.log: list[LogEntry] = []
        self._lock = threading.RLock()
        self._router = Router(ep for family in FAMILIES for ep in family)
        self._basic = "Basic " + base64.b64encode(f"api:{api_key}".encode()).decode()
        self._window_start, self._window_count = 0.0, 0
        # a path the system will not look at (a name too long) is not absent: loading it says why
        if self.state_file is not None and file_type(self.state_file) != (0, None):
            self.store.load(self.state_file)
        elif sandbox:  # a new account (``sandbox``: as the CLI makes one): Mailgun gives it a sandbox domain
            from mgsync.emulator.domains import add_sandbox

            add_sandbox(self.store)

    @classmethod
    def load(cls, state_file: Path | str, **kwargs: Any) -> Emulator:
        return cls(state_file=state_file, **kwargs)

    def save(self, path: Path | str | None = None) -> None:
        target = Path(path) if path is not None else self.state_file
        if target is None:
            raise ValueError("Emulator.save: no state_file configured and no path given")
        with self._lock:
            self.store.save(target)

    def transport(self) -> httpx.BaseTransport:
        from mgsync.emulator.transport import EmulatorTransport

        return EmulatorTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        from mgsync.emulator.transport import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    def requests_count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        return sum(
            1
            for e in list(self.log)
            if (method is None or e.method == method.upper())
            and (path_prefix is None or e.path.startswith(path_prefix))
        )

    # ---- the entry point ------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request. Raises ``DropConnection`` when a fault says to drop the connection."""
        if self.faults.latency > 0:
            time.sleep(self.faults.latency)
        method = method.upper()
        raw_path, _, query = target.partition("?")
        h = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            path = unquote(raw_path)
            gateway = raw_path == GATEWAY_PREFIX or raw_path.startswith(GATEWAY_PREFIX + "/")
            if gateway:
                raw_path = raw_path[len(GATEWAY_PREFIX) :] or "/"
                path = path[len(GATEWAY_PREFIX) :] or "/"
            status, out_headers, out_body = self._respond(method, raw_path, path, query, h, body, gateway)
            self.log.append(LogEntry(method, path, query, status, h.get(ON_BEHALF_OF)))
            if status != 429:
                present = {name.lower() for name, _ in out_headers}  # an endpoint's own limit wins (verify)
                out_headers = out_headers + [hv for hv in self._quota_headers() if hv[0].lower() not in present]
            return status, out_headers, out_body

    def _respond(
        self, method: str, raw_path: str, path: str, query: str, h: dict[str, str], body: bytes, gateway: bool
    ) -> Response:
        denied = self._check_auth(h, gateway)
        if denied is not None:
            return denied
        store = self.store.account(h.get(ON_BEHALF_OF))
        if store is None:
            return _unknown_subaccount(h[ON_BEHALF_OF])
        if self.faults.should_throttle() or self._quota_spent():
            return self._too_many()
        segments = [unquote(s) for s in raw_path[1:].split("/")]  # a trailing slash is a 404, as live
        found = self._router.match(method, segments) if all(segments) else False
        if isinstance(found, bool):
            page = METHOD_NOT_ALLOWED_HTML if found else NOT_FOUND_HTML
            return (405 if found else 404), [("Content-Type", "text/html; charset=utf-8")], page
        ep, params = found
        entry = LogEntry(method, path, query, 0, h.get(ON_BEHALF_OF))
        self._drop(self.faults.take("drop_connection", method, path), entry, False)
        rule = self.faults.take("fail_before_commit", method, path)
        if rule is not None:
            return (
                (rule.status, [("Content-Type", rule.content_type)], rule.body)
                if rule.body
                else _server_error(rule.status)
            )
        result = self._dispatch(ep, store, method, path, params, query, h, body, gateway)
        hook = self.faults.take("after_answer", method, path)
        if hook is not None and hook.action is not None:
            hook.action()
        if method in MUTATING and result[0] < 300 and self.state_file is not None:
            self.store.save(self.state_file)
        self._drop(self.faults.take("drop_connection", method, path, after_commit=True), entry, True)
        rule = self.faults.take("fail_after_commit", method, path)
        if rule is not None:
            return _server_error(rule.status)
        rule = self.faults.take("replace_body", method, path)
        return (rule.status, [("Content-Type", rule.content_type)], rule.body) if rule is not None else result

    def _drop(self, rule: Rule | None, entry: LogEntry, committed: bool) -> None:
        if rule is not None:
            self.log.append(entry)
            raise DropConnection(committed)

    def _dispatch(
        self,
        ep: Endpoint,
        store: Store,
        method: str,
        path: str,
        params: tuple[str, ...],
        query: str,
        h: dict[str, str],
        body: bytes,
        gateway: bool,
    ) -> Response:
        scheme = h.get("x-forwarded-proto", "http")
        base = f"{scheme}://{h.get('host', 'localhost')}{GATEWAY_PREFIX if gateway else ''}"
        try:
            form, data, files = parse_body(h.get("content-type", ""), body)
            req = Request(
                method, path, params, MultiDict(parse_qsl(query, keep_blank_values=True)), form, data, base, files
            )
            result = ep.handler(store, req)
        except HttpError as err:
            return render(ep.style, err.status, err.body())
        except Exception:  # an emulator bug: answer like a server would, keep the traceback in the log
            log.exception("emulator: %s %s failed", method, path)
            return render(ep.style, 500, {"message": "Internal Server Error"})
        if isinstance(result, tuple):  # (status, body) or (status, body, extra headers)
            status, headers, payload = render(ep.style, result[0], result[1])
            return status, headers + list(result[2] if len(result) > 2 else ()), payload
        return render(ep.style, 200, result)

    # ---- auth and rate limits -------------------------------------------------------------

    def _check_auth(self, h: dict[str, str], gateway: bool) -> Response | None:
        auth = h.get("authorization", "")
        if gateway:
            if self.gateway_key is None or auth != f"Bearer {self.gateway_key}":
                return render(GO, 401, {"message": "Invalid or missing gateway API key"})
            conn = h.get("maton-connection")
            if len(self.gateway_connections) > 1 and conn is None:
                return render(
                    GO, 400, {"message": "Several Mailgun connections exist: send the Maton-Connection header"}
                )
            if conn is not None and self.gateway_connections and conn not in self.gateway_connections:
                return render(GO, 400, {"message": f"No Mailgun connection with id {conn}"})
            return None
        if auth == self._basic or _basic_matches(auth, self.api_key):
            return None
        return (
            401,
            [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Basic realm="MG API"')],
            b"Forbidden",
        )

    def _roll_window(self) -> float:
        now = time.time()
        if now - self._window_start >= self.faults.quota_window:
            self._window_start, self._window_count = now, 0
        return now

    def _quota_spent(self) -> bool:
        self._roll_window()
        self._window_count += 1
        return self.faults.enforce_quota and self._window_count > self.faults.quota_limit

    def _quota_headers(self) -> list[tuple[str, str]]:
        reset_ms = int((self._window_start + self.faults.quota_window) * 1000)
        remaining = max(0, self.faults.quota_limit - self._window_count)
        return [
            ("X-Request-Limit", str(self.faults.quota_limit)),
            ("X-Request-Remaining", str(remaining)),
            ("X-Request-Reset", str(reset_ms)),
        ]

    def _too_many(self) -> Response:
        """429 with reset headers (mailgun-api.md §1.5); Retry-After is our extension, in whole seconds."""
        now = time.time()
        reset = now + self.faults.reset_after
        if self.faults.enforce_quota and self._window_count > self.faults.quota_limit:
            reset = self._window_start + self.faults.quota_window
        status, headers, body = render(GO, 429, {"message": "Too Many Requests"})
        headers += [
            ("Retry-After", str(max(0, math.ceil(reset - now)))),
            ("X-Request-Limit", str(self.faults.quota_limit)),
            ("X-Request-Remaining", "0"),
            ("X-Request-Reset", str(int(reset * 1000))),
        ]
        return status, headers, body


def _basic_matches(auth: str, api_key: str) -> bool:
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(token.strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return user == "api" and password == api_key


def _unknown_subaccount(account_id: str) -> Response:
    # UNCONFIRMED: Mailgun documents no answer for an id that is not one of the key's subaccounts;
    # 403 with a message naming the header is the most plausible and tells the user what to fix.
    message = f"Forbidden: X-Mailgun-On-Behalf-Of names no subaccount of this account ({account_id})"
    return render(GO, 403, {"message": message})


def _server_error(status: int) -> Response:
    """An injected failure: a load balancer's HTML page for 502-504, else a JSON message."""
    if status in (502, 503, 504):
        return status, [("Content-Type", "text/html")], BAD_GATEWAY_HTML % (status, status)
    return render(GO, status, {"message": HTTPStatus(status).phrase})
