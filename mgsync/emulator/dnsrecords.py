"""The DNS records the emulator reports for a domain (``sending_dns_records`` / ``receiving_dns_records``,
mailgun-api.md §2.3), following the domain's settings the way Mailgun does:

* the region picks the hosts (``mxa.eu.mailgun.org``, ``eu.mailgun.org`` in the EU);
* ``use_automatic_sender_security`` replaces the DKIM TXT by two CNAMEs (``pdk1``/``pdk2``) that
  delegate the key to Mailgun;
* ``dkim_key_size`` 2048 gives a DKIM TXT value over 255 characters, as Mailgun's are;
* the DKIM selector and ``dkim_host_name`` / ``force_root_dkim_host`` place the DKIM record.

Keys are deterministic per domain name so a saved state and a test see the same value; they are
shaped like real RSA public keys (DER SubjectPublicKeyInfo, base64) but no private key exists.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

RSA_OID = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1 rsaEncryption


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # leading 0 keeps it positive
    return _der(0x02, raw)


def public_key(seed: str, bits: int) -> str:
    """A base64 DER RSA public key of ``bits`` bits, deterministic in ``seed``."""
    stream, counter = b"", 0
    while len(stream) * 8 < bits:
        stream += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    modulus = int.from_bytes(stream[: bits // 8], "big") | (1 << (bits - 1)) | 1
    rsa_key = _der(0x30, _der_int(modulus) + _der_int(65537))
    info = _der(0x30, _der(0x30, RSA_OID + b"\x05\x00") + _der(0x03, b"\x00" + rsa_key))
    return base64.b64encode(info).decode()


def _record(rtype: str, name: str | None, value: str, valid: str, active: bool = True) -> dict[str, Any]:
    rec: dict[str, Any] = {"cached": [], "is_active": active, "record_type": rtype, "valid": valid, "value": value}
    if name is not None:
        rec["name"] = name
    return rec


def dkim_host(rec: dict[str, Any]) -> str:
    """Where the DKIM records live: the domain, or the host ``dkim_host_name`` / the root names."""
    if host := rec.get("_dkim_host_name"):
        return host
    if rec.get("_force_root_dkim_host"):
        return ".".join(rec["name"].split(".")[-2:])
    return rec["name"]


def _dkim(rec: dict[str, Any], region: str, valid: str) -> list[dict[str, Any]]:
    host = dkim_host(rec)
    if rec.get("use_automatic_sender_security"):
        # Mailgun's delegated DKIM: two CNAMEs to keys it hosts and rotates. Targets as the docs show
        # them (US) and as published EU zones do; clients treat them as opaque (wire-issue12.md §1.5).
        sid = hashlib.sha256(rec["name"].encode()).hexdigest()[:6]
        target = "dkim1.eu.mgsend.org" if region == "eu" else "dkim1.mailgun.com"
        return [_record("CNAME", f"{sel}._domainkey.{host}", f"{sel}._domainkey.{sid}.{target}", valid)
                for sel in ("pdk1", "pdk2")]
    key = public_key(rec["name"], int(rec.get("_dkim_key_size") or 1024))
    return [_record("TXT", f"{rec['_dkim_selector']}._domainkey.{host}", f"k=rsa; p={key}", valid,
                    active=bool(rec.get("_dns_valid")))]


def dns_records(rec: dict[str, Any], region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(receiving, sending) DNS records for a domain (mailgun-api.md §2.3)."""
    host = "eu.mailgun.org" if region == "eu" else "mailgun.org"
    valid = "valid" if rec.get("_dns_valid") else "unknown"
    name = rec["name"]
    receiving = [{**_record("MX", None, f"{mx}.{host}", valid), "priority": "10"} for mx in ("mxa", "mxb")]
    sending = [
        _record("TXT", name, "v=spf1 include:mailgun.org ~all", valid),
        *_dkim(rec, region, valid),
        _record("CNAME", f"{rec['web_prefix']}.{name}", host, valid),
    ]
    return receiving, sending
