"""How ``dns check`` judges what a resolver found for one record against what Mailgun wants: ok,
missing or wrong, with a message saying what to do. Pure functions of the record and the found
values; knows nothing of resolvers, output or HTTP.

SPF is judged by merging, never by equality: the name must have exactly one SPF record (RFC 7208
§4.5: its text begins with exactly ``v=spf1``, alone or followed by a space) and Mailgun's
``include:`` mechanisms, with or without the default qualifier ``+``, must come before its first
``all`` (§5.1); anything else a team sends mail with may stay in it. DKIM key records compare as tag-lists (RFC 6376 §3.6.1: order, spaces
and ``v=DKIM1`` aside), other TXT values without whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgsync.dns.model import Record

STATUSES = ("ok", "missing", "wrong", "failed")
_SPF = re.compile(r"v=spf1( |$)", re.IGNORECASE)  # RFC 7208 §4.5: exactly this, "v=spf10" is no SPF record
_NEAR_SPF = re.compile(r"\s*v=spf1(\s|$)", re.IGNORECASE)  # meant as SPF, skipped by receivers
_NOT_SPF = "receivers skip this record: an SPF record begins with exactly v=spf1 and a space (RFC 7208 §4.5)"


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


def judge(record: Record, found: Sequence[str], wanted: Sequence[Record] = ()) -> Result:
    """``record`` against the values ``found`` at its name and type; ``wanted``: every record Mailgun
    wants there (``record`` among them), which an MX record is judged beside."""
    want = expected(record)
    if record.purpose == "SPF":
        return _judge_spf(record, want, found)
    if record.type == "MX":
        return _judge_mx(_judge_value(record, want, found), found, wanted or (record,))
    return _judge_value(record, want, found)


def _judge_value(record: Record, want: str, found: Sequence[str]) -> Result:
    if not found:
        return Result(record, "missing", want, ())
    same = _dkim_key if record.purpose == "DKIM" and record.type == "TXT" else _squash if record.type == "TXT" else host
    if same(want) in {same(v) for v in found}:
        if record.purpose == "DKIM" and len({same(v) for v in found}) > 1:  # RFC 6376 §3.6.2.2: any one
            message = f"{len(found)} records at this name: a verifier may take another key; keep only this one"
            return Result(record, "wrong", want, tuple(found), message)
        return Result(record, "ok", want, tuple(found))
    return Result(record, "wrong", want, tuple(found))


def _squash(text: str) -> str:
    return "".join(text.split())


def _dkim_key(text: str) -> str:
    """A DKIM key record as verifiers read its tag-list (RFC 6376 §3.6.1): tags in any order, spaces
    around them and a final ``;`` ignored, folding whitespace inside ``p=`` ignored (§3.2), ``k=rsa``
    when absent, ``v=DKIM1`` allowed first only; a tag twice makes the list invalid. Other tags are
    not compared (Mailgun names only k and p). UNCONFIRMED whether Mailgun's own verifier accepts
    these forms (reordered tags, v=DKIM1) as it accepts its own text; receivers do. Text that is no
    valid key record compares as itself, squashed."""
    tags: dict[str, str] = {}
    for n, spec in enumerate(t for t in text.split(";") if t.strip()):
        name, equals, value = (part.strip() for part in spec.partition("="))
        if not equals or name in tags or (name == "v" and (n or value != "DKIM1")):
            return _squash(text)
        tags[name] = value
    if "p" not in tags:
        return _squash(text)
    return f"k={tags.get('k', 'rsa').lower()};p={_squash(tags['p'])}"


def followed(result: Result, chain: Sequence[str]) -> Result:
    """A CNAME that is not Mailgun's target, judged by where its chain of CNAMEs ends: ok, with a note,
    when it reaches Mailgun's (links and certificates resolve through a chain; UNCONFIRMED that
    Mailgun's verification follows one, and where Mailgun is silent mgsync accepts and says so)."""
    if len(chain) < 2:
        return result
    want, hops = result.expected, " → ".join(chain)
    if chain[-1] == want:
        message = (
            f"reaches {want} through {' → '.join(chain[:-1])} (UNCONFIRMED that Mailgun's verification follows "
            f"a chain: if it reports this record not valid, point it at {want} itself)"
        )
        return Result(result.record, "ok", want, result.found, message)
    return Result(result.record, "wrong", want, result.found, f"the CNAME chain {hops} ends at {chain[-1]}")


def answered_instead(result: Result, addresses: Sequence[str]) -> Result:
    """A missing CNAME whose name answers with addresses: a proxy or a flattened record stands in its
    place (Cloudflare's proxied CNAME, an ALIAS), which ``missing`` alone left a mystery. Still missing:
    Mailgun looks for the CNAME (UNCONFIRMED whether its check accepts a proxy, as its manual HTTPS
    tracking setup puts a CDN in front of the name)."""
    if not addresses:
        return result
    message = (
        f"no CNAME, but addresses ({', '.join(addresses)}): a proxy or a flattened record answers in its place "
        f"(Cloudflare's proxied CNAME, an ALIAS); publish a plain CNAME to {result.expected} (DNS only), which "
        "Mailgun looks for"
    )
    return Result(result.record, result.status, result.expected, result.found, message)


def _judge_mx(result: Result, found: Sequence[str], wanted: Sequence[Record]) -> Result:
    """Wrong when another exchange's preference is as good as Mailgun's best or better: senders try
    the lowest first and share equal ones (RFC 5321 §5.1), so that exchange takes the mail."""
    ours = {host(r.value) for r in wanted}
    best = min(r.priority or 0 for r in wanted)
    rivals = [(int(p), host(h)) for p, h in (v.split(maxsplit=1) for v in found) if host(h) not in ours]
    rival = min((r for r in rivals if r[0] <= best), default=None)
    if rival is None:
        return result
    message = (
        f"{rival[1]} (preference {rival[0]}) takes mail before Mailgun's exchanges (preference {best}): "
        f"remove it, or give it a preference over {best}"
    )
    return Result(result.record, "wrong", result.expected, result.found, message)


def _judge_spf(record: Record, want: str, found: Sequence[str]) -> Result:
    spf = tuple(v for v in found if _SPF.match(v))
    if not spf:
        near = tuple(v for v in found if _NEAR_SPF.match(v))
        if near:
            return Result(record, "wrong", want, near, _NOT_SPF)
        return Result(record, "missing", want, tuple(found))
    if len(spf) > 1:
        return Result(record, "wrong", want, spf, f"{len(spf)} SPF records: merge them into one")
    status, message = _spf_verdict(record, spf[0].split()[1:])
    return Result(record, status, want, spf, message)


def _spf_verdict(record: Record, terms: Sequence[str]) -> tuple[str, str]:
    """The one SPF record's terms in the order RFC 7208 §4.6.2 evaluates them: each of Mailgun's
    includes must come before the first ``all`` (later terms are never evaluated, §5.1). A ``+all``
    is a note, not wrong: Mailgun's mail passes, and Mailgun asks only for its include (UNCONFIRMED
    whether its verifier accepts +all; never stricter than Mailgun). ``?all`` (neutral) is a policy."""
    end = next((i for i, term in enumerate(terms) if term.lower().lstrip("+-~?") == "all"), len(terms))
    evaluated, later = _mechanisms(terms[:end]), _mechanisms(terms[end:])
    lacking = [inc for inc in record.includes if inc.lower() not in evaluated]
    late = [inc for inc in lacking if inc.lower() in later]
    if late:
        stop = terms[end]
        return (
            "wrong",
            f"{' '.join(late)} comes after {stop}, where evaluation stops (RFC 7208 §5.1): move it before {stop}",
        )
    if lacking:
        return "wrong", f"merge {' '.join(lacking)} into the existing SPF record"
    if end < len(terms) and terms[end].lower() in ("all", "+all"):
        return (
            "ok",
            f"{terms[end]} lets any host on the Internet pass SPF as {record.fqdn}; end the record with ~all or -all",
        )
    return "ok", ""


def _mechanisms(terms: Sequence[str]) -> set[str]:
    return {term.lower().removeprefix("+") for term in terms}  # + is the default qualifier (§4.6.2)


def counts(results: Sequence[Result]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}
