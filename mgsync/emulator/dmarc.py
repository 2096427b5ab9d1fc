"""Mailgun Optimize's DMARC record suggestion (wire-issue12.md §5): ``GET /v1/dmarc/records/{domain}``
→ ``{"entry", "current", "configured"}``.

``entry`` is the TXT value Mailgun suggests for ``_dmarc.<domain>`` (reporting addresses derived from
the domain name, shaped like published suggestions); ``current`` is what DNS holds, which the
emulator takes to be ``entry`` once the domain's records are published (``Store.mark_dns_valid``)
and ``""`` before; ``configured`` says whether they match. DMARC is never part of the domain's
DNS records or of verification.

UNCONFIRMED decisions: ``current`` is ``""`` when nothing is published; an unknown domain is 404
``{"message":"domain not found"}``; an account without Optimize (``set_available(rec, False)``)
answers 403 — live plain accounts get some 4xx (the SDK's live test accepts 400/401/403/404).
"""

from __future__ import annotations

import hashlib
from typing import Any

from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request


def suggested(name: str) -> str:
    tag = hashlib.sha256(name.encode()).hexdigest()[:8]
    mailto = f"mailto:{tag}@dmarc.mailgun.org,mailto:{tag}@inbox.ondmarc.com"
    return f"v=DMARC1; p=none; pct=100; fo=1; ri=3600; rua={mailto}; ruf={mailto};"


def set_available(rec: dict[str, Any], available: bool) -> None:
    """Test hook: whether Mailgun Optimize answers for this domain's account."""
    rec["_dmarc_available"] = available


def get_records(store: Store, req: Request) -> dict[str, Any]:
    rec = store.domains.get(req.params[0].lower())
    if rec is None:
        raise HttpError(404, "domain not found")
    if not rec.get("_dmarc_available", True):
        raise HttpError(403, "Mailgun Optimize is not enabled for this account")
    entry = suggested(rec["name"])
    current = entry if rec.get("_dns_valid") else ""
    return {"entry": entry, "current": current, "configured": current == entry}


ENDPOINTS = (Endpoint("GET", "/v1/dmarc/records/{domain}", get_records, GO),)
