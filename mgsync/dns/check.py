"""``mgsync dns check``: resolve every record Mailgun wants with dnspython and judge each one
(``judge.py``) ok, missing, wrong (with what was expected and what was found) or failed (its query).

A query the resolver answers with a failure (SERVFAIL from a broken delegation) or leaves
unanswered while it answers others is that record's result, ``failed``; the rest are still
judged. Only a resolver that answers nothing, not even a probe, ends the check at once.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from mgsync.dns.judge import Result, answered_instead, expected, followed, host, judge
from mgsync.dns.model import Record
from mgsync.errors import DnsError, MgsyncError

TIMEOUT = 5.0
CHAIN = 8  # CNAMEs followed from a record's name; resolvers give up at about as many
Lookup = Callable[[str, str], list[str]]


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
            return f"{rdata.preference} {host(rdata.exchange.to_text())}"  # type: ignore[attr-defined]
        case "A" | "AAAA":
            return str(rdata)  # the address as written (dnspython: to_text)
        case _:
            return host(rdata.target.to_text())  # type: ignore[attr-defined]


def check(records: Sequence[Record], lookup: Lookup) -> list[Result]:
    """One result per record; each (name, type) is queried once."""
    wanted: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        wanted.setdefault((record.fqdn, record.type), []).append(record)
    ask = _Queries(lookup)
    results = []
    for record in records:
        found = ask(record.fqdn, record.type)
        if isinstance(found, QueryFailed):
            results.append(Result(record, "failed", expected(record), (), f"the query failed: {found.reason}"))
        else:
            result = judge(record, found, wanted[(record.fqdn, record.type)])
            if _goes_on(result):
                result = followed(result, _chain(ask, found[0]))
            elif result.record.type == "CNAME" and result.status == "missing":
                result = answered_instead(result, _addresses(ask, record.fqdn))
            results.append(result)
    return results


def _addresses(ask: _Queries, fqdn: str) -> list[str]:
    """The A and AAAA values at ``fqdn`` (none where a query failed)."""
    found = [ask(fqdn, rtype) for rtype in ("A", "AAAA")]
    return [value for values in found if not isinstance(values, QueryFailed) for value in values]


def _goes_on(result: Result) -> bool:
    return result.record.type == "CNAME" and result.status == "wrong" and len(result.found) == 1


def _chain(ask: _Queries, first: str) -> list[str]:
    """The names a CNAME leads through, ``first`` included, up to ``CHAIN`` of them (a loop ends it)."""
    chain = [first]
    while len(chain) < CHAIN:
        found = ask(chain[-1], "CNAME")
        if isinstance(found, QueryFailed) or len(found) != 1 or found[0] in chain:
            break
        chain.append(found[0])
    return chain


class _Queries:
    """Each (name, type) asked once, its failure kept as its answer. A timeout before the resolver has
    answered anything is one probe from meaning it is unreachable (one error, no report): the root's
    NS, which any resolver answers at once, if only to refuse. One that answers the probe is reachable,
    and the name that timed out (a lame delegation: recursive resolvers take seconds to give up on
    one) is that record's result."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup, self.reached = lookup, False
        self.cache: dict[tuple[str, str], list[str] | QueryFailed] = {}

    def __call__(self, fqdn: str, rtype: str) -> list[str] | QueryFailed:
        if (fqdn, rtype) not in self.cache:
            self.cache[(fqdn, rtype)] = self._ask(fqdn, rtype)
        return self.cache[(fqdn, rtype)]

    def _ask(self, fqdn: str, rtype: str) -> list[str] | QueryFailed:
        try:
            found: list[str] | QueryFailed = self.lookup(fqdn, rtype)
        except QueryFailed as err:
            if not (self.reached or err.answered or self._answers_probe()):
                raise
            found = err
        self.reached = True
        return found

    def _answers_probe(self) -> bool:
        try:
            self.lookup(".", "NS")
        except QueryFailed as err:
            return err.answered
        return True
