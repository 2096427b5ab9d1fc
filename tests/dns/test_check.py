"""How ``dns check`` judges what a resolver found against what Mailgun wants."""

from __future__ import annotations

import pytest

from mgsync.dns.judge import judge
from mgsync.dns.model import Record

SPF = Record("mg.example.com", "example.com", "mg.example.com", "TXT", "v=spf1 include:mailgun.org ~all", "SPF")
DKIM = Record("mg.example.com", "example.com", "k1._domainkey.mg.example.com", "TXT", "k=rsa; p=ABC", "DKIM")
MX = Record("mg.example.com", "example.com", "mg.example.com", "MX", "mxa.mailgun.org", "MX", priority=10)
MX_B = Record("mg.example.com", "example.com", "mg.example.com", "MX", "mxb.mailgun.org", "MX", priority=10)
SPF_EU = Record("mg.example.eu", "example.eu", "mg.example.eu", "TXT", "v=spf1 include:eu.mailgun.org ~all", "SPF")
CNAME = Record("mg.example.com", "example.com", "email.mg.example.com", "CNAME", "mailgun.org", "tracking")

LATE = "include:mailgun.org comes after {all}, where evaluation stops (RFC 7208 §5.1): move it before {all}"
LATE_EU = "include:eu.mailgun.org comes after ?all, where evaluation stops (RFC 7208 §5.1): move it before ?all"
NOT_SPF = "receivers skip this record: an SPF record begins with exactly v=spf1 and a space (RFC 7208 §4.5)"
OPEN = "{all} lets any host on the Internet pass SPF as mg.example.com; end the record with ~all or -all"


@pytest.mark.parametrize(
    ("record", "found", "status", "message"),
    [
        (SPF, [], "missing", ""),
        (SPF, ["google-site-verification=x"], "missing", ""),
        (SPF, ["v=spf1 include:mailgun.org ~all"], "ok", ""),
        (SPF, ["v=spf1 ip4:192.0.2.1 include:MAILGUN.org -all"], "ok", ""),
        (
            SPF,
            ["v=spf1 include:_spf.google.com ~all"],
            "wrong",
            "merge include:mailgun.org into the existing SPF record",
        ),
        (SPF, ["v=spf1 include:mailgun.org ~all", "v=spf1 -all"], "wrong", "2 SPF records: merge them into one"),
        (SPF, ["v=spf1 +include:mailgun.org ~all"], "ok", ""),  # + is the default qualifier (RFC 7208 §4.6.2)
        (SPF, ["v=spf10 other", "v=spf1 include:mailgun.org ~all"], "ok", ""),  # no SPF record (RFC 7208 §4.5)
        (SPF, ["V=SPF1 include:mailgun.org"], "ok", ""),
        # RFC 7208 §5.1: mechanisms after "all" are never evaluated, so Mailgun's IPs fail or soft-fail
        (SPF, ["v=spf1 ~all include:mailgun.org"], "wrong", LATE.format(all="~all")),
        (SPF, ["v=spf1 ip4:192.0.2.1 -ALL include:mailgun.org"], "wrong", LATE.format(all="-ALL")),
        (SPF, ["v=spf1 include:mailgun.org ~all include:mailgun.org"], "ok", ""),
        (SPF, ["v=spf1 include:all.example.com include:mailgun.org -all"], "ok", ""),
        (
            SPF_EU,
            ["v=spf1 include:mailgun.org ~all"],
            "wrong",
            "merge include:eu.mailgun.org into the existing SPF record",
        ),
        (SPF_EU, ["v=spf1 ?all include:eu.mailgun.org"], "wrong", LATE_EU),
        # RFC 7208 §4.5: exactly "v=spf1", then a space or the end; receivers skip anything else
        (SPF, [" v=spf1 include:mailgun.org ~all"], "wrong", NOT_SPF),
        (SPF, ["v=spf1\tinclude:mailgun.org ~all"], "wrong", NOT_SPF),
        (SPF, [" v=spf1 include:mailgun.org ~all", "v=spf1 include:mailgun.org ~all"], "ok", ""),
        # +all passes Mailgun's mail, and everyone else's: a note, not wrong (Mailgun's mail is not hurt)
        (SPF, ["v=spf1 include:mailgun.org +all"], "ok", OPEN.format(all="+all")),
        (SPF, ["v=spf1 include:mailgun.org all"], "ok", OPEN.format(all="all")),
        (SPF, ["v=spf1 include:mailgun.org ?all"], "ok", ""),
        (DKIM, ["k=rsa;p=ABC"], "ok", ""),
        (  # two domains' keys at one name (force_root_dkim_host, one selector): both said ok
            DKIM,
            ["k=rsa; p=ABC", "k=rsa; p=OTHER"],
            "wrong",
            "2 records at this name: a verifier may take another key; keep only this one",
        ),
        (DKIM, ["k=rsa; p=OLD"], "wrong", ""),
        # RFC 6376 §3.6.1: a tag-list, not a string; whitespace inside p= is folding (§3.2)
        (DKIM, ["v=DKIM1; k=rsa; p=ABC"], "ok", ""),
        (DKIM, ["p=ABC; k=rsa"], "ok", ""),
        (DKIM, ["k=rsa; p=ABC;"], "ok", ""),
        (DKIM, [" k = rsa ;\tp = A B\r\n C ; "], "ok", ""),
        (DKIM, ["p=ABC"], "ok", ""),  # k=rsa is the default
        (DKIM, ["v=DKIM1; k=rsa; p=ABC; t=s"], "ok", ""),  # tags Mailgun does not name: not compared
        (DKIM, ["k=ed25519; p=ABC"], "wrong", ""),
        (DKIM, ["k=rsa; v=DKIM1; p=ABC"], "wrong", ""),  # v= must come first
        (DKIM, ["v=DKIM2; k=rsa; p=ABC"], "wrong", ""),
        (DKIM, ["k=rsa; p=ABC; p=ABC"], "wrong", ""),  # a tag twice: the whole list is invalid
        (DKIM, ["K=rsa; P=ABC"], "wrong", ""),  # tag names are case-sensitive
        (DKIM, ["v=DKIM1; k=rsa; p="], "wrong", ""),  # a revoked key
        (DKIM, ["k=rsa; p=ABC", "v=DKIM1; p=ABC"], "ok", ""),  # the same key twice
        (CNAME, ["MAILGUN.ORG"], "ok", ""),
        (CNAME, ["eu.mailgun.org"], "wrong", ""),
    ],
)
def test_judge(record: Record, found: list[str], status: str, message: str) -> None:
    result = judge(record, found)
    assert (result.status, result.message) == (status, message)


RIVAL = "{exchange} (preference {preference}) takes mail before Mailgun's exchanges (preference 10): remove it, or give it a preference over 10"


@pytest.mark.parametrize(
    ("found", "status", "message"),
    [
        (["10 mxb.mailgun.org", "10 mxa.mailgun.org"], "ok", ""),
        (["20 mxa.mailgun.org", "10 mxb.mailgun.org"], "wrong", ""),
        (["10 mxa.mailgun.org", "10 mxb.mailgun.org", "20 backup.example.com"], "ok", ""),  # a fallback
        # another exchange with a better (lower) or equal preference takes all or part of the mail
        (
            ["1 aspmx.l.google.com", "10 mxa.mailgun.org", "10 mxb.mailgun.org"],
            "wrong",
            RIVAL.format(exchange="aspmx.l.google.com", preference=1),
        ),
        (
            ["10 MX.Example.com.", "10 mxa.mailgun.org", "10 mxb.mailgun.org"],
            "wrong",
            RIVAL.format(exchange="mx.example.com", preference=10),
        ),
        (["1 aspmx.l.google.com"], "wrong", RIVAL.format(exchange="aspmx.l.google.com", preference=1)),
    ],
)
def test_judge_mx_names_an_exchange_that_takes_the_mail(found: list[str], status: str, message: str) -> None:
    result = judge(MX, found, (MX, MX_B))
    assert (result.status, result.message) == (status, message)


def test_resolver_failures_are_dns_errors() -> None:
    """A resolver host that does not resolve (.invalid never does, RFC 6761), or a query that cannot be
    made: ``DnsError``, exit 1, one sentence; no query leaves the machine."""
    from mgsync.dns.check import resolver
    from mgsync.errors import DnsError

    with pytest.raises(DnsError) as unresolved:
        resolver("ns.nowhere.invalid:53")
    assert str(unresolved.value) == "--resolver 'ns.nowhere.invalid:53': cannot resolve host 'ns.nowhere.invalid'."
    for host in ("ns..example.com", "n" * 64 + ".example.com"):  # an empty label; one longer than 63
        with pytest.raises(DnsError) as malformed:
            resolver(host)
        assert str(malformed.value) == f"--resolver {host!r}: {host!r} is not a host name."
    label = "a" * 64  # one label longer than DNS allows (63): refused before anything is sent
    with pytest.raises(DnsError) as failed:
        resolver("127.0.0.1:53")(f"{label}.example.com", "TXT")
    assert str(failed.value).startswith(f"DNS query {label}.example.com TXT to 127.0.0.1:53 failed: ")
    assert failed.value.exit_code == 1
