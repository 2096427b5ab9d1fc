"""DKIM key endpoints (wire-issue12.md §3.1–3.2): account-wide ``/v1/dkim/keys`` (list with filters and
opaque page tokens, create, delete) and per authority ``GET /v4/domains/{d}/keys`` and
``PUT /v4/domains/{d}/keys/{selector}/activate|deactivate``. Keys live in the domain record
(``dkimkeys``); this module owns the HTTP answers.

UNCONFIRMED decisions:
* activation does not require the key's record to be valid: a live call activated a key whose
  record was ``valid: unknown`` (VCR Feb 2025), although the reference says DNS must be valid;
* deactivating the last active key is refused like deleting it (the reference only states the
  delete rule), so a client cannot leave a domain without a signing key by either route;
* activate/deactivate of an unknown selector is 404 ``domain key not found`` (reference);
* an unknown ``signing_domain`` is 404 ``domain not found``; ``bits`` defaults to 2048 here
  (1024 for the key made with a new domain); an imported key's size comes from the PEM.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from mgsync.emulator import dkimkeys
from mgsync.emulator.domain_settings import ATOM_RE
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, qs

DEFAULT_LIMIT, MAX_LIMIT = 10, 100
LAST_ACTIVE = "cannot {verb} domain key: must have at least one active domain key"


def _domain(store: Store, name: str | None) -> dict[str, Any]:
    rec = store.domains.get((name or "").lower())
    if rec is None:
        raise HttpError(404, "domain not found")
    return rec


def _key(rec: dict[str, Any], selector: str | None) -> dict[str, Any]:
    key = dkimkeys.find(rec, selector or "")
    if key is None:
        raise HttpError(404, "domain key not found")
    return key


def _required(req: Request, name: str) -> str:
    value = req.arg(name)
    if not value:
        raise HttpError(400, f"Missing mandatory parameter: {name}")
    return value


# ---- /v1/dkim/keys -------------------------------------------------------------------------


def list_keys(store: Store, req: Request) -> dict[str, Any]:
    signing, selector = req.query.get("signing_domain"), req.query.get("selector")
    items = [
        dkimkeys.item(rec, key)
        for name, rec in sorted(store.domains.items())
        if not signing or name == signing.lower()
        for key in sorted(dkimkeys.keys(rec), key=lambda k: k["seq"])
        if not selector or key["selector"] == selector
    ]
    limit = _limit(req.query.get("limit"))
    offset = min(_offset(req.query.get("page")), len(items))
    last = max(0, (len(items) - 1) // limit * limit)

    def link(at: int) -> str:
        return req.url(
            qs(
                ("signing_domain", signing),
                ("selector", selector),
                ("limit", limit),
                ("page", base64.urlsafe_b64encode(f"offset:{at}".encode()).decode()),
            )
        )

    return {
        "items": items[offset : offset + limit],
        "paging": {
            "previous": link(max(0, offset - limit)),
            "first": link(0),
            "next": link(min(offset + limit, len(items))),
            "last": link(last),
        },
    }


def _limit(raw: str | None) -> int:
    try:
        limit = int(raw or DEFAULT_LIMIT)
    except ValueError:
        raise HttpError(400, f"Invalid limit '{raw}'") from None
    if limit > MAX_LIMIT:
        raise HttpError(400, f"Limit parameter can't be larger than {MAX_LIMIT}")
    return limit if limit > 0 else DEFAULT_LIMIT


def _offset(token: str | None) -> int:
    """The page token is opaque to clients; an unreadable one reads the first page (PYIT sends 'string')."""
    try:
        kind, _, value = base64.urlsafe_b64decode((token or "").encode()).decode().partition(":")
        return max(0, int(value)) if kind == "offset" else 0
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return 0


def create_key(store: Store, req: Request) -> dict[str, Any]:
    signing, selector = _required(req, "signing_domain"), _required(req, "selector")
    if not ATOM_RE.match(selector):
        raise HttpError(400, f"Invalid selector '{selector}': it must be a dot atom without dots")
    bits_raw = req.arg("bits") or "2048"
    if bits_raw not in ("1024", "2048"):
        raise HttpError(400, f"Invalid bits '{bits_raw}'. It can be any of: 1024, 2048")
    pem = req.files["pem"].decode("utf-8", "replace") if "pem" in req.files else req.arg("pem")
    public, bits = dkimkeys.public_from_pem(pem) if pem else (None, int(bits_raw))
    rec = _domain(store, signing)
    if dkimkeys.find(rec, selector) is not None:
        raise HttpError(400, "failed to create domain key: duplicate key")
    return dkimkeys.item(rec, dkimkeys.add(rec, selector, bits, public, store.next_seq()))


def delete_key(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, _required(req, "signing_domain"))
    key = _key(rec, _required(req, "selector"))
    if key["active"] and dkimkeys.active_count(rec) == 1:
        raise HttpError(400, LAST_ACTIVE.format(verb="delete"))
    dkimkeys.keys(rec).remove(key)
    return {"message": "success"}


# ---- /v4/domains/{authority}/keys ----------------------------------------------------------


def authority_keys(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, req.params[0])
    return {"items": [dkimkeys.item(rec, key) for key in dkimkeys.keys(rec)]}


def activate(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, req.params[0])
    key = _key(rec, req.params[1])
    key["active"] = True
    return {"message": "domain key activated"}


def deactivate(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, req.params[0])
    key = _key(rec, req.params[1])
    if key["active"] and dkimkeys.active_count(rec) == 1:
        raise HttpError(400, LAST_ACTIVE.format(verb="deactivate"))
    key["active"] = False
    return {"message": "domain key deactivated"}


ENDPOINTS = (
    Endpoint("GET", "/v1/dkim/keys", list_keys, GO),
    Endpoint("POST", "/v1/dkim/keys", create_key, GO),
    Endpoint("DELETE", "/v1/dkim/keys", delete_key, GO),
    Endpoint("GET", "/v4/domains/{authority}/keys", authority_keys, GO),
    Endpoint("PUT", "/v4/domains/{authority}/keys/{selector}/activate", activate, GO),
    Endpoint("PUT", "/v4/domains/{authority}/keys/{selector}/deactivate", deactivate, GO),
)
