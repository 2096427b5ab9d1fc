"""The DNS records the emulator reports for a domain (``sending_dns_records`` / ``receiving_dns_records``,
mailgun-api.md §2.3), following the domain's settings the way Mailgun does:

* the region picks the hosts (``mxa.eu.mailgun.org``, ``eu.mailgun.org`` in the EU);
* ``use_automatic_sender_security`` replaces the DKIM TXT records by two CNAMEs (``pdk1``/``pdk2``)
  that delegate the keys to Mailgun;
* otherwise every DKIM key of the domain is listed (``dkimkeys``) with its own ``is_active``;
  ``dkim_key_size`` 2048 gives a TXT value over 255 characters, as Mailgun's are;
* the DKIM selector and ``dkim_host_name`` / ``force_root_dkim_host`` place the DKIM records.

Keys are deterministic per domain name so a saved state and a test see the same value; they are
shaped like real RSA public keys (DER SubjectPublicKeyInfo, base64).
"""

from __future__ import annotations

import hashlib
from typing import Any

from mgsync.emulator import dkimkeys
from mgsync.emulator.dkimkeys import dkim_host as dkim_host  # re-exported: handlers ask this module
from mgsync.emulator.dkimkeys import dns_record

ASS_SELECTORS = ("pdk1", "pdk2")


def ass_target(rec: dict[str, Any], region: str, selector: str) -> str:
    """Where an automatic-sender-security CNAME points. Targets as the docs show them (US) and as
    published EU zones do; clients treat them as opaque (wire-issue12.md §1.5)."""
    sid = hashlib.sha256(rec["name"].encode()).hexdigest()[:6]
    zone = "dkim1.eu.mgsend.org" if region == "eu" else "dkim1.mailgun.com"
    return f"{selector}._domainkey.{sid}.{zone}"


def _dkim(rec: dict[str, Any], region: str) -> list[dict[str, Any]]:
    if rec.get("use_automatic_sender_security"):
        # UNCONFIRMED (wire-issue12.md §1.5, §6.1): the TXT keys stay at the authority but are not
        # listed while the CNAMEs delegate DKIM; the CNAMEs are valid once published.
        valid = "valid" if rec.get("_ass_published", rec.get("_dns_valid")) else "unknown"
        return [
            dns_record("CNAME", f"{sel}._domainkey.{dkim_host(rec)}", ass_target(rec, region, sel), valid)
            for sel in ASS_SELECTORS
        ]
    return [dkimkeys.txt_record(rec, key) for key in dkimkeys.keys(rec)]


def dns_records(rec: dict[str, Any], region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(receiving, sending) DNS records for a domain (mailgun-api.md §2.3)."""
    host = "eu.mailgun.org" if region == "eu" else "mailgun.org"
    valid = "valid" if rec.get("_dns_valid") else "unknown"
    name = rec["name"]
    receiving = [{**dns_record("MX", None, f"{mx}.{host}", valid), "priority": "10"} for mx in ("mxa", "mxb")]
    sending = [
        dns_record("TXT", name, "v=spf1 include:mailgun.org ~all", valid),
        *_dkim(rec, region),
        dns_record("CNAME", f"{rec['web_prefix']}.{name}", host, valid),
    ]
    return receiving, sending
