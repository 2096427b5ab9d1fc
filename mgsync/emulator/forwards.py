"""Forwards (``/v3/forwards``, wire-issue11.md §3): rules matching an inbound recipient with a
case-insensitive ``*`` wildcard pattern and forwarding to e-mail recipients, URLs and/or a store
notification URL. State: ``store.family("forwards")`` (table ``rules``; switches in its settings).

No recorded traffic exists: shapes follow Mailgun's API reference and a third-party fixture; every
choice beyond them is marked UNCONFIRMED. Fields are read from the query string and the body alike
(the reference lists query parameters, its curl example sends form fields); repeated keys keep order.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mgsync.emulator import records
from mgsync.emulator.paging import limit_arg
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, fmt_date, qs

FAMILY = "forwards"
MAX_RECIPIENTS, MAX_URLS = 5, 3
NOT_FOUND = "Forward rule not found"  # UNCONFIRMED text
# Settings switches: "allow_duplicate_match" (see _check_unique), "disabled" (the live 400 below).
FEATURE_DISABLED = "this feature is disabled for the account"  # live text (wire-issue11.md §3.2)

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")  # e-mail local-part characters; * is the wildcard
_HOST = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_EMAIL = re.compile(r"[^@\s]+@" + _HOST.pattern)


def _rules(store: Store) -> Table:
    """The account's rules, without those whose domain is gone: a rule lives and dies with its domain
    (UNCONFIRMED; routes' sibling). Purged lazily so ``store`` need not know this family."""
    table = store.family(FAMILY).table("rules")
    for rule_id in [
        k for k, r in table.rows.items() if store.domains.get(r["domain_name"], {}).get("id") != r["domain_id"]
    ]:
        table.pop(rule_id)
    return table


def _ordered(store: Store, domain: str | None = None) -> list[dict[str, Any]]:
    # UNCONFIRMED: list order is not documented; creation order is the natural one.
    rows = sorted(_rules(store).rows.values(), key=lambda r: r["_seq"])
    return [r for r in rows if domain is None or r["domain_name"] == domain.lower()]


def _find(store: Store, rule_id: str) -> dict[str, Any]:
    rec = _rules(store).get(rule_id)
    if rec is None:
        raise HttpError(404, NOT_FOUND)
    return rec


def _values(req: Request, key: str) -> list[str] | None:
    """All values of ``key`` from query then body; None if absent. Given only empty, it clears the list
    on PUT (UNCONFIRMED: how Mailgun clears a list is not documented)."""
    values = req.query.getall(key) + req.form.getall(key)
    if not values:
        return None
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _match(store: Store, raw: str) -> tuple[str, dict[str, Any]]:
    """The pattern and its domain's record. UNCONFIRMED: the domain is the part after ``@``, literal
    (no wildcard) and on the account; anything else is a 400 (the reference documents only 400)."""
    local, at, host = raw.strip().rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or not _HOST.fullmatch(host):
        raise HttpError(
            400,
            f"Invalid match '{raw}': expected local@domain with * as the only wildcard, and no wildcard in the domain",
        )
    domain = store.domains.get(host.lower())
    if domain is None:
        raise HttpError(400, f"Domain not found: {host.lower()}")
    return raw.strip(), domain


def _check_unique(store: Store, match: str, self_id: str | None) -> None:
    """UNCONFIRMED: Mailgun does not say whether ``match`` is unique. We refuse a second rule with the
    same pattern (case-insensitive, as matching is): one rule already carries every destination (5
    recipients, 3 URLs, a store), the service is built to look rules up at scale, and no precedence
    between rules is documented, so two rules for one pattern would be ambiguous. mgsync keys forwards
    by ``match`` for the same reason. ``settings["allow_duplicate_match"]`` switches the check off;
    ``add_forward`` seeds duplicates regardless (as found live, should Mailgun accept them)."""
    if store.family(FAMILY).settings.get("allow_duplicate_match"):
        return
    if any(r["match"].lower() == match.lower() and r["id"] != self_id for r in _rules(store).rows.values()):
        raise HttpError(400, f"A forward rule with match '{match}' already exists")


def _recipients(values: list[str]) -> list[str]:
    if len(values) > MAX_RECIPIENTS:
        raise HttpError(400, f"Too many forward.recipient values: at most {MAX_RECIPIENTS} are allowed")
    for value in values:
        if not _EMAIL.fullmatch(value):
            raise HttpError(400, f"Invalid forward.recipient '{value}': not a valid e-mail address")
    return values


def _url(value: str, name: str) -> str:
    # "Must be a valid URL that resolves": the emulator checks the form only, it never resolves hosts.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(400, f"Invalid {name} '{value}': not a valid http(s) URL")
    return value


def _urls(values: list[str]) -> list[str]:
    if len(values) > MAX_URLS:
        raise HttpError(400, f"Too many forward.url values: at most {MAX_URLS} are allowed")
    return [_url(v, "forward.url") for v in values]


def _destinations(req: Request, current: dict[str, Any]) -> dict[str, Any]:
    """The ``forward`` object after applying the request's fields to ``current`` (empty on create)."""
    out = {"urls": list(current.get("urls", [])), "recipients": list(current.get("recipients", []))}
    if (urls := _values(req, "forward.url")) is not None:
        out["urls"] = _urls(urls)
    if (recipients := _values(req, "forward.recipient")) is not None:
        out["recipients"] = _recipients(recipients)
    store_url = current.get("store")
    if (given := _values(req, "forward.store")) is not None:
        store_url = _url(given[0], "forward.store") if given else None
    if not (out["urls"] or out["recipients"] or store_url):
        # UNCONFIRMED: the reference marks all three "required"; its examples send only one kind.
        raise HttpError(400, "At least one of forward.recipient, forward.url or forward.store is required")
    # forward.urls is always present (required in the response schema); the others only when set.
    return {
        "urls": out["urls"],
        **({"recipients": out["recipients"]} if out["recipients"] else {}),
        **({"store": store_url} if store_url else {}),
    }


def _account_id(store: Store) -> str:
    if store.account_id is not None:
        return store.account_id
    settings = store.family(FAMILY).settings  # the parent account has no id of its own in the store
    account_id: str = settings.setdefault("account_id", store.object_id(store.clock(), 0))
    return account_id


def _now(store: Store) -> str:
    # UNCONFIRMED: the date spelling (RFC 1123 with "UTC") comes from a fixture; templates spell it so.
    return fmt_date(store.clock(), "templates")


def add_forward(
    store: Store, match: str, recipients: Iterable[str] = (), urls: Iterable[str] = (), store_url: str | None = None
) -> dict[str, Any]:
    """Seeding helper (no validation, duplicates allowed): the rule as the API shows it."""
    domain = store.domains[match.rpartition("@")[2].lower()]
    seq, now = store.next_seq(), _now(store)
    forward: dict[str, Any] = {"urls": list(urls)}
    if recipients := list(recipients):
        forward["recipients"] = recipients
    if store_url:
        forward["store"] = store_url
    rec = {
        "id": store.object_id(store.clock(), seq),
        "account_id": _account_id(store),
        "domain_name": domain["name"],
        "domain_id": domain["id"],
        "match": match,
        "forward": forward,
        "created_at": now,
        "updated_at": now,
        "_seq": seq,
    }
    _rules(store).put(rec["id"], rec)
    return records.public(rec)


def _enabled(store: Store) -> None:
    if store.family(FAMILY).settings.get("disabled"):
        raise HttpError(400, FEATURE_DISABLED)


# ---- paging: opaque ``page`` tokens (UNCONFIRMED encoding; clients follow the links verbatim) ----


def _token(direction: str, seq: int = 0) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{seq}".encode()).decode().rstrip("=")


def _window(rows: list[dict[str, Any]], token: str | None, limit: int) -> list[dict[str, Any]]:
    if not token:
        return rows[:limit]
    try:
        direction, _, seq_text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(":")
        seq = int(seq_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HttpError(400, f"Invalid page token: {token}") from None
    if direction == "last":
        return rows[-limit:]
    if direction == "after":
        return [r for r in rows if r["_seq"] > seq][:limit]
    if direction == "before":
        return [r for r in rows if r["_seq"] < seq][-limit:]
    raise HttpError(400, f"Invalid page token: {token}")


def _paging(req: Request, page: list[dict[str, Any]], limit: int, domain: str | None) -> dict[str, str]:
    """Absolute links; on an empty page ``next``/``previous`` repeat the request's token (§1.6)."""
    tail = (("limit", limit), ("domain.name", domain))
    here = req.query.get("page") or None

    def link(token: str | None) -> str:
        return req.url(qs(("page", token), *tail))

    return {
        "first": link(None),
        "last": link(_token("last")),
        "next": link(_token("after", page[-1]["_seq"]) if page else here),
        "previous": link(_token("before", page[0]["_seq"]) if page else here),
    }


# ---- handlers ---------------------------------------------------------------------------------


def list_forwards(store: Store, req: Request) -> dict[str, Any]:
    """``domain.name`` scopes the list (an unknown domain lists nothing, UNCONFIRMED); ``limit``
    default 100, max 1000 (UNCONFIRMED, as other v3 lists)."""
    _enabled(store)
    domain, limit = req.query.get("domain.name") or None, limit_arg(req)
    page = _window(_ordered(store, domain), req.query.get("page"), limit)
    return {"items": [records.public(r) for r in page], "paging": _paging(req, page, limit, domain)}


def create_forward(store: Store, req: Request) -> dict[str, Any]:
    _enabled(store)
    raw = req.arg("match")
    if not raw or not raw.strip():
        raise HttpError(400, "Missing mandatory parameter: match")
    match, _ = _match(store, raw)
    _check_unique(store, match, None)
    forward = _destinations(req, {})
    return add_forward(store, match, forward.get("recipients", ()), forward["urls"], forward.get("store"))


def get_forward(store: Store, req: Request) -> dict[str, Any]:
    _enabled(store)
    return records.public(_find(store, req.params[0]))


def update_forward(store: Store, req: Request) -> dict[str, Any]:
    """Only the fields given change (API reference); a list given replaces that list."""
    _enabled(store)
    rec = _find(store, req.params[0])
    match, domain = rec["match"], {"name": rec["domain_name"], "id": rec["domain_id"]}
    if (raw := req.arg("match")) is not None:
        match, domain = _match(store, raw)
        _check_unique(store, match, rec["id"])
    forward = _destinations(req, rec["forward"])
    rec.update(match=match, domain_name=domain["name"], domain_id=domain["id"], forward=forward, updated_at=_now(store))
    return records.public(rec)


def delete_forward(store: Store, req: Request) -> dict[str, Any]:
    """With ``domain.name``, a rule of another domain is not found (API reference)."""
    _enabled(store)
    rec = _find(store, req.params[0])
    scope = req.query.get("domain.name")
    if scope and scope.lower() != rec["domain_name"]:
        raise HttpError(404, NOT_FOUND)
    _rules(store).pop(rec["id"])
    return {"message": "Forward rule has been deleted"}  # UNCONFIRMED text


ENDPOINTS = (
    Endpoint("GET", "/v3/forwards", list_forwards, GO),
    Endpoint("POST", "/v3/forwards", create_forward, GO),
    Endpoint("GET", "/v3/forwards/{id}", get_forward, GO),
    Endpoint("PUT", "/v3/forwards/{id}", update_forward, GO),
    Endpoint("DELETE", "/v3/forwards/{id}", delete_forward, GO),
)
