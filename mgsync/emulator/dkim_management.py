"""Automatic-sender-security DKIM rotation (wire-issue12.md §3.3): ``PUT /v1/dkim_management/domains/
{name}/rotation`` and ``POST …/rotate``. The policy lives in the domain record under ``_rotation``.

Mailgun documents no way to read the policy back (no GET; §3.3, §6.4), so the emulator has none
either: the PUT answer is the only place it shows, and tests read ``rotation_of``.

UNCONFIRMED decisions: ``state`` is ``enabled`` for a verified domain with automatic sender
security and published CNAMEs, ``wait_verify`` while it awaits verification, ``disabled`` without
automatic sender security (rotate then answers the documented 400 naming that state);
``rotation_interval`` is echoed as a Go duration in hours (``120h``); an interval under 5 days is
refused with our own wording; rotating flips ``active_selector`` between ``pdk1`` and ``pdk2``.
"""

from __future__ import annotations

import re
from typing import Any

from mgsync.emulator import dnsrecords
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request, to_bool

INTERVAL_RE = re.compile(r"^(\d+)([dhm])$")
HOURS = {"d": 24.0, "h": 1.0, "m": 1 / 60}
MIN_HOURS = 5 * 24


class _Error(HttpError):
    """This service answers ``{"Reason"}`` (400) and ``{"Description"}`` (404), not ``{"message"}``."""

    def __init__(self, status: int, text: str):
        super().__init__(status, text)
        self.key = "Description" if status == 404 else "Reason"

    def body(self) -> dict[str, Any]:
        return {self.key: self.message}


def _domain(store: Store, name: str) -> dict[str, Any]:
    rec = store.domains.get(name.lower())
    if rec is None:
        raise _Error(404, "domain not found")
    return rec


def rotation_of(rec: dict[str, Any]) -> dict[str, Any]:
    """The stored policy (test helper): ``enabled``, ``interval_hours``, ``active_selector``, ``rotations``."""
    policy: dict[str, Any] = rec.setdefault(
        "_rotation", {"enabled": False, "interval_hours": None, "active_selector": "pdk1", "rotations": 0}
    )
    return policy


def state(rec: dict[str, Any]) -> str:
    if not rec.get("use_automatic_sender_security"):
        return "disabled"
    published = rec.get("_ass_published", rec.get("_dns_valid"))
    return "enabled" if rec["state"] == "active" and published else "wait_verify"


def _hours(raw: str) -> int:
    match = INTERVAL_RE.match(raw.strip())
    if match is None:
        raise _Error(400, f"invalid rotation_interval '{raw}': expected a duration like 5d or 120h")
    hours = int(int(match.group(1)) * HOURS[match.group(2)])
    if hours < MIN_HOURS:
        raise _Error(400, f"rotation_interval '{raw}' is below the minimum of 5 days")
    return hours


def put_rotation(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, req.params[0])
    raw = req.arg("rotation_enabled")
    if raw is None:
        raise _Error(400, "rotation_enabled is required")
    enabled = to_bool(raw, "rotation_enabled")
    interval = req.arg("rotation_interval")
    if interval and not enabled:
        raise _Error(400, "rotation_interval is not allowed unless also enabling DKIM rotation")
    policy = rotation_of(rec)
    policy["enabled"] = enabled
    if interval:
        policy["interval_hours"] = _hours(interval)
    return {"domain": _view(store, rec, policy)}


def rotate(store: Store, req: Request) -> dict[str, Any]:
    rec = _domain(store, req.params[0])
    current = state(rec)
    if current != "enabled":
        raise _Error(400, f"only domains in enabled can rotate their keys. Current state: {current}")
    policy = rotation_of(rec)
    policy["active_selector"] = "pdk2" if policy["active_selector"] == "pdk1" else "pdk1"
    policy["rotations"] += 1
    return {"message": "ok"}


def _view(store: Store, rec: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    """The SPEC example's shape: strings for the flags, ``type``/``identifier``/``comment`` records."""
    records = [
        {
            "name": f"{sel}._domainkey.{dnsrecords.dkim_host(rec)}",
            "type": "CNAME",
            "identifier": "DKIM",
            "value": dnsrecords.ass_target(rec, store.region, sel),
            "comment": "Customer DKIM CNAME Record",
        }
        for sel in dnsrecords.ASS_SELECTORS
    ]
    hours = policy["interval_hours"]
    return {
        "id": rec["id"],
        "account_id": store.account_id or "000000000000000000000001",
        "sid": rec["id"][-6:],
        "name": rec["name"],
        "state": state(rec),
        "active_selector": policy["active_selector"],
        "rotation_enabled": "true" if policy["enabled"] else "false",
        "rotation_interval": f"{hours}h" if hours else "",
        "records": records,
    }


ENDPOINTS = (
    Endpoint("PUT", "/v1/dkim_management/domains/{name}/rotation", put_rotation, GO),
    Endpoint("POST", "/v1/dkim_management/domains/{name}/rotate", rotate, GO),
)
