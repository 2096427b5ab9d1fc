"""Bad ``forwards:`` entries: each fails ``mgsync validate`` with exactly these located lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mgsync.cli import main

BAD = """\
forwards:
  support: {recipients: [a@example.org]}
  "a@*.example.com": {recipients: [a@example.org]}
  "a@exa mple.com": {recipients: [a@example.org]}
  "(a|b)@mg.example.com": {recipients: [a@example.org]}
  one@mg.example.com: {}
  two@mg.example.com: {recipients: [a@x.org, b@x.org, c@x.org, d@x.org, e@x.org, f@x.org]}
  three@mg.example.com: {urls: [https://a.example.com, https://b.example.com, https://c.example.com, https://d.example.com]}
  four@mg.example.com: {recipients: [not-an-email], store: ftp://x.example.com}
  five@mg.example.com: {urls: [https://a.example.com], stor: https://x.example.com}
  Six@mg.example.com: {recipients: [a@example.org]}
  six@MG.example.com: {recipients: [a@example.org]}
  seven@mg.example.com: {recipients: []}
  eight@mg.example.com: {recipients: [a@example.org, A@example.org], urls: [https://a.example.com/X, https://a.example.com/x]}
  nine@mg.example.com: {urls: [https://a.example.com/x, https://a.example.com/x]}
"""

EXPECTED = [
    'bad.yaml:2:3: forwards.support: match "support" must be local@domain, e.g. "support@mg.example.com" or "*@mg.example.com"',
    'bad.yaml:3:3: forwards.a@*.example.com: match "a@*.example.com": the wildcard * may appear only before the @ (write the domain out)',
    'bad.yaml:4:3: forwards.a@exa mple.com: match "a@exa mple.com": "exa mple.com" is not a valid domain name',
    'bad.yaml:5:3: forwards.(a|b)@mg.example.com: match "(a|b)@mg.example.com": before the @ only e-mail address characters may appear, with * as the wildcard',
    "bad.yaml:6:3: forwards.one@mg.example.com: needs at least one destination: recipients, urls or store",
    "bad.yaml:7:24: forwards.two@mg.example.com.recipients: has 6 recipients; Mailgun allows at most 5 per forward",
    "bad.yaml:8:26: forwards.three@mg.example.com.urls: has 4 URLs; Mailgun allows at most 3 per forward",
    'bad.yaml:9:38: forwards.four@mg.example.com.recipients[0]: "not-an-email" is not a valid email address',
    'bad.yaml:9:60: forwards.four@mg.example.com.store: "ftp://x.example.com" is not a valid URL (expected http:// or https:// and a host)',
    'bad.yaml:10:56: forwards.five@mg.example.com.stor: unknown key "stor" (did you mean "store"?)',
    "bad.yaml:12:3: forward:six@MG.example.com: defined twice (also at bad.yaml:11:3)",
    "bad.yaml:13:3: forwards.seven@mg.example.com: needs at least one destination: recipients, urls or store",
    'bad.yaml:14:26: forwards.eight@mg.example.com.recipients: lists "A@example.org" twice',
    'bad.yaml:15:25: forwards.nine@mg.example.com.urls: lists "https://a.example.com/x" twice',
    "14 errors found.",
]


def test_bad_forwards_fail_validation_with_exact_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "bad.yaml"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == EXPECTED


def test_good_forwards_validate(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(
        "forwards:\n"
        "  '*@mg.example.com': {store: https://app.example.com/n}\n"
        "  Support.*@MG.Example.com: {recipients: [a@example.org], urls: [https://app.example.com/in]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "ok.yaml")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: 2 resources in 1 file (2 forwards)")
