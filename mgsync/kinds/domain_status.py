"""A sending domain's live status, which ``GET /v4/domains`` does not list: the DNS records Mailgun
still reports not valid and its own ``mailfrom_host`` (mailgun-api.md §2, wire-issue12.md §1.2, §1.3,
§2), and the HTTPS tracking certificate (§4). ``kinds/domain.py`` reads it into the ``POLICY``
fields of a managed domain and notes it; this module reads it and words it, and knows nothing of
plans, manifests or the lockfile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mgsync.answers import STR, ListOf, Obj
from mgsync.errors import ApiError
from mgsync.kinds.base import path_quote, read_item

if TYPE_CHECKING:
    from mgsync.client import Client

CERTIFICATE = "tracking_certificate"  # the field of the certificate's status
RECORD = Obj(optional={"record_type": STR, "name": STR, "value": STR, "valid": STR})
# GET /v4/domains/{name}?h:extended=true and PUT …/verify (wire-issue12.md §1.2, §2).
DETAIL = Obj(
    {"domain": Obj(optional={"state": STR, "mailfrom_host": STR})},
    {"sending_dns_records": ListOf(RECORD), "receiving_dns_records": ListOf(RECORD)},
)
CERT_STATUS = Obj({"status": STR})
CERT_WORDS = {
    "none": "none yet; apply generates it once Mailgun has verified the domain (its tracking CNAME serves the challenge)",
    "processing": "being issued by Mailgun (Let's Encrypt); plan again in a few minutes",
    "active": "active",
    "expired": "expired; apply regenerates it",
    "error": "Mailgun failed to issue it; ask Mailgun support",
}


def read_status(client: Client, item: dict[str, Any], address: str, *, detail: bool) -> dict[str, Any] | None:
    """The live facts of the listing's ``item`` that it lacks; with ``detail`` (the domain is
    unverified, or its ``mailfrom_host`` managed) those of the domain's own read. None when the
    domain was deleted since the listing (that read answers 404: ``read_item``)."""
    out: dict[str, Any] = {}
    if detail:
        found = read_item(client, f"/v4/domains/{path_quote(item['name'])}", DETAIL, address, **{"h:extended": "true"})
        if found is None:
            return None
        out["invalid_records"] = invalid_records(found, item["name"])
        if "mailfrom_host" in found["domain"]:
            # Mailgun shows "" for none set; None says the same as an import's lockfile (written
            # before any detail was read), so the plan after an import reports no drift.
            out["mailfrom_host"] = found["domain"]["mailfrom_host"] or None
    if item.get("web_scheme") == "https":
        out[CERTIFICATE] = certificate_status(client, tracking_host(item))
    return out


def invalid_records(answer: dict[str, Any], domain: str) -> tuple[str, ...]:
    """The records Mailgun does not report ``valid`` (case-blind, wire-issue12.md §1.3), as "TYPE name"."""
    found = []
    for key in ("sending_dns_records", "receiving_dns_records"):
        for record in answer.get(key) or []:
            if str(record.get("valid", "")).lower() != "valid":
                found.append(f"{record.get('record_type', '?')} {record.get('name') or domain}")
    return tuple(sorted(set(found)))


def unverified_note(name: str, state: str | None, invalid: tuple[str, ...] | None) -> str:
    records = (
        f"Mailgun still reports {', '.join(invalid)} not valid" if invalid else "its DNS records are not verified yet"
    )
    return (
        f"{name} is {state}: {records}; publish them (mgsync dns export), then run mgsync apply --verify-domain {name}."
    )


def tracking_host(item: dict[str, Any]) -> str:
    """The host ``/v2/x509`` names: ``tracking_host`` if Mailgun gives one, else ``<web_prefix>.<name>``."""
    return str(item.get("tracking_host") or f"{item.get('web_prefix') or 'email'}.{item['name']}").lower()


def certificate_status(client: Client, host: str) -> str:
    """The tracking certificate's status; "none" when there is none (404, or 500 on some live accounts, §4)."""
    try:
        return str(client.read(f"/v2/x509/{path_quote(host)}/status", CERT_STATUS)["status"]).lower()
    except ApiError as err:
        if err.status in (404, 500):
            return "none"
        raise


def ensure_certificate(client: Client, host: str, *, expired: bool) -> None:
    """Generate the certificate (POST), or regenerate an expired one (PUT); 409 means one is on its way."""
    try:
        if expired:
            client.put(f"/v2/x509/{path_quote(host)}")
        else:
            client.post(f"/v2/x509/{path_quote(host)}")
    except ApiError as err:
        if err.status != 409:
            raise


def certificate_note(name: str, web_prefix: str, status: str | None) -> str:
    host, status = f"{web_prefix}.{name}", status or "none"
    return f"HTTPS tracking certificate for {host}: {CERT_WORDS.get(status, status)}."
