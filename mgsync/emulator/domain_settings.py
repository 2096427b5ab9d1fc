"""Domain settings as ``POST /v4/domains`` and ``PUT /v4/domains/{name}`` take them, and the domain
object as ``GET /v4/domains/{name}`` shows them (wire-issue12.md §1.1–1.2).

Owns which field is accepted where, its validation and where it is stored in the domain record:
public keys are rendered as they are; create-only placement fields live in private ``_`` keys.
Knows nothing of HTTP routing or of DNS record rendering.

UNCONFIRMED decisions (no recording shows them, see the note):
* a create-only field sent to ``PUT`` is ignored, as Mailgun's Go services ignore unknown form fields
  (a webhook ``id`` on PUT, ``tags`` on unsubscribes: mailgun-api.md §5.1, §8.2);
* ``mailfrom_host`` is not in the create schema, so ``POST`` ignores it too;
* ``archive_to`` / ``mailfrom_host`` sent empty clear the value; validation texts are ours.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from mgsync.emulator.wire import HttpError, Request, to_bool

ATOM_RE = re.compile(r"^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$")
URL_RE = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
ENUMS = {"spam_action": ("disabled", "block", "tag"), "web_scheme": ("http", "https")}
UPDATABLE_BOOLS = ("wildcard", "require_tls", "skip_verification", "use_automatic_sender_security")
CREATE_ONLY_BOOLS = {
    "encrypt_incoming_message": "encrypt_incoming_message",
    "force_dkim_authority": "_force_dkim_authority",
    "force_root_dkim_host": "_force_root_dkim_host",
}
DKIM_KEY_SIZES = ("1024", "2048")


def update_settings(req: Request) -> dict[str, Any]:
    """The updatable settings present in the request (omitted = unchanged), as record keys."""
    out: dict[str, Any] = {}
    for name in UPDATABLE_BOOLS:
        if (value := req.arg(name)) is not None:
            out[name] = to_bool(value, name)
    for name, allowed in ENUMS.items():
        if (value := req.arg(name)) is not None:
            if value not in allowed:
                choices = ", ".join(f"'{a}'" for a in allowed)
                raise HttpError(400, f"Invalid {name} '{value}'. It can be any of: {choices}")
            out[name] = value
    if (prefix := req.arg("web_prefix")) is not None:
        out["web_prefix"] = web_prefix(prefix)
    if (host := req.arg("tracking_host")) is not None:
        out["tracking_host"] = host
    if (ttl := req.arg("message_ttl")) is not None:
        out["message_ttl"] = _ttl(ttl)
    if (url := req.arg("archive_to")) is not None:
        out["archive_to"] = _archive_to(url)
    return out


def create_settings(req: Request, name: str) -> dict[str, Any]:
    """Updatable plus create-only settings for a new domain named ``name``."""
    out = update_settings(req)
    for field, key in CREATE_ONLY_BOOLS.items():
        if (value := req.arg(field)) is not None:
            out[key] = to_bool(value, field)
    if selector := req.arg("dkim_selector"):
        if not ATOM_RE.match(selector):
            raise HttpError(400, f"Invalid dkim_selector '{selector}': it must be a dot atom without dots")
        out["_dkim_selector"] = selector
    if size := req.arg("dkim_key_size"):
        if size not in DKIM_KEY_SIZES:
            raise HttpError(400, f"Invalid dkim_key_size '{size}'. It can be any of: '1024', '2048'")
        out["_dkim_key_size"] = int(size)
    if host := req.arg("dkim_host_name"):
        out["_dkim_host_name"] = _dkim_host_name(host.strip().lower(), name, out)
    if ips := req.arg("ips"):
        out["_ips"] = _ips(ips)
    if pool := req.arg("pool_id"):
        out["_pool_id"] = pool
    return out


def update_private(req: Request) -> dict[str, Any]:
    """Updatable settings kept out of the default domain view (``mailfrom_host``)."""
    value = req.arg("mailfrom_host")
    if value is None:
        return {}
    if value != value.lower():
        raise HttpError(400, f"Invalid mailfrom_host '{value}': it must be in lower case")
    return {"_mailfrom_host": value}


def web_prefix(value: str) -> str:
    if not ATOM_RE.match(value):
        raise HttpError(400, f"Invalid web_prefix '{value}': it must be a valid atom (letters, digits, hyphens)")
    return value


def domain_object(rec: dict[str, Any], public: dict[str, Any], extended: bool, dkim_host: str) -> dict[str, Any]:
    """The ``domain`` object; ``h:extended=true`` adds ``dkim_host``, ``mailfrom_host`` and ``pod``."""
    out = dict(public)
    if out.get("archive_to") == "":
        out.pop("archive_to")  # absent when unset (wire-issue12.md §1.1)
    if extended:
        out.update(dkim_host=dkim_host, mailfrom_host=rec.get("_mailfrom_host", ""), pod="")
    return out


def _ttl(value: str) -> int:
    try:
        ttl = int(value)
    except ValueError:
        ttl = -1
    if ttl < 0:
        raise HttpError(400, f"Invalid message_ttl '{value}': it must be a whole number of seconds")
    return ttl


def _archive_to(value: str) -> str:
    if value and not URL_RE.match(value):
        raise HttpError(400, f"Invalid archive_to '{value}': it must be an http or https URL")
    return value


def _dkim_host_name(host: str, name: str, settings: dict[str, Any]) -> str:
    if settings.get("_force_dkim_authority") or settings.get("_force_root_dkim_host"):
        raise HttpError(400, "dkim_host_name cannot be combined with force_dkim_authority or force_root_dkim_host")
    root = ".".join(name.split(".")[-2:])
    if host != name and not host.endswith("." + root) and host != root:
        raise HttpError(400, f"Invalid dkim_host_name '{host}': it must be the domain, a subdomain or the root domain")
    return host


def _ips(value: str) -> list[str]:
    out = []
    for raw in value.split(","):
        try:
            out.append(str(ipaddress.ip_address(raw.strip())))
        except ValueError:
            raise HttpError(400, f"Invalid ips '{value}': expected comma-separated IP addresses") from None
    return out
