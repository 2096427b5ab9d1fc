"""``apply --reviewed PLAN.json``: a fresh plan is applied only when each of its changes, by per-change
fingerprint, is in some reviewed plan; so pull requests reviewed apart compose on main, and anything
nobody reviewed (another edit, a revert of drift) is refused with exit 3, naming it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

from .test_cli import copy_example

KEY = "reviewed-key"
ROUTE = "route:support-inbox"
NEW_ROUTE = """  new-inbox:
    priority: 1
    expression: match_recipient("new@mg.example.com")
    actions: [stop()]
"""
REFUSAL = (
    "Error: Refusing to apply: {} is in no reviewed plan ({}). "
    "Review it in a pull request, or apply it through the approved dispatch path."
)


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def edit(path: Path, *edits: tuple[str, str]) -> None:
    manifest = path / "mgsync.yaml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    manifest.write_text(text, encoding="utf-8")


# B and C branch from the same base: each changes one field of the route and adds one member.
B = (
    ("priority: 10", "priority: 5"),
    ("      - alice@example.org\n", "      - alice@example.org\n      - dave@example.org\n"),
)
C = (
    ('match_recipient("support@mg.example.com")', 'match_recipient("help@mg.example.com")'),
    ("      - alice@example.org\n", "      - alice@example.org\n      - erin@example.org\n"),
)


def branch(base: Path, name: str, *edits: tuple[str, str]) -> Path:
    """A checkout of ``base`` (manifests and lockfile) with ``edits`` made."""
    copy = base.parent / name
    shutil.copytree(base, copy)
    edit(copy, *edits)
    return copy


@pytest.fixture
def reviewed(mailgun, tmp_path):
    """The base applied; B and C each planned with --out against it, as their pull requests would."""
    emu, env = mailgun
    base = copy_example("quickstart", tmp_path)
    assert run("apply", "--yes", str(base), env=env).returncode == 0
    plans = []
    for name, edits in (("b", B), ("c", C)):
        planned = run("plan", "--out", str(tmp_path / f"{name}.json"), str(branch(base, name, *edits)), env=env)
        assert planned.returncode == 0, planned.stderr
        plans.append(tmp_path / f"{name}.json")
    return emu, env, base, plans


def reviewed_args(plans: list[Path]) -> list[str]:
    return [arg for plan in plans for arg in ("--reviewed", str(plan))]


def test_two_reviewed_plans_of_one_route_compose_on_main(reviewed) -> None:
    _, env, base, plans = reviewed
    main = branch(base, "main", *B, *C)
    applied = run("apply", "--yes", *reviewed_args(plans), str(main), env=env)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 0 added, 1 changed, 0 destroyed; 2 members added" in applied.stdout
    again = run("plan", "--detailed-exitcode", str(main), env=env)
    assert again.returncode == 0, again.stdout
    nothing = run("apply", "--yes", *reviewed_args(plans[:1]), str(main), env=env)  # an empty plan needs no review
    assert nothing.returncode == 0 and "Nothing to apply" in nothing.stdout


def test_one_reviewed_plan_does_not_cover_the_other(reviewed) -> None:
    emu, env, base, plans = reviewed
    main = branch(base, "main", *B, *C)
    requests = len(emu.log)
    refused = run("apply", "--yes", *reviewed_args(plans[:1]), str(main), env=env)
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [REFUSAL.format(f"{ROUTE} (update expression)", "2 unreviewed changes")]
    assert all(entry.method == "GET" for entry in list(emu.log)[requests:])


def test_an_unreviewed_change_on_main_is_refused_and_named(reviewed) -> None:
    emu, env, base, plans = reviewed
    main = branch(base, "main", *B, *C, ("\nmailing_lists:", NEW_ROUTE + "\nmailing_lists:"))
    requests = len(emu.log)
    refused = run("apply", "--yes", *reviewed_args(plans), str(main), env=env)
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [REFUSAL.format("route:new-inbox (create)", "1 unreviewed change")]
    assert refused.stdout == ""
    assert all(entry.method == "GET" for entry in list(emu.log)[requests:])


def test_reverting_drift_nobody_reviewed_is_refused(reviewed) -> None:
    _emu, env, base, plans = reviewed
    route_id = json.loads((base / "mgsync.lock").read_text())["resources"][ROUTE]["meta"]["id"]
    changed = httpx.put(
        f"{env['MAILGUN_BASE_URL']}/v3/routes/{route_id}",
        auth=("api", KEY),
        data={"action": ['forward("https://elsewhere.example.com/")', "stop()"]},
    )
    assert changed.status_code == 200
    main = branch(base, "main", *B, *C)
    refused = run("apply", "--yes", *reviewed_args(plans), str(main), env=env)
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [REFUSAL.format(f"{ROUTE} (update actions)", "1 unreviewed change")]


def test_plan_json_and_the_plan_file_carry_the_same_fingerprints(reviewed, tmp_path) -> None:
    _, env, base, plans = reviewed
    shown = json.loads(run("plan", "--format", "json", str(base.parent / "b"), env=env).stdout)
    saved = json.loads(plans[0].read_text())
    assert shown["change_fingerprints"] == saved["change_fingerprints"]
    assert len(saved["change_fingerprints"]) == 2  # the priority field, and dave's create
    assert all(fp.startswith("sha256:") and len(fp) == 7 + 32 for fp in saved["change_fingerprints"])
    assert shown["change_fingerprints"] == sorted(shown["change_fingerprints"])
    other = json.loads(plans[1].read_text())["change_fingerprints"]
    assert not set(other) & set(saved["change_fingerprints"])


def test_passwords_never_reach_a_fingerprint(mailgun, tmp_path) -> None:
    _, env = mailgun
    path = copy_example("production", tmp_path)
    shown = [
        json.loads(run("plan", "--format", "json", str(path), env={**env, "MG_SMTP_APP": pw}).stdout)
        for pw in ("first-password", "other-password")
    ]
    assert shown[0]["change_fingerprints"] == shown[1]["change_fingerprints"]
    assert shown[0]["digest"] == shown[1]["digest"]


def test_an_old_plan_file_vouches_for_nothing(reviewed, tmp_path) -> None:
    _, env, base, plans = reviewed
    old = json.loads(plans[0].read_text())
    del old["change_fingerprints"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    main = branch(base, "main", *B)
    refused = run("apply", "--yes", "--reviewed", str(tmp_path / "old.json"), str(main), env=env)
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        f"Note: {tmp_path / 'old.json'} holds no change fingerprints (an older mgsync wrote it); it vouches for no change.",
        REFUSAL.format(f"{ROUTE} (update priority)", "2 unreviewed changes"),
    ]
    applied = run("apply", "--yes", str(tmp_path / "old.json"), env=env)  # still a saved plan for `apply PLAN.json`
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 0 added, 1 changed, 0 destroyed; 1 member added" in applied.stdout


@pytest.mark.parametrize("other", [["--expect-plan", "sha256:" + "0" * 64], ["PLAN"]])
def test_reviewed_is_exclusive_with_other_reviews(reviewed, other: list[str]) -> None:
    _, env, base, plans = reviewed
    args = [str(plans[1]) if arg == "PLAN" else arg for arg in other]
    refused = run(
        "apply", "--yes", "--reviewed", str(plans[0]), *args, *([] if "PLAN" in other else [str(base)]), env=env
    )
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "Error: --reviewed cannot be combined with --expect-plan or a saved plan file; use one of them."
    ]


def test_an_unreadable_reviewed_file_is_one_line(reviewed, tmp_path) -> None:
    _, env, base, _ = reviewed
    (tmp_path / "bad.json").write_text("{not json")
    refused = run("apply", "--yes", "--reviewed", str(tmp_path / "bad.json"), str(base), env=env)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"Error: {tmp_path / 'bad.json'}: not a readable mgsync plan file (")
    assert len(refused.stderr.splitlines()) == 1


def test_plan_json_output_is_a_reviewed_plan_too(reviewed, tmp_path) -> None:
    _, env, base, plans = reviewed
    shown = run("plan", "--format", "json", str(base.parent / "c"), env=env)
    (tmp_path / "c-shown.json").write_text(shown.stdout)
    main = branch(base, "main", *B, *C)
    applied = run(
        "apply", "--yes", "--reviewed", str(plans[0]), "--reviewed", str(tmp_path / "c-shown.json"), str(main), env=env
    )
    assert applied.returncode == 0, applied.stderr
