"""What the export formats share: their options and small naming helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from mgsync.dns.model import Record

HEADER = "Mailgun DNS records written by `mgsync dns export`; Mailgun's answer is the source."
PROVIDERS = ("route53", "cloudflare")
JSON_HEADER_LINE = f'  "//": {json.dumps(HEADER, ensure_ascii=False)[:-1]}'  # JSON formats: the header's key, first


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


def identifier(*parts: str) -> str:
    """A Terraform identifier for ``parts`` (a domain, a purpose, a selector or host), e.g.
    ``mg_example_com__dkim__pic``: parts joined by ``__``, letters, digits and ``-`` kept, a dot between
    two labels written ``_``, and anything else (``_``, ``+``, an upper-case or non-ASCII letter, the
    dots of an empty label) written ``X`` and its UTF-8 bytes in upper-case hex (``_`` is ``X5F``);
    ``_`` first when a digit or ``-`` would be. Upper case never stands for itself and ``__`` only joins parts,
    so two different part lists never share an identifier."""
    text = "__".join(_escaped(part) for part in parts)
    return f"_{text}" if text[:1].isdigit() or text.startswith("-") else text


def _escaped(part: str) -> str:
    if not part:
        return "X"  # X is otherwise always followed by two hex digits
    labelled = all(part.split("."))  # no empty label: each dot lies between two labels
    return "".join(_char(c, labelled) for c in part)


def _char(c: str, labelled: bool) -> str:
    if c in _KEPT or (c == "." and labelled):
        return "_" if c == "." else c
    return "".join(f"X{b:02X}" for b in c.encode())


_KEPT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
