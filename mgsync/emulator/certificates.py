"""The tracking-certificate lifecycle kept in a domain record (``_x509[host]``, wire-issue12.md §4):
which domain a host belongs to, issuing (90 days, Let's Encrypt), expiry by the store's clock, and the
test hooks' bulk moves (``Store.advance_certificates``, ``Store.expire_certificate``).

Knows nothing of the store or the endpoints: it is handed the account's domains and its clock,
so ``store`` and the ``x509`` family both build on it (as on ``dkimkeys``) and neither imports the other
back. The HTTP answers live in ``x509``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mgsync.emulator.wire import HttpError

LIFETIME = 90 * 24 * 3600.0


class CertificateError(HttpError):
    """This service answers ``{"Reason"}`` for 400/402 and ``{"Description"}`` otherwise."""

    def body(self) -> dict[str, Any]:
        return {"Reason" if self.status in (400, 402) else "Description": self.message}


def tracking_host(rec: dict[str, Any]) -> str:
    return (rec.get("tracking_host") or f"{rec['web_prefix']}.{rec['name']}").lower()


def domain_of(domains: dict[str, dict[str, Any]], host: str) -> dict[str, Any]:
    """The domain record whose tracking host is ``host``; a host of no domain answers 404."""
    host = host.lower()
    rec = next((r for r in domains.values() if tracking_host(r) == host), None)
    if rec is None:
        raise CertificateError(404, "x509 cert not found")
    return rec


def issue(cert: dict[str, Any], now: float) -> None:
    cert.update(status="active", issued_at=now, expires_at=now + LIFETIME, serial=cert.get("serial", 0) + 1)


def advance_all(domains: dict[str, dict[str, Any]], clock: Callable[[], float]) -> int:
    """Issue every certificate still being generated; returns how many."""
    count = 0
    for rec in domains.values():
        for cert in rec.get("_x509", {}).values():
            if cert["status"] == "processing":
                issue(cert, clock())
                count += 1
    return count


def expire(domains: dict[str, dict[str, Any]], host: str, clock: Callable[[], float]) -> None:
    """``host``'s certificate has expired now (one still being generated is issued first)."""
    rec = domain_of(domains, host)
    cert = rec.get("_x509", {}).get(host.lower())
    if cert is None:
        raise KeyError(f"no tracking certificate for {host}")
    if cert["status"] == "processing":
        issue(cert, clock())
    cert.update(status="expired", expires_at=clock())
