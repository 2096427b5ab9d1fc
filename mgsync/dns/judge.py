"""How ``dns check`` judges what a resolver found for one record against what Mailgun wants: ok,
missing or wrong, with a message saying what to do. Pure functions of the record and the found
values; knows nothing of resolvers, output or HTTP.

SPF is judged by merging, never by equality: the name must have exactly one SPF record (RFC 7208
§4.5: its text is ``v=spf1`` alone or followed by a space) and it must contain Mailgun's
``include:`` mechanisms, with or without the default qualifier ``+``; anything else a team sends
mail with may stay in it. DKIM values compare without whitespace (RFC 6376 §3.2 allows folding
whitespace in tag lists).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgsync.dns.model import Record

STATUSES = ("ok", "missing", "wrong", "failed")
_SPF = re.compile(r"\s*v=spf1(\s|$)", re.IGNORECASE)  # RFC 7208 §4.5: "v=spf10" is no SPF record


@dataclass(frozen=True)
class Result:
    record: Record
    status: str  # one of STATUSES
    expected: str
    found: tuple[str, ...]
    message: str = ""


def expected(record: Record) -> str:
    return (
        f"{record.priority} {host(record.value)}"
        if record.type == "MX"
        else (host(record.value) if record.type == "CNAME" else record.value)
    )


def host(name: str) -> str:
    return name.rstrip(".").lower()


def judge(record: Record, found: Sequence[str]) -> Result:
    want = expected(record)
    if record.purpose == "SPF":
        return _judge_spf(record, want, found)
    if not found:
        return Result(record, "missing", want, ())
    squash = (lambda v: "".join(v.split())) if record.type == "TXT" else host
    if squash(want) in {squash(v) for v in found}:
        if record.purpose == "DKIM" and len({squash(v) for v in found}) > 1:  # RFC 6376 §3.6.2.2: any one
            message = f"{len(found)} records at this name: a verifier may take another key; keep only this one"
            return Result(record, "wrong", want, tuple(found), message)
        return Result(record, "ok", want, tuple(found))
    return Result(record, "wrong", want, tuple(found))


def _judge_spf(record: Record, want: str, found: Sequence[str]) -> Result:
    spf = tuple(v for v in found if _SPF.match(v))
    if not spf:
        return Result(record, "missing", want, tuple(found))
    if len(spf) > 1:
        return Result(record, "wrong", want, spf, f"{len(spf)} SPF records: merge them into one")
    terms = {t.lower().removeprefix("+") for t in spf[0].split()}
    lacking = [inc for inc in record.includes if inc.lower() not in terms]
    if lacking:
        return Result(record, "wrong", want, spf, f"merge {' '.join(lacking)} into the existing SPF record")
    return Result(record, "ok", want, spf)


def counts(results: Sequence[Result]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}
