"""How ``dns check`` results read as text: a long value that is wrong shows where it differs."""

from __future__ import annotations

from mgsync.dns import report
from mgsync.dns.judge import judge
from mgsync.dns.model import Record

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "".join(chr(65 + i % 26) for i in range(350))
DKIM = Record("mg.example.com", "example.com", "pic._domainkey.mg.example.com", "TXT", f"k=rsa; p={KEY}", "DKIM")


def test_a_wrong_long_value_shows_where_it_first_differs() -> None:
    """Both lines showed the same 72-character prefix: one changed character at 301 could not be found."""
    published = DKIM.value[:300] + "#" + DKIM.value[301:]
    lines = report.text([judge(DKIM, [published])]).splitlines()
    assert lines[1] == "  wrong    DKIM      TXT    pic._domainkey.mg.example.com"
    assert lines[4] == (
        '           differ:   from character 301: expected …"TUVWXYZABCDEFGHIJKLMNOPQRSTUVWXY"…, '
        'found …"TUVWXYZABCDEFGHIJKLM#OPQRSTUVWXY"…'
    )
    shorter = report.text([judge(DKIM, [DKIM.value[:200]])]).splitlines()
    assert shorter[4] == (
        '           differ:   from character 201: expected …"XYZABCDEFGHIJKLMNOPQRSTUVWXYZABC"…, '
        'found …"XYZABCDEFGHIJKLMNOPQ" (its end)'
    )


def test_short_values_need_no_difference_line() -> None:
    record = Record("mg.example.com", "example.com", "email.mg.example.com", "CNAME", "mailgun.org", "tracking")
    assert report.text([judge(record, ["eu.mailgun.org"])]).splitlines()[2:] == [
        '           expected: "mailgun.org"',
        '           found:    "eu.mailgun.org"',
        "DNS check: 0 ok, 0 missing, 1 wrong.",
    ]
