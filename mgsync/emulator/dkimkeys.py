"""A domain's DKIM keys (wire-issue12.md §3): stored in the domain record under ``_dkim_keys`` so they
persist with the domain and die with it, their DKIM TXT records, and the import of a PKCS#1 PEM.

A key is ``{"selector", "bits", "key" (base64 SPKI public key), "active", "published", "seq"}``.
``published`` is the test hook's word that the key's TXT record is in DNS (``Store.mark_dns_valid``);
it makes the record ``valid``. A supplied private key is reduced to its public half at once: the
private key is never stored, persisted or echoed. Knows nothing of HTTP routing.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from mgsync.emulator.wire import HttpError
from mgsync.shapes import rsakey

RSA_OID = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1 rsaEncryption


def dns_record(rtype: str, name: str | None, value: str, valid: str, active: bool = True) -> dict[str, Any]:
    """One record in the domains API shape (wire-issue12.md §1.3); ``name`` None for MX."""
    rec: dict[str, Any] = {"cached": [], "is_active": active, "record_type": rtype, "valid": valid, "value": value}
    if name is not None:
        rec["name"] = name
    return rec


def dkim_host(rec: dict[str, Any]) -> str:
    """Where the DKIM records live: the domain, or the host ``dkim_host_name`` / the root names."""
    host: str | None = rec.get("_dkim_host_name")
    if host:
        return host
    name: str = rec["name"]
    if rec.get("_force_root_dkim_host"):
        return ".".join(name.split(".")[-2:])
    return name


def keys(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The domain's keys; the key Mailgun made at creation appears on first use (old state files too)."""
    if "_dkim_keys" not in rec:
        ready = bool(rec.get("_dns_valid"))
        rec["_dkim_keys"] = [
            {
                "selector": rec.get("_dkim_selector", "smtp"),
                "bits": int(rec.get("_dkim_key_size") or 1024),
                "key": public_key(rec["name"], int(rec.get("_dkim_key_size") or 1024)),
                "active": ready,
                "published": ready,
                "seq": 0,
            }
        ]
    found: list[dict[str, Any]] = rec["_dkim_keys"]
    return found


def find(rec: dict[str, Any], selector: str) -> dict[str, Any] | None:
    return next((k for k in keys(rec) if k["selector"] == selector), None)


def add(rec: dict[str, Any], selector: str, bits: int, key: str | None, seq: int) -> dict[str, Any]:
    """A new inactive, unpublished key; ``key`` None generates one deterministic in the domain and seq."""
    new = {
        "selector": selector,
        "bits": bits,
        "key": key or public_key(f"{rec['name']}:{selector}:{seq}", bits),
        "active": False,
        "published": False,
        "seq": seq,
    }
    keys(rec).append(new)
    return new


def active_count(rec: dict[str, Any]) -> int:
    return sum(1 for k in keys(rec) if k["active"])


def publish_all(rec: dict[str, Any], published: bool) -> None:
    for key in keys(rec):
        key["published"] = published


def txt_record(rec: dict[str, Any], key: dict[str, Any]) -> dict[str, Any]:
    """The key's DKIM TXT record in the domains API shape (wire-issue12.md §1.3)."""
    return dns_record(
        "TXT",
        f"{key['selector']}._domainkey.{dkim_host(rec)}",
        f"k=rsa; p={key['key']}",
        "valid" if key["published"] else "unknown",
        active=key["active"],
    )


def item(rec: dict[str, Any], key: dict[str, Any]) -> dict[str, Any]:
    """One key as ``/v1/dkim/keys`` and ``/v4/domains/{d}/keys`` list it."""
    return {"signing_domain": rec["name"], "selector": key["selector"], "dns_record": txt_record(rec, key)}


# ---- PEM import ----------------------------------------------------------------------------

_PARSE_PEM = "failed to import domain key: failed to parse PEM"
_NOT_PKCS1 = "failed to import domain key: failed to parse private key: key must be PKCS1 format"


def public_from_pem(text: str) -> tuple[str, int]:
    """(base64 SPKI public key, bits) of a PKCS#1 RSA private key; errors as Mailgun words them [PYIT]."""
    try:
        modulus, exponent = rsakey.numbers(text)
    except rsakey.NotPem:
        raise HttpError(400, _PARSE_PEM) from None
    except rsakey.NotPkcs1:
        raise HttpError(400, _NOT_PKCS1) from None
    return spki(modulus, exponent), modulus.bit_length()


# ---- public key material -------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # leading 0 keeps it positive
    return _der(0x02, raw)


def spki(modulus: int, exponent: int) -> str:
    """A base64 DER SubjectPublicKeyInfo for an RSA public key, as DKIM's ``p=`` holds it."""
    rsa_key = _der(0x30, _der_int(modulus) + _der_int(exponent))
    info = _der(0x30, _der(0x30, RSA_OID + b"\x05\x00") + _der(0x03, b"\x00" + rsa_key))
    return base64.b64encode(info).decode()


def public_key(seed: str, bits: int) -> str:
    """A base64 DER RSA public key of ``bits`` bits, deterministic in ``seed`` (no private key exists)."""
    stream, counter = b"", 0
    while len(stream) * 8 < bits:
        stream += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return spki(int.from_bytes(stream[: bits // 8], "big") | (1 << (bits - 1)) | 1, 65537)
