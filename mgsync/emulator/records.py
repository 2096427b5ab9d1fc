"""Record builders: the stored shape of every emulated object, shared by the HTTP handlers and the
store's seeding helpers so both produce identical data.

A record is the object as Mailgun renders it (dates already in the service's spelling), plus private
keys starting with ``_`` that are stripped on output. No validation here: handlers validate requests.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from email.utils import parseaddr
from typing import Any

from mgsync.emulator.dnsrecords import dns_records as dns_records  # handlers ask this module for every shape
from mgsync.emulator.wire import fmt_date

# An address that ``parseaddr`` gives back whole, with no display name (tests/emulator/test_records.py):
# dot-atom characters, one "@", a domain of letters, digits, dots and hyphens.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def split_address(raw: str) -> tuple[str, str]:
    """``parseaddr(raw)``: (display name, address) of ``a@b`` or ``Name <a@b>``; a plain address without
    the parser (17 us each; a member upload holds 1,000)."""
    return ("", raw) if PLAIN_ADDRESS.fullmatch(raw) else parseaddr(raw)


HTML_FOOTER = '\n<br>\n<p><a href="%unsubscribe_url%">unsubscribe</a></p>\n'
TEXT_FOOTER = "\n\nTo unsubscribe click: <%unsubscribe_url%>\n\n"

DOMAIN_DEFAULTS: dict[str, Any] = {
    "require_tls": False,
    "skip_verification": False,
    "spam_action": "disabled",
    "type": "custom",
    "use_automatic_sender_security": False,
    "web_prefix": "email",
    "web_scheme": "http",
    "wildcard": False,
    "encrypt_incoming_message": False,
    "message_ttl": 0,
}
DOMAIN_STATES = ("active", "unverified", "disabled")


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record without its private ``_`` keys."""
    return {k: v for k, v in record.items() if k[0] != "_"}


def object_id(now: float, seq: int, salt: int) -> str:
    """A 24-hex id shaped like a Mongo ObjectId (domains, routes): 4 bytes of time, 5 of the account's
    random ``salt`` (so two emulators never hand out one id, as two Mailgun accounts never do), 3 of ``seq``."""
    return f"{int(now) & 0xFFFFFFFF:08x}{salt & 0xFFFFFFFFFF:010x}{seq & 0xFFFFFF:06x}"


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def domain(name: str, state: str, now: float, seq: int, salt: int, settings: dict[str, Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "created_at": fmt_date(now, "domains"),
        "id": object_id(now, seq, salt),
        "is_disabled": state == "disabled",
        "name": name,
        "smtp_login": f"postmaster@{name}",
        "state": state,
        **DOMAIN_DEFAULTS,
        "_seq": seq,
        "_dkim_selector": "smtp",
        "_dkim_key_size": 1024,
        "_dns_valid": state == "active",
    }
    if state == "disabled":
        rec["disabled"] = {"code": "manual", "note": "", "permanently": False, "reason": "disabled", "until": ""}
    rec.update(settings)
    return rec


def tracking() -> dict[str, Any]:
    return {
        "open": {"active": False, "place_at_the_top": False},
        "click": {"active": False},
        "unsubscribe": {"active": False, "html_footer": HTML_FOOTER, "text_footer": TEXT_FOOTER},
    }


def route(
    now: float, seq: int, salt: int, expression: str, actions: list[str], priority: int, description: str
) -> dict[str, Any]:
    return {
        "actions": list(actions),
        "created_at": fmt_date(now, "routes"),
        "description": description,
        "expression": expression,
        "id": object_id(now, seq, salt),
        "priority": priority,
        "_seq": seq,
    }


def template(now: float, name: str, description: str, created_by: str) -> dict[str, Any]:
    return {
        "name": name.lower(),
        "description": description,
        "createdAt": fmt_date(now, "templates"),
        "createdBy": created_by,
        "id": str(uuid.uuid4()),
    }


def version(
    now: float,
    tag: str,
    content: str,
    engine: str = "handlebars",
    comment: str = "",
    headers: dict[str, str] | None = None,
    active: bool = False,
) -> dict[str, Any]:
    return {
        "tag": tag.lower(),
        "template": content,
        "engine": engine or "handlebars",
        "mjml": "",
        "createdAt": fmt_date(now, "templates"),
        "comment": comment,
        "active": active,
        "id": str(uuid.uuid4()),
        "headers": dict(headers or {}),
    }


def mailing_list(now: float, address: str, fields: dict[str, Any]) -> dict[str, Any]:
    name, addr = split_address(address)
    rec = {
        "access_level": "readonly",
        "address": addr or address,
        "created_at": fmt_date(now, "lists"),
        "description": "",
        "members_count": 0,
        "name": name,
        "reply_preference": "list",
    }
    rec.update({k: v for k, v in fields.items() if v is not None})
    return rec


def member(
    address: str, name: str | None = None, subscribed: bool = True, vars: dict[str, Any] | None = None
) -> dict[str, Any]:
    display, addr = parseaddr(address) if "<" in address else ("", address)
    return {
        "address": addr or address,
        "name": name if name is not None else display,
        "subscribed": subscribed,
        "vars": dict(vars or {}),
    }


def bounce(now: float, address: str, code: str | int = "550", error: str = "") -> dict[str, Any]:
    return {"address": address, "code": str(code), "error": error, "created_at": fmt_date(now, "suppressions")}


def unsubscribe(now: float, address: str, tags: list[str] | None = None) -> dict[str, Any]:
    return {"address": address, "tags": list(tags or ["*"]), "created_at": fmt_date(now, "suppressions")}


def complaint(now: float, address: str) -> dict[str, Any]:
    return {"address": address, "created_at": fmt_date(now, "suppressions")}


def allow(now: float, value: str, reason: str = "") -> dict[str, Any]:
    kind = "address" if "@" in value else "domain"
    return {"type": kind, "value": value, "reason": reason, "createdAt": fmt_date(now, "suppressions")}


def credential(now: float, login: str, password: str) -> dict[str, Any]:
    return {
        "mailbox": login,
        "login": login,
        "created_at": fmt_date(now, "credentials"),
        "size_bytes": None,
        "_password": hash_password(password),
    }


def subaccount(now: float, account_id: str, name: str) -> dict[str, Any]:
    """A subaccount as ``/v5/accounts/subaccounts`` renders it (OpenAPI ``SubaccountResponse``)."""
    stamp = fmt_date(now, "domains")
    return {"id": account_id, "name": name, "status": "open", "created_at": stamp, "updated_at": stamp}
