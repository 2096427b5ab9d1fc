"""End to end: the real mgsync executable against the emulator served over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import EXAMPLE_ENV, REPO, run

KEY = "e2e-key"
EXAMPLES = ["production", "quickstart"]  # examples/ci holds a workflow, not manifests


def test_every_manifest_example_is_exercised() -> None:
    found = {p.parent.name for p in (REPO / "examples").glob("*/*.y*ml") if p.parent.name != "ci"}
    assert found == set(EXAMPLES)


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def copy_example(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(REPO / "examples" / name, target, ignore=shutil.ignore_patterns("mgsync.lock*"))
    return target


@pytest.mark.parametrize("example", EXAMPLES)
def test_apply_then_plan_shows_no_changes(example: str, mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example(example, tmp_path)
    first = run("plan", "--detailed-exitcode", str(path), env=env)
    assert first.returncode == 2, first.stderr
    assert "to add" in first.stdout
    applied = run("apply", "--yes", str(path), env=env)
    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert "Apply complete" in applied.stdout
    again = run("plan", "--detailed-exitcode", str(path), env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout
    assert (path / "mgsync.lock").exists()


def test_apply_without_yes_and_without_a_terminal_is_refused(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("quickstart", tmp_path)
    result = run("apply", str(path), env=env)
    assert result.returncode == 1
    assert "Refusing to apply without --yes" in result.stderr
    assert "Traceback" not in result.stderr


def test_saved_plan_applies_when_fresh_and_refuses_when_stale(mailgun, tmp_path) -> None:
    emu, env = mailgun
    path = copy_example("quickstart", tmp_path)
    plan_file = tmp_path / "plan.json"
    assert run("plan", "--out", str(plan_file), str(path), env=env).returncode == 0
    saved = plan_file.read_text()
    assert json.loads(saved)["format_version"] == 1
    applied = run("apply", "--yes", str(plan_file), env=env)
    assert applied.returncode == 0, applied.stderr

    (path / "extra.yaml").write_text(
        "routes:\n  late: {expression: 'match_recipient(\"late@example.com\")', actions: ['stop()']}\n"
    )
    assert run("plan", "--out", str(plan_file), str(path), env=env).returncode == 0
    emu.store.add_route('match_recipient("x@example.com")', description="late")
    stale = run("apply", "--yes", str(plan_file), env=env)
    assert stale.returncode == 3
    assert stale.stderr.strip().endswith("Run mgsync plan again.")
    assert "Saved plan is stale" in stale.stderr


def test_bad_key_is_one_clear_line(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("quickstart", tmp_path)
    result = run("plan", str(path), env={**env, "MAILGUN_API_KEY": "wrong-key-123"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Mailgun API: GET /v4/domains returned 401")
    assert "wrong-key-123" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_missing_key_is_a_config_error_before_any_request(mailgun, tmp_path) -> None:
    emu, env = mailgun
    path = copy_example("quickstart", tmp_path)
    result = run("plan", str(path), env={"MAILGUN_BASE_URL": env["MAILGUN_BASE_URL"]})
    assert result.returncode == 1
    assert "MAILGUN_API_KEY is not set" in result.stderr
    assert list(emu.log) == []


def test_markdown_and_json_formats(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("quickstart", tmp_path)
    md = run("plan", "--format", "markdown", str(path), env=env)
    assert md.stdout.startswith("<!-- mgsync-plan -->")
    doc = json.loads(run("plan", "--format", "json", str(path), env=env).stdout)
    assert doc["format_version"] == 1 and doc["changes"]


def test_embedded_emulator_quickstart(tmp_path) -> None:
    path = copy_example("quickstart", tmp_path)
    state = tmp_path / "emulator.json"
    first = run("plan", "--emulator", "--emulator-state", str(state), str(path), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    applied = run("apply", "--emulator", "--emulator-state", str(state), "--yes", str(path), cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    again = run("plan", "--emulator", "--emulator-state", str(state), "--detailed-exitcode", str(path), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout


def test_verbose_logs_requests_but_never_the_key(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("production", tmp_path)
    result = run("--verbose", "apply", "--yes", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert "mgsync.client: http: GET" in result.stderr
    logged = result.stdout + result.stderr
    assert KEY not in logged
    assert all(secret not in logged for secret in EXAMPLE_ENV.values())


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"format_version": 1, "desired_digest": "sha256:', "not a readable mgsync plan file (Unterminated string"),
        ('{"x": 1}', "not an mgsync plan file (save one with mgsync plan --out FILE.json)"),
        ("[1, 2]", "not an mgsync plan file (save one with mgsync plan --out FILE.json)"),
    ],
    ids=["truncated", "another object", "a list"],
)
def test_a_json_file_given_to_apply_is_read_as_a_saved_plan(tmp_path, content: str, why: str) -> None:
    """A truncated plan artifact was "invalid YAML" at a line and column, a JSON object "unknown key":
    loaded as a manifest, where the file was meant as a plan."""
    (tmp_path / "plan.json").write_text(content, encoding="utf-8")
    result = run(
        "apply", "--yes", "--emulator", "--emulator-state", str(tmp_path / "emu.json"), "plan.json", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: plan.json: {why}"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and not (tmp_path / "emu.json").exists()


@pytest.mark.parametrize("order", ["plan first", "plan last"])
def test_a_saved_plan_with_manifest_paths_is_one_line(tmp_path, order: str) -> None:
    """``apply p.json dir/`` loaded p.json as a manifest and printed a dozen errors about its keys."""
    copy_example("quickstart", tmp_path)
    connection = ("--emulator", "--emulator-state", str(tmp_path / "emu.json"))
    assert run("plan", *connection, "--out", "p.json", "quickstart", cwd=tmp_path).returncode == 0
    paths = ["p.json", "quickstart"] if order == "plan first" else ["quickstart", "p.json"]
    result = run("apply", "--yes", *connection, *paths, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: p.json is a saved plan: apply it alone, with no manifest paths "
        "(it names the manifests it was made from).\n"
    )


def test_a_new_embedded_account_says_where_it_is_kept(tmp_path) -> None:
    """The default state file is in the directory the command runs in: after the quick start,
    ``cd quickstart && mgsync plan --emulator .`` planned everything again on a new, empty account
    (and showed the lockfile's objects as deleted in Mailgun) without a word why."""
    project = copy_example("quickstart", tmp_path)
    note = (
        "Note: the emulator's account in {} is new and starts empty (its state file is kept "
        "in the directory mgsync runs in; --emulator-state FILE names another).\n"
    )
    first = run("plan", "--emulator", "quickstart", cwd=tmp_path)
    assert (first.returncode, first.stderr) == (0, note.format(tmp_path / ".mgsync-emulator.json"))
    assert run("apply", "--emulator", "--yes", "quickstart", cwd=tmp_path).returncode == 0  # a plan saves nothing
    again = run("plan", "--emulator", "--detailed-exitcode", "quickstart", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "")  # the account apply kept
    inside = run("plan", "--emulator", ".", cwd=tmp_path / "quickstart")
    assert inside.stderr.startswith(note.format(project / ".mgsync-emulator.json"))
    named = run("plan", "--emulator", "--emulator-state", str(tmp_path / "other.json"), "quickstart", cwd=tmp_path)
    assert (named.returncode, named.stderr) == (0, "")  # a file named on purpose: no note


def test_a_notes_command_runs_as_printed(tmp_path) -> None:
    """The kinds' hints ("then run mgsync apply --verify-domain mg.example.com") are written for every
    caller: run as printed, it reached another account (no --emulator) or directory. The text plan
    and apply show them with the connection flags and manifest paths in use."""
    import re
    import shlex

    path = copy_example("quickstart", tmp_path)
    state = ("--emulator", "--emulator-state", str(tmp_path / "emulator state.json"))
    assert run("apply", *state, "--yes", str(path), cwd=tmp_path).returncode == 0
    plan = run("plan", *state, str(path), cwd=tmp_path)
    (hint,) = re.findall(r"then run (mgsync apply .*?)\.$", plan.stdout, re.M)
    assert hint == f"mgsync apply {shlex.join(state)} --verify-domain mg.example.com {shlex.quote(str(path))}"
    again = run(*shlex.split(hint)[1:], "--yes", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to apply" in again.stdout and "mg.example.com" in again.stdout  # verified, on that account


def test_a_saved_plan_applies_with_its_own_targets_and_lockfile_or_says_so(tmp_path) -> None:
    """--target or --lockfile beside a saved plan were dropped without a word: the plan's own applied."""
    path = copy_example("quickstart", tmp_path)
    state = ("--emulator", "--emulator-state", str(tmp_path / "emulator.json"))
    saved = str(tmp_path / "plan.json")
    assert run("plan", *state, "--target", "route:*", "--out", saved, str(path), cwd=tmp_path).returncode == 0
    other = run("apply", *state, "--yes", "--target", "webhook:*", saved, cwd=tmp_path)
    assert (other.returncode, other.stderr.strip()) == (
        1,
        f"Error: {saved} was planned with --target route:*: it applies with those; give no other --target with it.",
    )
    elsewhere = run("apply", *state, "--yes", "--lockfile", str(tmp_path / "other.lock"), saved, cwd=tmp_path)
    assert elsewhere.returncode == 1 and "give no other --lockfile with it." in elsewhere.stderr
    same = run("apply", *state, "--yes", "--target", "route:*", saved, cwd=tmp_path)  # as the action passes its args
    assert same.returncode == 0, same.stdout + same.stderr
    assert "1 added" in same.stdout and not (tmp_path / "other.lock").exists()
