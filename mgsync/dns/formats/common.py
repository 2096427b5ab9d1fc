"""What the export formats share: their options and small naming helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mgsync.dns.model import Record

HEADER = "Mailgun DNS records written by `mgsync dns export`; Mailgun's answer is the source."
PROVIDERS = ("route53", "cloudflare")


@dataclass(frozen=True)
class Options:
    provider: str = "route53"  # Terraform only: which DNS provider's resource to write


def absolute(host: str) -> str:
    """A target host with the trailing dot zone files and DNS-as-code tools want."""
    return host if host.endswith(".") else f"{host}."


def rdata(record: Record, txt: Callable[[tuple[str, ...]], str]) -> str:
    """The record's data as zone files write it: ``10 mxa.mailgun.org.``, an absolute CNAME target,
    or the TXT strings joined the way the target wants (``txt``)."""
    match record.type:
        case "MX":
            return f"{record.priority} {absolute(record.value)}"
        case "CNAME":
            return absolute(record.value)
        case _:
            return txt(tuple(record.strings))


def key(record: Record, n: int, stem: str | None = None) -> str:
    """A static, human-readable key, e.g. ``mg_example_com_dkim_1`` (``stem`` in place of the domain's)."""
    return f"{stem or key_stem(record.domain)}_{record.purpose.lower()}_{n}"


def key_stem(domain: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", domain)
