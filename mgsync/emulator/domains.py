"""Domains: ``/v4/domains`` (list/get/create/update/verify), legacy ``/v3/domains`` (get/create/update/
delete) and the v3 connection / dkim / web-prefix settings (mailgun-api.md §2).

Deleting a domain removes everything scoped to it (the store owns that rule). Create accepts a bare
``smtp_password`` as Mailgun does (recorded: mailgun-ruby ``vcr_cassettes/domains.yml``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from mgsync.emulator import dkimkeys, dnsrecords, domain_settings, records
from mgsync.emulator.paging import skip_limit_page
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, to_bool

NAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
# PUT /v4/domains/{d}/verify is rate-limited: live headers X-Request-Limit 10 with a reset ~1 s
# ahead (wire-issue12.md §2). UNCONFIRMED: the window length and that it counts per domain.
VERIFY_LIMIT, VERIFY_WINDOW = 10, 1.0


# The sandbox domain Mailgun gives each new account, "sandbox<uniq-alpha-numeric-string>.mailgun.org"
# (user manual, "Sandbox Domain"): active, "type": "sandbox" in the listing (mailgun-ruby
# vcr_cassettes/domains.yml, GET /v4/domains: sandbox61429c204b744e7fbbb7375ac93ad3d7.mailgun.org).
# The emulator's is the same shape with a fixed name, so that every new account gets the same one.
SANDBOX = "sandbox5e7a1d0c9b3f4a6e8d2c7b1a0f9e8d7c.mailgun.org"


def add_sandbox(store: Store) -> None:
    """Give a new account its sandbox domain, as Mailgun does."""
    store.add_domain(SANDBOX, state="active", type="sandbox")


def find_domain(store: Store, name: str, message: str = "Domain not found") -> dict[str, Any]:
    """The domain record, or the 404 each family spells its own way (mailgun-api.md §10)."""
    rec = store.domains.get(name.lower())
    if rec is None:
        raise HttpError(404, message)
    return rec


def _view(
    store: Store,
    rec: dict[str, Any],
    message: str | None = None,
    req: Request | None = None,
    sending_first: bool = False,
) -> dict[str, Any]:
    """The domain with its DNS records; verify lists sending before receiving, as live (wire-issue12.md §2)."""
    extended = req is not None and to_bool(req.query.get("h:extended") or "false", "h:extended")
    with_dns = req is None or to_bool(req.query.get("h:with_dns") or "true", "h:with_dns")
    receiving, sending = records.dns_records(rec, store.region) if with_dns else (None, None)
    out: dict[str, Any] = {"message": message} if message else {}
    out["domain"] = domain_settings.domain_object(rec, records.public(rec), extended, dnsrecords.dkim_host(rec))
    if sending_first:
        out.update(sending_dns_records=sending, receiving_dns_records=receiving)
    else:
        out.update(receiving_dns_records=receiving, sending_dns_records=sending)
    return out


def _password(value: str | None) -> str | None:
    if value is not None and not 5 <= len(value) <= 32:
        raise HttpError(400, "Password is too short. It must be between 5 and 32 characters.")
    return value


def list_domains(store: Store, req: Request) -> dict[str, Any]:
    items = list(store.domains.values())
    if state := req.query.get("state"):
        items = [d for d in items if d["state"] == state]
    if search := req.query.get("search"):
        items = [d for d in items if search.lower() in d["name"]]
    sort = req.query.get("sort") or ""
    if sort in ("name", "name:asc", "name:desc"):
        items.sort(key=lambda d: d["name"], reverse=sort == "name:desc")
    else:  # default: newest first
        items.sort(key=lambda d: d["_seq"], reverse=True)
    page = skip_limit_page(items, req)
    page["items"] = [records.public(d) for d in page["items"]]
    return page


def _create(store: Store, req: Request, message: str) -> dict[str, Any]:
    name = (req.arg("name") or "").strip().lower()
    if not name:
        raise HttpError(400, "Missing mandatory parameter: name")
    if not NAME_RE.match(name):
        raise HttpError(400, f"'{name}' is not a valid domain name")
    if name in store.domains:
        raise HttpError(400, "This domain name is already taken")
    # A bare `smtp_password` (sent empty) is no password: live Mailgun creates the domain (200) with its
    # generated postmaster login (mailgun-ruby vcr_cassettes/domains.yml, POST /v4/domains, Feb 2025).
    password = _password(req.arg("smtp_password") or None)
    settings = domain_settings.create_settings(req, name)
    rec = store.create_domain(name, "unverified", settings, password)
    return _view(store, rec, message)


def create_v4(store: Store, req: Request) -> dict[str, Any]:
    return _create(store, req, "Domain DNS records have been created")


def create_v3(store: Store, req: Request) -> dict[str, Any]:
    # The legacy docs said "Domain has been created"; Mailgun's own live integration test of this
    # endpoint asserts the v4 wording (mailgun-python @4cf0a676 tests/integration, test_post_domain).
    return _create(store, req, "Domain DNS records have been created")


def get_domain(store: Store, req: Request) -> dict[str, Any]:
    return _view(store, find_domain(store, req.params[0]), req=req)


def update_domain(store: Store, req: Request) -> dict[str, Any]:
    """Updatable settings change in place; create-only fields are ignored (see ``domain_settings``)."""
    rec = find_domain(store, req.params[0])
    password = _password(req.arg("smtp_password"))
    settings = domain_settings.update_settings(req) | domain_settings.update_private(req)
    if settings.get("use_automatic_sender_security") and not rec["use_automatic_sender_security"]:
        rec["_ass_published"] = False  # the new CNAMEs are not in DNS yet: "must be reverified"
    rec.update(settings)
    if password is not None:
        login = rec["smtp_login"] or f"postmaster@{rec['name']}"
        store.credentials[rec["name"]].put(login, records.credential(store.clock(), login, password))
    return _view(store, rec, "Domain has been updated")


def verify_domain(store: Store, req: Request) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """Re-check DNS: the domain turns active, and its first published key signs, only when the
    test hook says the records are published (``Store.mark_dns_valid``)."""
    rec = find_domain(store, req.params[0])
    remaining, reset = _verify_quota(store, rec)
    headers = [
        ("X-Request-Limit", str(VERIFY_LIMIT)),
        ("X-Request-Remaining", str(max(remaining, 0))),
        ("X-Request-Reset", str(int(reset * 1000))),
    ]
    if remaining < 0:
        retry = max(0, math.ceil(reset - store.clock()))
        return 429, {"message": "Too Many Requests"}, [*headers, ("Retry-After", str(retry))]
    if rec.get("_dns_valid") and rec["state"] == "unverified":
        rec["state"] = "active"
    if rec["state"] == "active" and not dkimkeys.active_count(rec):
        first = next((k for k in dkimkeys.keys(rec) if k["published"]), None)
        if first is not None:
            first["active"] = True
    return 200, _view(store, rec, "Domain DNS records have been updated", sending_first=True), headers


def _verify_quota(store: Store, rec: dict[str, Any]) -> tuple[int, float]:
    """(requests left in this window after this one, window reset as epoch seconds); -1 = over."""
    now = store.clock()
    start, count = rec.get("_verify_window") or (0.0, 0)
    if now - start >= VERIFY_WINDOW:
        start, count = now, 0
    count += 1
    rec["_verify_window"] = [start, count]
    return VERIFY_LIMIT - count, start + VERIFY_WINDOW


def delete_domain(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    store.delete_domain(rec["name"])
    return {"message": "Domain will be deleted in the background"}


def get_connection(store: Store, req: Request) -> dict[str, Any]:
    # Flat, as recorded live (mailgun-ruby @0cd4c77 vcr_cassettes/domains.yml, 24 Feb 2025). mailgun-go's
    # mtypes.DomainConnectionResponse wraps it in "connection", but that is only ever exercised against
    # its own mock server, like the legacy docs' and PHP fixtures' older shape: the recording wins.
    # mgsync itself never reads this endpoint (require_tls/skip_verification come with GET /v4/domains).
    rec = find_domain(store, req.params[0])
    return {"require_tls": rec["require_tls"], "skip_verification": rec["skip_verification"]}


def put_connection(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    for name in ("require_tls", "skip_verification"):
        if (value := req.arg(name)) is not None:
            rec[name] = to_bool(value, name)
    return {
        "message": "Domain connection settings have been updated, may take 10 minutes to fully propagate",
        "require_tls": rec["require_tls"],
        "skip_verification": rec["skip_verification"],
    }


def put_dkim_authority(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    _, sending = records.dns_records(rec, store.region)
    return {"message": "Domain DKIM authority has not been changed", "sending_dns_records": sending, "changed": False}


def put_dkim_selector(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    selector = req.arg("dkim_selector")
    if not selector:
        raise HttpError(400, "Missing mandatory parameter: dkim_selector")
    current = dkimkeys.find(rec, rec.get("_dkim_selector", "smtp"))
    if current is not None and selector != current["selector"]:
        if dkimkeys.find(rec, selector) is not None:
            raise HttpError(400, "failed to create domain key: duplicate key")
        current["selector"] = selector
    rec["_dkim_selector"] = selector
    return {"message": "DKIM selector changed"}


def put_web_prefix(store: Store, req: Request) -> dict[str, Any]:
    rec = find_domain(store, req.params[0])
    prefix = req.arg("web_prefix")
    if not prefix:
        raise HttpError(400, "Missing mandatory parameter: web_prefix")
    rec["web_prefix"] = domain_settings.web_prefix(prefix)
    return {"message": "Domain web prefix updated"}


ENDPOINTS = (
    Endpoint("GET", "/v4/domains", list_domains, GO),
    Endpoint("POST", "/v4/domains", create_v4, GO),
    Endpoint("GET", "/v4/domains/{name}", get_domain, GO),
    Endpoint("PUT", "/v4/domains/{name}", update_domain, GO),
    Endpoint("PUT", "/v4/domains/{name}/verify", verify_domain, GO),
    Endpoint("GET", "/v3/domains", list_domains, GO),
    Endpoint("POST", "/v3/domains", create_v3, GO),
    Endpoint("GET", "/v3/domains/{name}", get_domain, GO),
    Endpoint("PUT", "/v3/domains/{name}", update_domain, GO),
    Endpoint("DELETE", "/v3/domains/{name}", delete_domain, GO),
    Endpoint("PUT", "/v3/domains/{name}/verify", verify_domain, GO),
    Endpoint("GET", "/v3/domains/{name}/connection", get_connection, GO),
    Endpoint("PUT", "/v3/domains/{name}/connection", put_connection, GO),
    Endpoint("PUT", "/v3/domains/{name}/dkim_authority", put_dkim_authority, GO),
    Endpoint("PUT", "/v3/domains/{name}/dkim_selector", put_dkim_selector, GO),
    Endpoint("PUT", "/v3/domains/{name}/web_prefix", put_web_prefix, GO),
)
