"""Least privilege (issue 19): ``plan`` and ``dns export|check`` run without SMTP passwords, ``apply``
needs and checks every one, and an empty ``${env:}`` value counts as not set everywhere. The real
``mgsync`` executable against the emulator served on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import EXAMPLE_ENV, run
from tests.support.dnsserver import dns_server

from .test_cli import copy_example

KEY = "least-privilege-key"
PASSWORDS = sorted(name for name in EXAMPLE_ENV if name.startswith("MG_SMTP_"))
NOT_CHECKED = [  # examples/production's four SMTP logins, in address order
    "credential:eu.example.net/app: password not checked (MG_SMTP_EU_APP is not set)",
    "credential:mg.example.com/app: password not checked (MG_SMTP_APP is not set)",
    "credential:mg.example.com/billing: password not checked (MG_SMTP_BILLING is not set)",
    "credential:news.example.com/newsletter: password not checked (MG_SMTP_NEWSLETTER is not set)",
]


def said(stderr: str) -> list[str]:
    """stderr without the status line a slow read adds (``status.py``)."""
    return [line for line in stderr.splitlines() if not line.startswith("reading Mailgun: ")]


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


@pytest.fixture
def applied(mailgun, tmp_path: Path) -> tuple[Emulator, dict[str, str], Path]:
    """examples/production applied with every password: the lockfile holds their hashes."""
    emu, env = mailgun
    path = copy_example("production", tmp_path)
    done = run("apply", "--yes", str(path), env=env)
    assert done.returncode == 0, done.stderr
    return emu, env, path


def test_plan_without_passwords_marks_them_not_checked_in_every_format(applied) -> None:
    _, env, path = applied
    checked = json.loads(run("plan", "--format", "json", str(path), env=env).stdout)
    assert checked["changes"] == [] and not any("not checked" in note for note in checked["notes"])
    text = run("plan", "--detailed-exitcode", str(path), env=env, unset=PASSWORDS)
    assert text.returncode == 0, text.stderr
    assert [line for line in text.stdout.splitlines() if "not checked" in line] == [f"Note: {n}" for n in NOT_CHECKED]
    assert text.stdout.rstrip().endswith("No changes. Mailgun matches the manifests.")
    document = json.loads(run("plan", "--format", "json", str(path), env=env, unset=PASSWORDS).stdout)
    assert [n for n in document["notes"] if "not checked" in n] == NOT_CHECKED
    assert document["changes"] == [] and document["digest"] == checked["digest"]
    markdown = run("plan", "--format", "markdown", str(path), env=env, unset=PASSWORDS)
    assert markdown.returncode == 0 and all(note in markdown.stdout for note in NOT_CHECKED)
    for output in (text.stdout + text.stderr, json.dumps(document), markdown.stdout):
        assert not any(EXAMPLE_ENV[name] in output for name in PASSWORDS)


def test_plan_without_passwords_still_shows_other_changes_and_exits_2(applied) -> None:
    _, env, path = applied
    manifest = path / "mg.example.com.yaml"
    manifest.write_text(manifest.read_text().replace("spam_action: block", "spam_action: tag"))
    plan = run("plan", "--detailed-exitcode", "--format", "json", str(path), env=env, unset=PASSWORDS)
    assert plan.returncode == 2, plan.stderr
    document = json.loads(plan.stdout)
    assert [(c["address"], c["action"]) for c in document["changes"]] == [("domain:mg.example.com", "update")]
    assert [n for n in document["notes"] if "not checked" in n] == NOT_CHECKED


def test_an_empty_value_counts_as_not_set_for_plan_and_apply(applied) -> None:
    emu, env, path = applied
    empty = {**env, "MG_SMTP_APP": ""}
    plan = run("plan", str(path), env=empty)
    assert plan.returncode == 0, plan.stderr
    assert [line for line in plan.stdout.splitlines() if "not checked" in line] == [f"Note: {NOT_CHECKED[1]}"]
    requests = len(emu.log)
    refused = run("apply", "--yes", str(path), env=empty)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"Error: {path / 'mg.example.com.yaml'}:45:23: domains.mg.example.com.credentials.app.password: "
        "environment variable MG_SMTP_APP is not set",
    ]
    assert len(emu.log) == requests  # nothing sent: validation comes first


def test_apply_needs_every_password_before_any_request(mailgun, tmp_path: Path) -> None:
    emu, env = mailgun
    path = copy_example("production", tmp_path)
    refused = run("apply", "--yes", str(path), env=env, unset=PASSWORDS)
    assert refused.returncode == 1
    for name in PASSWORDS:
        assert f"environment variable {name} is not set" in refused.stderr
    assert "not checked" not in refused.stderr
    assert list(emu.log) == [] and not (path / "mgsync.lock").exists()


def test_apply_checks_a_password_the_plan_could_not(applied) -> None:
    """The PR plan (no passwords) shows no change; apply with a rotated password sees and makes it."""
    _emu, env, path = applied
    unchecked = run("plan", "--detailed-exitcode", str(path), env=env, unset=PASSWORDS)
    assert unchecked.returncode == 0
    rotated = {**env, "MG_SMTP_BILLING": "a-new-password"}
    fresh = json.loads(run("plan", "--format", "json", str(path), env=rotated).stdout)
    assert [(c["address"], c["action"]) for c in fresh["changes"]] == [("credential:mg.example.com/billing", "update")]
    done = run("apply", "--yes", str(path), env=rotated)
    assert done.returncode == 0, done.stderr
    assert run("plan", "--detailed-exitcode", str(path), env=rotated).returncode == 0


def test_a_plan_saved_without_passwords_is_applied_only_with_them_and_after_checking(applied, tmp_path: Path) -> None:
    """Decision: a saved plan made without passwords holds no promise about them. Applying it loads
    every password (an unset one is an error naming it) and checks each against the lockfile; one
    that differs is a change nobody reviewed, so the saved plan is stale (exit 3) and nothing is sent."""
    emu, env, path = applied
    manifest = path / "mg.example.com.yaml"
    manifest.write_text(manifest.read_text().replace("spam_action: block", "spam_action: tag"))
    saved = tmp_path / "plan.json"
    made = run("plan", "--out", str(saved), str(path), env=env, unset=PASSWORDS)
    assert made.returncode == 0, made.stderr
    assert not any(EXAMPLE_ENV[name] in saved.read_text() for name in PASSWORDS)
    without = run("apply", "--yes", str(saved), env=env, unset=PASSWORDS)
    assert without.returncode == 1 and "environment variable MG_SMTP_BILLING is not set" in without.stderr
    writes = [e for e in emu.log if e.method != "GET"]
    rotated = run("apply", "--yes", str(saved), env={**env, "MG_SMTP_BILLING": "a-new-password"})
    assert rotated.returncode == 3
    assert said(rotated.stderr) == [
        "Error: Saved plan is stale: Mailgun no longer needs the same changes. Run mgsync plan again."
    ]
    assert [e for e in emu.log if e.method != "GET"] == writes
    done = run("apply", "--yes", str(saved), env=env)
    assert done.returncode == 0, done.stderr
    assert [e.path for e in emu.log if e.method != "GET"][len(writes) :] == ["/v4/domains/mg.example.com"]


def test_an_unset_variable_outside_a_secret_still_stops_a_plan(mailgun, tmp_path: Path) -> None:
    emu, env = mailgun
    (tmp_path / "mg.yaml").write_text(
        'domains:\n  mg.example.com:\n    webhooks:\n      delivered: ["${env:MGSYNC_TEST_HOOK}"]\n'
        '    credentials:\n      alice: {password: "${env:MGSYNC_TEST_PW}"}\n'
    )
    plan = run("plan", str(tmp_path), env=env, unset=["MGSYNC_TEST_HOOK", "MGSYNC_TEST_PW"])
    assert plan.returncode == 1
    assert plan.stderr.splitlines() == [
        f"Error: {tmp_path / 'mg.yaml'}:4:19: domains.mg.example.com.webhooks.delivered[0]: "
        "environment variable MGSYNC_TEST_HOOK is not set",
    ]
    assert list(emu.log) == []


def test_validate_says_which_command_needs_an_unset_variable(tmp_path: Path) -> None:
    (tmp_path / "mg.yaml").write_text(
        'domains:\n  mg.example.com:\n    webhooks:\n      delivered: ["${env:MGSYNC_TEST_HOOK}"]\n'
        '    credentials:\n      alice: {password: "${env:MGSYNC_TEST_PW}"}\n'
    )
    result = run("validate", str(tmp_path), env={"MGSYNC_TEST_HOOK": ""}, unset=["MGSYNC_TEST_PW"])
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"Warning: {tmp_path / 'mg.yaml'}:4:19: domains.mg.example.com.webhooks.delivered[0]: "
        "environment variable MGSYNC_TEST_HOOK is not set (plan and apply need it)",
        f"Warning: {tmp_path / 'mg.yaml'}:6:25: domains.mg.example.com.credentials.alice.password: "
        "environment variable MGSYNC_TEST_PW is not set (apply needs it)",
    ]
    strict = run("validate", "--strict", str(tmp_path), env={"MGSYNC_TEST_HOOK": ""}, unset=["MGSYNC_TEST_PW"])
    assert strict.returncode == 1 and "MGSYNC_TEST_PW is not set" in strict.stderr


def test_dns_export_and_check_run_without_smtp_secrets(applied, tmp_path: Path) -> None:
    _, env, path = applied
    zone = tmp_path / "example.com.zone"
    exported = run(
        "dns",
        "export",
        str(path),
        "--format",
        "bind",
        "--zone",
        "example.com",
        "--out",
        str(zone),
        env=env,
        unset=PASSWORDS,
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr.splitlines() == [
        "Note: eu.example.net is in none of the zones given; left out.",
        f"Wrote {zone}",
    ]
    with dns_server(zone.read_text()) as resolver:
        checked = run(
            "dns",
            "check",
            str(path),
            "--resolver",
            resolver,
            "--zone",
            "example.com",
            "--format",
            "json",
            env=env,
            unset=PASSWORDS,
        )
    assert checked.returncode == 0, checked.stderr
    document = json.loads(checked.stdout)
    assert {r["name"] for r in document["results"]} == {  # names relative to the zone example.com
        "mg",
        "track.mg",
        "pdk1._domainkey.mg",
        "pdk2._domainkey.mg",
        "news",
        "email.news",
        "smtp._domainkey.news",
    }
    assert document["summary"] == {"ok": len(document["results"]), "missing": 0, "wrong": 0, "failed": 0}


def test_a_dkim_private_key_is_not_checked_by_a_plan_without_it(mailgun, tmp_path: Path) -> None:
    """The other secret a manifest may hold: an imported DKIM key's PEM, needed only by apply."""
    emu, env = mailgun
    pem = (Path(__file__).parents[1] / "emulator" / "data" / "dkim-test-rsa1024.pem").read_text()
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    dkim_keys: {imp: {pem: '${env:MGSYNC_TEST_DKIM}'}}\n"
    )
    done = run("apply", "--yes", str(tmp_path), env={**env, "MGSYNC_TEST_DKIM": pem})
    assert done.returncode == 0, done.stderr
    plan = run("plan", "--detailed-exitcode", str(tmp_path), env=env, unset=["MGSYNC_TEST_DKIM"])
    assert plan.returncode == 0, plan.stderr
    assert [line for line in plan.stdout.splitlines() if "not checked" in line] == [
        "Note: dkim_key:mg.example.com/imp: pem not checked (MGSYNC_TEST_DKIM is not set)"
    ]
    requests = len(emu.log)
    refused = run("apply", "--yes", str(tmp_path), env={**env, "MGSYNC_TEST_DKIM": ""})
    assert refused.returncode == 1 and "environment variable MGSYNC_TEST_DKIM is not set" in refused.stderr
    assert len(emu.log) == requests
