"""The examples validate, round-trip through the canonical models, and keep secrets secret."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from mgsync.manifest import Desired, load
from tests.support.cli import native
from tests.support.manifests import EXAMPLES, PRODUCTION_ENV, SCHEMA

SUMMARIES = {
    "quickstart": "OK: 12 resources in 1 file (1 domain, 1 route, 1 mailing list)",
    "production": "OK: 101 resources in 5 files (3 domains, 4 routes, 3 mailing lists)",
}


@pytest.mark.parametrize("example", sorted(SUMMARIES))
def test_example_validates(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    result = CliRunner().invoke(main, ["validate", f"examples/{example}"], env=PRODUCTION_ENV)
    assert (result.exit_code, result.stdout, result.stderr) == (0, SUMMARIES[example] + "\n", "")


def test_production_without_its_secrets_names_each_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    env: dict[str, str | None] = dict.fromkeys(PRODUCTION_ENV)
    env["MG_SMTP_APP"] = PRODUCTION_ENV["MG_SMTP_APP"]  # one is set: its value must not leak either
    result = CliRunner().invoke(main, ["validate", "--strict", "examples/production"], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{native('examples/production/eu.example.net.yaml')}:11:23: domains.eu.example.net.credentials.app.password:"
        " environment variable MG_SMTP_EU_APP is not set",
        f"{native('examples/production/mg.example.com.yaml')}:46:42: domains.mg.example.com.credentials.billing@mg.example.com.password:"
        " environment variable MG_SMTP_BILLING is not set",
        f"{native('examples/production/news.example.com.yaml')}:23:30: domains.news.example.com.credentials.newsletter.password:"
        " environment variable MG_SMTP_NEWSLETTER is not set",
        "3 errors found.",
    ]
    assert PRODUCTION_ENV["MG_SMTP_APP"] not in result.output


def test_production_validates_without_secrets_with_a_warning_per_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork's pull request has no secrets: validate still passes and names every unset variable."""
    monkeypatch.chdir(EXAMPLES.parent)
    env: dict[str, str | None] = dict.fromkeys(PRODUCTION_ENV)
    env["MG_SMTP_APP"] = PRODUCTION_ENV["MG_SMTP_APP"]
    result = CliRunner().invoke(main, ["validate", "examples/production"], env=env)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"Warning: {native('examples/production/eu.example.net.yaml')}:11:23: domains.eu.example.net.credentials.app.password:"
        " environment variable MG_SMTP_EU_APP is not set (apply needs it)",
        f"Warning: {native('examples/production/mg.example.com.yaml')}:46:42: domains.mg.example.com.credentials.billing@mg.example.com"
        ".password: environment variable MG_SMTP_BILLING is not set (apply needs it)",
        f"Warning: {native('examples/production/news.example.com.yaml')}:23:30: domains.news.example.com.credentials.newsletter"
        ".password: environment variable MG_SMTP_NEWSLETTER is not set (apply needs it)",
    ]
    assert result.stdout.splitlines() == [
        "OK: 101 resources in 5 files (3 domains, 4 routes, 3 mailing lists), 3 warnings"
    ]
    assert PRODUCTION_ENV["MG_SMTP_APP"] not in result.output


def test_secret_values_never_appear_in_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.yaml").write_text(
        "domains:\n"
        "  mg.example.com:\n"
        "    credentials:\n"
        '      short: {password: "${env:SHORT_PW}"}\n'
        '      long: {password: "${env:LONG_PW}"}\n'
        "    webhooks:\n"
        '      delivered: "https://hooks.example.com/${env:HOOK_TOKEN} x"\n'
    )
    monkeypatch.chdir(tmp_path)
    env = {"SHORT_PW": "abcd", "LONG_PW": "p" * 40, "HOOK_TOKEN": "tok-5e3cr3t"}
    result = CliRunner().invoke(main, ["validate", "m.yaml"], env=env)
    assert result.stderr.splitlines() == [
        "m.yaml:4:25: domains.mg.example.com.credentials.short.password:"
        " the value of ${env:SHORT_PW} must be 5 to 32 characters long (Mailgun's rule)",
        "m.yaml:5:24: domains.mg.example.com.credentials.long.password:"
        " the value of ${env:LONG_PW} must be 5 to 32 characters long (Mailgun's rule)",
        'm.yaml:7:18: domains.mg.example.com.webhooks.delivered: "https://hooks.example.com/${env:HOOK_TOKEN} x"'
        " is not a valid URL (expected http:// or https:// and a host)",
        "3 errors found.",
    ]
    assert not any(value in result.output for value in env.values())


def test_example_files_point_editors_at_the_schema() -> None:
    manifests = sorted(p for p in EXAMPLES.rglob("*.yaml") if not p.name.endswith(".vars.yaml"))  # test data
    assert len(manifests) >= 6
    for manifest in manifests:
        first = manifest.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{manifest} must start with the yaml-language-server schema comment"
        assert (manifest.parent / match.group(1)).resolve() == SCHEMA


# --- round trip --------------------------------------------------------------------------------


def _load(example: str) -> Desired:
    return load([EXAMPLES / example], PRODUCTION_ENV)


def serialise(desired: Desired) -> dict[str, Any]:
    return {
        "resources": {str(a): [str(r.source), r.body.managed()] for a, r in desired.state.items()},
        "prune": sorted(desired.prune),
        "domains": desired.keys("domain"),
        "lists": desired.keys("list"),
        "files": [str(f) for f in desired.files],
    }


@pytest.mark.parametrize("example", sorted(SUMMARIES))
def test_canonical_models_round_trip(example: str) -> None:
    desired = _load(example)
    assert len(desired.state) > 10
    for resource in desired.state.values():
        body, model = resource.body, type(resource.body)
        again = model.model_validate(body.model_dump(exclude_unset=True))
        assert again == body and again.model_fields_set == body.model_fields_set, resource.address
        if not body.SECRET:
            assert model.model_validate(body.managed()).managed() == body.managed(), resource.address
    first, second = serialise(desired), serialise(_load(example))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_quickstart_resources_are_exactly_what_the_manifest_says() -> None:
    state = _load("quickstart").state
    assert {str(a): r.body.managed() for a, r in state.items()} == {
        "bounce:mg.example.com/gone@example.org": {"code": "550", "error": "mailbox does not exist"},
        "domain:mg.example.com": {"spam_action": "tag", "web_scheme": "https"},
        "list:news@mg.example.com": {
            "name": "Newsletter",
            "description": "Product news, once a month",
            "access_level": "readonly",
        },
        "member:news@mg.example.com/alice@example.org": {},
        "member:news@mg.example.com/bob@example.org": {"name": "Bob"},
        "member:news@mg.example.com/carol@example.org": {"name": "Carol", "vars": {"plan": "pro"}},
        "route:support-inbox": {
            "priority": 10,
            "expression": 'match_recipient("support@mg.example.com")',
            "actions": ['forward("https://app.example.com/inbound/support")', "stop()"],
        },
        "template:mg.example.com/welcome": {
            "description": "Welcome email",
            "headers": {"Subject": "Welcome, {{name}}!"},
            "template": "<h1>Welcome, {{name}}!</h1>\n"
            "<p>Thanks for signing up. Reply to this email if you need anything.</p>\n",
        },
        "tracking:mg.example.com": {
            "open": {"active": True},
            "click": {"active": "htmlonly"},
            "unsubscribe": {"active": True},
        },
        "unsubscribe:mg.example.com/quit@example.org": {},
        "webhook:mg.example.com/delivered": {"urls": ["https://hooks.example.com/mailgun"]},
        "webhook:mg.example.com/permanent_fail": {
            "urls": ["https://backup.example.com/mailgun", "https://hooks.example.com/mailgun"]
        },
    }


def test_production_desired_state() -> None:
    desired = _load("production")
    root = EXAMPLES / "production"
    assert desired.root == root
    assert desired.files == tuple(
        root / name
        for name in (
            "account.yaml",
            "eu.example.net.yaml",
            "lists.yaml",
            "mg.example.com.yaml",
            "news.example.com.yaml",
        )
    )
    assert desired.keys("domain") == ("eu.example.net", "mg.example.com", "news.example.com")
    assert desired.keys("list") == (
        "newsletter@news.example.com",
        "security-announce@mg.example.com",
        "staff@mg.example.com",
    )
    assert desired.prune == {
        ("route", ""),
        ("list", ""),
        ("webhook", "mg.example.com"),
        ("template", "mg.example.com"),
        ("credential", "mg.example.com"),
        ("webhook", "news.example.com"),
        ("template", "news.example.com"),
        ("credential", "news.example.com"),
        ("allowlist", "news.example.com"),
        ("member", "staff@mg.example.com"),
    }
    kinds = {kind: len(desired.state.of_kind(kind)) for kind in {a.kind for a in desired.state}}
    assert kinds == {
        "allowlist": 4, "bounce": 6, "complaint": 3, "credential": 5, "domain": 3, "list": 3, "member": 54,
        "route": 4, "template": 4, "tracking": 2, "unsubscribe": 3, "webhook": 10,
    }  # fmt: skip


def test_production_secrets_and_files_are_resolved() -> None:
    state = _load("production").state
    by_key = {str(a): r for a, r in state.items()}
    billing = by_key["credential:mg.example.com/billing"]  # written as billing@mg.example.com
    assert billing.body.password.get_secret_value() == PRODUCTION_ENV["MG_SMTP_BILLING"]
    assert by_key["credential:mg.example.com/legacy-crm"].body.model_fields_set == set()
    receipt = by_key["template:mg.example.com/receipt"].body
    assert receipt.template == (EXAMPLES / "production/templates/receipt.go.tmpl").read_text()
    assert receipt.engine == "go" and "keep_versions" not in receipt.model_fields_set
    assert by_key["template:mg.example.com/welcome"].body.keep_versions == 20


def test_member_subscribed_is_set_only_where_written() -> None:
    state = {str(a): r for a, r in _load("production").state.items()}
    prefix = "member:newsletter@news.example.com/"
    csv_rows = {key.removeprefix(prefix): r for key, r in state.items() if key.startswith(prefix)}
    assert len(csv_rows) == 50
    assert csv_rows["ada.okafor@example.com"].body.model_fields_set == {"name", "vars", "subscribed"}
    assert csv_rows["ben.tanaka@example.org"].body.model_fields_set == {"name", "vars"}  # empty cell: unset
    assert csv_rows["farid.haddad@example.net"].body.managed()["subscribed"] is False
    assert str(csv_rows["ada.okafor@example.com"].source) == "{}:2:1".format(
        EXAMPLES / "production/lists/newsletter.csv"
    )
    assert "subscribed" not in state["member:staff@mg.example.com/alice@example.com"].body.model_fields_set
    assert state["member:staff@mg.example.com/carol@example.com"].body.managed()["subscribed"] is True
