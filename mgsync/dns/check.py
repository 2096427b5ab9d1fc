"""``mgsync dns check``: resolve every record Mailgun wants with dnspython and judge each one
ok, missing, wrong (with what was expected and what was found) or failed (its query).

SPF is judged by merging, never by equality: the name must have exactly one SPF record (RFC 7208
§4.5: its text is ``v=spf1`` alone or followed by a space) and it must contain Mailgun's
``include:`` mechanisms, with or without the default qualifier ``+``; anything else a team sends
mail with may stay in it. DKIM values compare without whitespace (RFC 6376 §3.2 allows folding
whitespace in tag lists).

A query the resolver answers with a failure (SERVFAIL from a broken delegation) or leaves
unanswered after others were answered is that record's result, ``failed``; the rest are still
judged. Only a resolver that has answered nothing yet and times out ends the check at once.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from mgsync.dns.model import Record
from mgsync.errors import DnsError, MgsyncError

STATUSES = ("ok", "missing", "wrong", "failed")
TIMEOUT = 5.0
Lookup = Callable[[str, str], list[str]]
_SPF = re.compile(r"\s*v=spf1(\s|$)", re.IGNORECASE)  # RFC 7208 §4.5: "v=spf10" is no SPF record


@dataclass(frozen=True)
class Result:
    record: Record
    status: str  # one of STATUSES
    expected: str
    found: tuple[str, ...]
    message: str = ""


class QueryFailed(DnsError):
    """One query failed: ``reason`` says how, for the record's result."""

    def __init__(self, message: str, reason: str, *, answered: bool) -> None:
        super().__init__(message)
        self.reason, self.answered = reason, answered  # answered: the resolver answered, with a failure


def resolver(address: str | None, timeout: float = TIMEOUT) -> Lookup:
    """A lookup ``(fqdn, type) -> values`` against ``HOST[:PORT]``, or the system resolver."""
    try:
        res = dns.resolver.Resolver(configure=address is None)
    except dns.resolver.NoResolverConfiguration:
        raise DnsError("No system DNS resolver is configured; pass --resolver HOST[:PORT].") from None
    if address is not None:
        host, port = _host_port(address)
        res.nameservers, res.port = [host], port
    res.lifetime = timeout
    where = address or "the system resolver"

    def lookup(fqdn: str, rtype: str) -> list[str]:
        try:
            answer = res.resolve(dns.name.from_text(fqdn), rtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return []
        except dns.exception.Timeout:
            message = f"DNS query {fqdn} {rtype} to {where} timed out; is the resolver reachable?"
            raise QueryFailed(message, f"no answer within {timeout:g} s", answered=False) from None
        except dns.exception.DNSException as err:  # SERVFAIL/REFUSED from every server, a bad name, ...
            raise QueryFailed(f"DNS query {fqdn} {rtype} to {where} failed: {err}", str(err), answered=True) from None
        return [_text(rdata, rtype) for rdata in (answer.rrset or [])]

    return lookup


def _host_port(address: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]`` or ``[V6]:PORT``; a bare IPv6 address has no port."""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif address.count(":") == 1:
        host, port = address.split(":")
    else:
        host, port = address, "53"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise MgsyncError(f"--resolver {address!r}: the port must be a number from 1 to 65535.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = str(socket.getaddrinfo(host, None)[0][4][0])
        except OSError:
            raise DnsError(f"--resolver {address!r}: cannot resolve host {host!r}.") from None
        except UnicodeError:  # the IDNA codec's word for an empty or too long label ("ns..example.com")
            raise DnsError(f"--resolver {address!r}: {host!r} is not a host name.") from None
    return host, int(port)


def _text(rdata: object, rtype: str) -> str:
    match rtype:
        case "TXT":
            return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
        case "MX":
            return f"{rdata.preference} {_host(rdata.exchange.to_text())}"  # type: ignore[attr-defined]
        case _:
            return _host(rdata.target.to_text())  # type: ignore[attr-defined]


def _host(name: str) -> str:
    return name.rstrip(".").lower()


def expected(record: Record) -> str:
    return (
        f"{record.priority} {_host(record.value)}"
        if record.type == "MX"
        else (_host(record.value) if record.type == "CNAME" else record.value)
    )


def check(records: Sequence[Record], lookup: Lookup) -> list[Result]:
    """One result per record; each (name, type) is queried once."""
    cache: dict[tuple[str, str], list[str] | QueryFailed] = {}
    reached = False  # whether the resolver has answered anything: till then a timeout says it is not reachable
    results = []
    for record in records:
        query = (record.fqdn, record.type)
        if query not in cache:
            try:
                cache[query] = lookup(*query)
            except QueryFailed as err:
                if not (reached or err.answered):
                    raise
                cache[query] = err
            reached = True
        found = cache[query]
        if isinstance(found, QueryFailed):
            results.append(Result(record, "failed", expected(record), (), f"the query failed: {found.reason}"))
        else:
            results.append(judge(record, found))
    return results


def judge(record: Record, found: Sequence[str]) -> Result:
    want = expected(record)
    if record.purpose == "SPF":
        return _judge_spf(record, want, found)
    if not found:
        return Result(record, "missing", want, ())
    squash = (lambda v: "".join(v.split())) if record.type == "TXT" else _host
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
