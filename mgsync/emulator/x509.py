"""HTTPS tracking certificates (wire-issue12.md §4): ``POST /v2/x509/{host}`` (generate),
``PUT /v2/x509/{host}`` (regenerate an expired one), ``GET /v2/x509/{host}/status``.

The path names the tracking host ``<web_prefix>.<domain>`` (or the domain's ``tracking_host``);
a certificate lives in that domain's record under ``_x509[host]``. Generation is asynchronous:
``processing`` until ``PROCESSING_READS`` status reads have seen it, or ``Store.advance_certificates()``;
then ``active`` for 90 days (Let's Encrypt) by the store's clock, then ``expired``
(``Store.expire_certificate(host)`` makes that happen now). The lifecycle itself lives in
``certificates``, which the store's test hooks share; this module owns the HTTP answers.

UNCONFIRMED decisions: generation needs the domain's DNS published (the tracking CNAME serves the
HTTP-01 challenge), else 400 ``invalid CNAME record``; a host of no domain answers 404
``x509 cert not found`` on every call; a known host without a certificate answers the documented
status 404 with the host in place of ``{domain}``; POST on a host that has a certificate in any
state answers 409 (regeneration is PUT's job). Live accounts without certificates may see 500 on
status (§4); the emulator answers 404.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

from mgsync.emulator import certificates
from mgsync.emulator.certificates import CertificateError as _Error
from mgsync.emulator.store import Store
from mgsync.emulator.wire import GO, Endpoint, Request

PROCESSING_READS = 1
ERRORS = {
    "processing": "Waiting for x509 key pair generation",
    "expired": "x509 certificate has expired",
    "error": "TLS x509 key pair generation failed, please contact support",
}


def _domain_of(store: Store, host: str) -> dict[str, Any]:
    return certificates.domain_of(store.domains, host)


def _current(store: Store, rec: dict[str, Any], host: str) -> dict[str, Any] | None:
    """The host's certificate with its status brought up to the store's clock."""
    cert: dict[str, Any] | None = rec.get("_x509", {}).get(host)
    if cert is not None and cert["status"] == "active" and store.clock() >= cert["expires_at"]:
        cert["status"] = "expired"
    return cert


def _issue(store: Store, cert: dict[str, Any]) -> None:
    certificates.issue(cert, store.clock())


def _start(store: Store, rec: dict[str, Any], host: str) -> tuple[int, dict[str, Any]]:
    if not rec.get("_dns_valid"):
        raise _Error(400, "invalid CNAME record")
    old = rec.setdefault("_x509", {}).get(host, {})
    rec["_x509"][host] = {
        "status": "processing",
        "reads": 0,
        "serial": old.get("serial", 0),
        "issued_at": None,
        "expires_at": None,
    }
    return 202, {"message": "Initiated x509 key pair generation", "location": f"/v2/x509/{host}/status"}


def generate(store: Store, req: Request) -> tuple[int, dict[str, Any]]:
    host = req.params[0].lower()
    rec = _domain_of(store, host)
    if _current(store, rec, host) is not None:
        raise _Error(409, f"x509 key pair generation has already been initiated for {host}")
    return _start(store, rec, host)


def regenerate(store: Store, req: Request) -> tuple[int, dict[str, Any]]:
    host = req.params[0].lower()
    rec = _domain_of(store, host)
    cert = _current(store, rec, host)
    if cert is None:
        raise _Error(404, "x509 cert not found")
    if cert["status"] == "processing":
        raise _Error(429, f"x509 key pair generation job is already in progress for {host}")
    if cert["status"] == "active":
        until = time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(cert["expires_at"]))
        raise _Error(409, f"x509 certificate is still valid until {until}")
    return _start(store, rec, host)


def status(store: Store, req: Request) -> dict[str, Any]:
    host = req.params[0].lower()
    rec = _domain_of(store, host)
    cert = _current(store, rec, host)
    if cert is None:
        raise _Error(404, f"Please initiate x509 key pair generation at POST /v2/x509/{host}")
    if cert["status"] == "processing":
        cert["reads"] += 1
        if cert["reads"] > PROCESSING_READS:
            _issue(store, cert)
    out: dict[str, Any] = {"status": cert["status"]}
    if cert["status"] in ERRORS:
        out["error"] = ERRORS[cert["status"]]
    if cert["status"] != "processing":
        out["certificate"] = _pem(host, cert["serial"])
    return out


def _pem(host: str, serial: int) -> str:
    """A stand-in certificate: PEM-framed, deterministic in host and issue count, not a real X.509."""
    blob = b"".join(hashlib.sha256(f"{host}:{serial}:{i}".encode()).digest() for i in range(24))
    lines = base64.b64encode(blob).decode()
    body = "\n".join(lines[i : i + 64] for i in range(0, len(lines), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


# ---- seeding ---------------------------------------------------------------------------------


def add_certificate(store: Store, host: str) -> None:
    """Seeding helper: ``host``'s domain has an active tracking certificate (issued now)."""
    rec = _domain_of(store, host)
    rec.setdefault("_x509", {})[host.lower()] = cert = {"status": "processing", "reads": 0, "serial": 0}
    _issue(store, cert)


ENDPOINTS = (
    Endpoint("GET", "/v2/x509/{host}/status", status, GO),
    Endpoint("POST", "/v2/x509/{host}", generate, GO),
    Endpoint("PUT", "/v2/x509/{host}", regenerate, GO),
)
