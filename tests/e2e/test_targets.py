"""``--target`` through the real ``mgsync`` CLI. A target whose kind is mistyped (``domian:*``) is a
usage error before anything is read; one that matches nothing (a key mistyped) is a note, and the
plan never says Mailgun matches the manifests as a whole: in CI, either would have hidden the
changes pending behind "No changes" and exit 0 of ``--detailed-exitcode``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run

MANIFEST = """\
version: 1
domains:
  mg.example.com: {}
routes:
  support: {expression: 'match_recipient("s@example.com")', actions: ['stop()']}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    return tmp_path


def mgsync(project: Path, *args: str):
    return run(*args, "--emulator", "--emulator-state", "emu.json", cwd=project)


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("domian:*", 'domian:*: unknown kind "domian" (did you mean "domain"?)'),
        ("Route:support", 'Route:support: unknown kind "Route" (did you mean "route"?)'),
        ("mg.example.com", "mg.example.com is not an address (KIND:KEY) or a glob over addresses ('KIND:*')"),
        ("rotue*:support", "rotue*:support: no kind matches rotue*"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_target_of_no_kind_is_a_usage_error(project: Path, command: str, target: str, why: str) -> None:
    result = mgsync(project, command, "--yes" if command == "apply" else "--detailed-exitcode", "--target", target)
    assert result.returncode == 1, result.stderr
    assert f"Error: Invalid value for '--target': {why}" in result.stderr
    assert not (project / "emu.json").exists() and not (project / "mgsync.lock").exists()  # nothing read


@pytest.mark.parametrize("target", ["route:*", "*support", "ro?te:support", "[r]oute:*"])
def test_globs_over_kinds_and_keys_are_targets(project: Path, target: str) -> None:
    result = mgsync(project, "plan", "--detailed-exitcode", "--target", target)
    assert result.returncode == 2, result.stderr
    assert "+ route:support" in result.stdout and "domain:" not in result.stdout


def test_a_target_that_matches_nothing_is_said_and_never_claims_a_match(project: Path) -> None:
    result = mgsync(project, "plan", "--detailed-exitcode", "--target", "domain:mg.example.co")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Note: --target domain:mg.example.co matches nothing in the manifests, the lockfile or Mailgun: "
        "nothing is planned for it",
        "",
        "No changes: no target (--target) matches anything, so nothing was compared.",
    ]
    assert "Mailgun matches the manifests" not in result.stdout


def test_a_plan_where_only_some_targets_match_claims_a_match_on_those_only(project: Path) -> None:
    assert mgsync(project, "apply", "--yes", "--target", "route:support").returncode == 0
    result = mgsync(project, "plan", "--target", "route:support", "--target", "route:suport")
    assert result.stdout.splitlines()[-1] == (
        "No changes on the targets that match (--target): Mailgun matches the manifests there."
    )


def test_a_targeted_apply_then_plan(project: Path) -> None:
    assert mgsync(project, "apply", "--yes", "--target", "route:support").returncode == 0
    result = mgsync(project, "plan", "--target", "route:*")
    assert result.stdout.strip() == "No changes on the targets (--target): Mailgun matches the manifests there."
    result = mgsync(project, "plan", "--detailed-exitcode")
    assert result.returncode == 2 and "+ domain:mg.example.com" in result.stdout


NEEDS = """\
version: 1
domains:
  t.example.com:
    webhooks: {delivered: https://hooks.example.com/t}
mailing_lists:
  news@t.example.com:
    members: [{address: ann@example.org}, {address: bo@example.org}]
"""


def test_a_target_takes_what_it_needs_that_does_not_exist_yet(tmp_path: Path) -> None:
    """As Terraform's -target takes dependencies: members need their list, the list its domain. Without
    them each create failed at Mailgun (404 "Mailing list not found", "Domain not found")."""
    (tmp_path / "mgsync.yaml").write_text(NEEDS, encoding="utf-8")
    members = mgsync(tmp_path, "apply", "--yes", "--target", "member:*")
    assert members.returncode == 0, members.stdout + members.stderr
    for address in ("domain:t.example.com", "list:news@t.example.com"):
        assert f"Note: --target also takes {address}: what it targets needs it, and it does not exist yet." in (
            members.stdout
        )
    lock = (tmp_path / "mgsync.lock").read_text()
    assert all(
        f'"{a}"' in lock for a in ("domain:t.example.com", "list:news@t.example.com", "member:news@t.example.com")
    )
    assert "webhook:" not in lock  # not targeted, not needed
    hooks = mgsync(tmp_path, "apply", "--yes", "--target", "webhook:*")
    assert hooks.returncode == 0 and "also takes" not in hooks.stdout, hooks.stdout + hooks.stderr
    whole = mgsync(tmp_path, "plan", "--detailed-exitcode")
    assert whole.returncode == 0, whole.stdout  # everything applied, and recorded


def test_a_delete_confirmed_that_the_plan_does_not_make_is_one_note(project: Path) -> None:
    """``--delete-domain NAME`` for a domain still declared, or mistyped, was silently ignored: the
    user could believe it deleted, or not see why the delete they meant was refused."""
    assert mgsync(project, "apply", "--yes").returncode == 0
    still = mgsync(project, "apply", "--yes", "--delete-domain", "mg.example.com")
    assert still.returncode == 0 and still.stderr.splitlines() == [
        "Note: --delete-domain mg.example.com confirms nothing: this plan does not delete domain:mg.example.com "
        "(a domain is deleted only once the manifests no longer declare it and the lockfile records it)"
    ]
    (project / "mgsync.yaml").write_text(MANIFEST.replace("  mg.example.com: {}\n", "  {}\n"), encoding="utf-8")
    typo = mgsync(project, "apply", "--yes", "--delete-domain", "mg.exmple.com")
    assert typo.returncode == 5
    assert typo.stderr.splitlines()[0].startswith("Note: --delete-domain mg.exmple.com confirms nothing: ")
    assert "Re-run with --delete-domain mg.example.com to confirm." in typo.stderr.splitlines()[-1]
