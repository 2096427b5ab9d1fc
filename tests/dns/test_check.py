"""How ``dns check`` judges what a resolver found against what Mailgun wants."""

from __future__ import annotations

import pytest

from mgsync.dns.judge import judge
from mgsync.dns.model import Record

SPF = Record("mg.example.com", "example.com", "mg.example.com", "TXT", "v=spf1 include:mailgun.org ~all", "SPF")
DKIM = Record("mg.example.com", "example.com", "k1._domainkey.mg.example.com", "TXT", "k=rsa; p=ABC", "DKIM")
MX = Record("mg.example.com", "example.com", "mg.example.com", "MX", "mxa.mailgun.org", "MX", priority=10)
CNAME = Record("mg.example.com", "example.com", "email.mg.example.com", "CNAME", "mailgun.org", "tracking")


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
        (DKIM, ["k=rsa;p=ABC"], "ok", ""),
        (  # two domains' keys at one name (force_root_dkim_host, one selector): both said ok
            DKIM,
            ["k=rsa; p=ABC", "k=rsa; p=OTHER"],
            "wrong",
            "2 records at this name: a verifier may take another key; keep only this one",
        ),
        (DKIM, ["k=rsa; p=OLD"], "wrong", ""),
        (MX, ["10 mxb.mailgun.org", "10 mxa.mailgun.org"], "ok", ""),
        (MX, ["20 mxa.mailgun.org"], "wrong", ""),
        (CNAME, ["MAILGUN.ORG"], "ok", ""),
        (CNAME, ["eu.mailgun.org"], "wrong", ""),
    ],
)
def test_judge(record: Record, found: list[str], status: str, message: str) -> None:
    result = judge(record, found)
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
