"""The GitOps contract of the CLI: plan digests and --expect-plan, validate without secrets and its
formats, the lock timeout, the version report, and recovering from a lost lockfile commit."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.plan import Plan
from mgsync.safefile import hold
from tests.support.cli import EXAMPLE_ENV, REPO, run
from tests.support.plans import example_plan, update

from .test_cli import copy_example

KEY = "gitops-key"
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_digest_depends_on_the_changes_only() -> None:
    plan = example_plan()
    shuffled = Plan(changes=list(reversed(plan.changes)), notes=["other notes"], existing={"route": 99})
    assert DIGEST.fullmatch(plan.digest) and shuffled.digest == plan.digest
    assert Plan(changes=plan.changes[:-1]).digest != plan.digest
    one = Plan(changes=[update("domain:mg.example.com", ("spam_action", "disabled", "tag"))])
    other = Plan(changes=[update("domain:mg.example.com", ("spam_action", "disabled", "block"))])
    assert one.digest != other.digest


def test_every_format_shows_the_same_digest_and_secrets_do_not_change_it(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("production", tmp_path)
    digest = json.loads(run("plan", "--format", "json", str(path), env=env).stdout)["digest"]
    assert DIGEST.fullmatch(digest)
    text = run("plan", str(path), env=env).stdout.splitlines()
    assert text[-2:] == [text[-2], f"Plan digest: {digest}"] and text[-2].startswith("Plan: ")
    markdown = run("plan", "--format", "markdown", str(path), env=env).stdout
    assert markdown.rstrip().endswith(f"\n\nPlan digest: `{digest}`")
    other_passwords = {name: value[::-1] for name, value in EXAMPLE_ENV.items()}
    masked = json.loads(run("plan", "--format", "json", str(path), env={**env, **other_passwords}).stdout)
    assert masked["digest"] == digest


def test_apply_expect_plan_refuses_another_digest_and_applies_the_reviewed_one(mailgun, tmp_path) -> None:
    emu, env = mailgun
    path = copy_example("quickstart", tmp_path)
    digest = json.loads(run("plan", "--format", "json", str(path), env=env).stdout)["digest"]
    requests = len(emu.log)
    wrong = "sha256:" + "f" * 64
    refused = run("apply", "--yes", "--expect-plan", wrong, str(path), env=env)
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        f"Error: Refusing to apply: the plan now has digest {digest}, not the reviewed {wrong}; "
        "Mailgun, the manifests or the lockfile changed since the review. Run mgsync plan again."
    ]
    assert refused.stdout == "" and not (path / "mgsync.lock").exists()
    assert all(entry.method == "GET" for entry in list(emu.log)[requests:])
    applied = run("apply", "--yes", "--expect-plan", digest, str(path), env=env)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete" in applied.stdout
    again = run("plan", "--detailed-exitcode", str(path), env=env)
    assert again.returncode == 0 and again.stdout.strip().endswith("No changes. Mailgun matches the manifests.")


@pytest.mark.parametrize("given", ["abc", "", " ", "sha256:0", "sha256:" + "g" * 64, "f" * 64])
def test_an_expected_digest_that_is_no_digest_is_a_usage_error_before_anything_is_read(
    mailgun, tmp_path, given: str
) -> None:
    """It was refused as drift ("Mailgun, the manifests or the lockfile changed since the review"),
    exit 3, after reading the account: a typo or an empty CI variable read as a change in Mailgun."""
    emu, env = mailgun
    path = copy_example("quickstart", tmp_path)
    refused = run("apply", "--yes", "--expect-plan", given, str(path), env=env)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--expect-plan': {given!r} is not a plan digest "
        "(expected sha256: and 64 hex digits, as a plan prints after 'Plan digest:')."
    )
    assert list(emu.log) == [] and not (path / "mgsync.lock").exists()


def test_a_lost_lockfile_is_recovered_by_one_apply_of_unchanged_manifests(mailgun, tmp_path) -> None:
    """What the README promises: only the password hashes need re-setting; nothing is created twice."""
    _, env = mailgun
    path = copy_example("production", tmp_path)
    assert run("apply", "--yes", str(path), env=env).returncode == 0
    recorded = set(json.loads((path / "mgsync.lock").read_text())["resources"])
    (path / "mgsync.lock").unlink()
    lost = json.loads(run("plan", "--format", "json", str(path), env=env).stdout)
    assert {(c["kind"], c["action"]) for c in lost["changes"]} == {("credential", "update")}
    assert run("apply", "--yes", "--expect-plan", lost["digest"], str(path), env=env).returncode == 0
    assert set(json.loads((path / "mgsync.lock").read_text())["resources"]) == recorded
    assert run("plan", "--detailed-exitcode", str(path), env=env).returncode == 0


BAD = 'routes:\n  support:\n    priority: 0\n    expresion: match_recipient("a@example.com")\n    actions: ["stop()"]\n'


SECRET_FROM_ENV = (
    'domains:\n  mg.example.com:\n    credentials:\n      alice: {password: "${env:MGSYNC_TEST_UNSET_PW}"}\n'
)


def test_validate_github_annotations_point_at_the_line(tmp_path) -> None:
    (tmp_path / "mailgun").mkdir()
    (tmp_path / "mailgun" / "routes.yaml").write_text(BAD + SECRET_FROM_ENV)
    result = run("validate", "--format", "github", "mailgun", cwd=tmp_path, env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::warning file=mailgun/routes.yaml,line=9,col=25,title=mgsync validate::"
        "domains.mg.example.com.credentials.alice.password: "
        "environment variable MGSYNC_TEST_UNSET_PW is not set (apply needs it)",
        "::error file=mailgun/routes.yaml,line=2,col=3,title=mgsync validate::routes.support: "
        'missing required key "expression"',
        "::error file=mailgun/routes.yaml,line=4,col=5,title=mgsync validate::routes.support.expresion: "
        'unknown key "expresion" (did you mean "expression"?)',
        "2 errors found.",  # GitHub shows a step's first 10 annotations: the count was nowhere
    ]


def test_validate_json_lists_every_problem(tmp_path) -> None:
    (tmp_path / "routes.yaml").write_text(BAD)
    result = run("validate", "--format", "json", "routes.yaml", cwd=tmp_path)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert (document["valid"], document["errors"], document["warnings"], document["summary"]) == (False, 2, 0, None)
    assert document["problems"][1] == {
        "severity": "error",
        "file": "routes.yaml",
        "line": 4,
        "col": 5,
        "where": "routes.support.expresion",
        "message": 'unknown key "expresion" (did you mean "expression"?)',
    }
    good = json.loads(run("validate", "--format", "json", str(REPO / "examples" / "quickstart")).stdout)
    assert good["valid"] is True and good["problems"] == [] and good["summary"].startswith("OK: ")


def test_validate_strict_makes_an_unset_variable_an_error_and_apply_always_does(mailgun, tmp_path) -> None:
    emu, env = mailgun
    path = copy_example("production", tmp_path)
    lenient = run("validate", str(path), env={"MG_SMTP_APP": "x" * 12}, unset=list(EXAMPLE_ENV))
    assert lenient.returncode == 0 and "MG_SMTP_BILLING is not set (apply needs it)" in lenient.stderr
    for command in (["validate", "--strict"], ["apply", "--yes"]):
        result = run(*command, str(path), env={**env, "MG_SMTP_APP": "x" * 12}, unset=list(EXAMPLE_ENV))
        assert result.returncode == 1
        assert "environment variable MG_SMTP_BILLING is not set" in result.stderr
        assert "apply needs it" not in result.stderr
    assert list(emu.log) == []  # apply stopped before any request (plan needs no SMTP password: test_least_privilege)


def test_apply_waits_for_the_lock_up_to_its_timeout(tmp_path) -> None:
    path = copy_example("quickstart", tmp_path)
    state = tmp_path / "emulator.json"
    command = ("apply", "--emulator", "--emulator-state", str(state), "--yes")
    with hold(path / "mgsync.lock"):
        held = run(*command, "--lock-timeout", "0.2", str(path), cwd=tmp_path)
    assert held.returncode == 4
    assert held.stderr.startswith(
        f"Error: Another mgsync apply holds the lock on {path / 'mgsync.lock'} (still held after 0.2 s)"
    )

    acquired = threading.Event()

    def hold_for_a_while() -> None:  # longer than the CLI takes to start, so apply must wait for it
        with hold(path / "mgsync.lock"):
            acquired.set()
            time.sleep(1.5)

    holder = threading.Thread(target=hold_for_a_while)
    holder.start()
    try:
        assert acquired.wait(10)
        waited = run(*command, "--lock-timeout", "30", str(path), cwd=tmp_path)
    finally:
        holder.join()
    assert waited.returncode == 0, waited.stderr
    assert "Apply complete" in waited.stdout


def test_version_reports_the_environment_and_no_secret() -> None:
    env = {"MAILGUN_API_KEY": "key-very-secret-123", **EXAMPLE_ENV}
    info = json.loads(run("version", "--json", env=env).stdout)
    keys = {"mgsync", "python", "implementation", "platform", "executable_bits", "dependencies", "libyaml"}
    assert set(info) == keys
    assert {"click", "deepdiff", "filelock", "httpx", "pydantic", "pyyaml", "ruamel.yaml"} <= set(info["dependencies"])
    assert info["libyaml"].startswith("0.")  # the C scanner of manifests, from PyYAML's wheel
    text = run("version", env=env).stdout
    assert text.rstrip().endswith(f"libyaml {info['libyaml']}")
    assert text.startswith(f"mgsync {info['mgsync']}\npython {info['python']}")
    assert all(secret not in text + json.dumps(info) for secret in env.values())
