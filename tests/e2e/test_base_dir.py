"""A pull request's plan beside its base branch's, in one process (``plan --base-dir``, ``--text-out``):
what the check publishes, from one set of reads of Mailgun. The real mgsync against the emulator on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import REPO, run

KEY = "base-dir-key"
APART = "#### Already on the base branch, not from this pull request"


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def route(name: str) -> str:
    return f'routes:\n  {name}: {{expression: \'match_recipient("{name}@example.com")\', actions: ["stop()"]}}\n'


def trees(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """Two checkouts with the lockfile of an apply of the quickstart: the base branch, where a change
    was pushed straight (a route and a list with members, neither applied), and the pull request's,
    which adds a route of its own on top."""
    base, pull = tmp_path / "base", tmp_path / "pull"
    shutil.copytree(REPO / "examples" / "quickstart", base / "mailgun", ignore=shutil.ignore_patterns("mgsync.lock*"))
    applied = run("apply", "--yes", "mailgun", cwd=base, env=env)
    assert applied.returncode == 0, applied.stderr
    lock = base / "mailgun" / "mgsync.lock"
    shutil.move(lock, tmp_path / "mgsync.lock")  # beside both: --lockfile, as the action keeps it
    (base / "mailgun" / "pushed.yaml").write_text(
        route("pushed")
        + "mailing_lists:\n  staff@mg.example.com:\n    members: [{address: ann@example.com}, {address: bo@example.com}]\n"
    )
    shutil.copytree(base, pull)
    (pull / "mailgun" / "own.yaml").write_text(route("own"))
    return base, pull


def test_the_base_plan_is_made_from_the_same_reads_and_lists_the_same_changes_apart(mailgun, tmp_path) -> None:
    emu, env = mailgun
    base, pull = trees(tmp_path, env)
    lock = ("--lockfile", str(tmp_path / "mgsync.lock"))
    alone_at = len(emu.log)
    alone = run("plan", "--format", "markdown", *lock, "mailgun", cwd=pull, env=env)
    sent_alone = len(emu.log) - alone_at
    assert alone.returncode == 0, alone.stderr
    assert APART not in alone.stdout

    # What the action did before: the base branch's plan in a process of its own, then --base-plan.
    saved = run("plan", "--format", "json", *lock, "mailgun", cwd=base, env=env)
    (tmp_path / "base-plan.json").write_text(saved.stdout)
    by_file = run(
        "plan", "--format", "markdown", "--base-plan", "../base-plan.json", *lock, "mailgun", cwd=pull, env=env
    )

    at = len(emu.log)
    text = tmp_path / "plan.txt"
    beside = run(
        "plan", "--format", "markdown", "--base-dir", "../base", "--text-out", str(text), *lock, "mailgun",
        cwd=pull, env=env,
    )  # fmt: skip
    assert beside.returncode == 0, beside.stderr
    assert beside.stderr == ""
    assert len(emu.log) - at == sent_alone  # the base's plan read nothing the pull request's had not
    assert all(entry.method == "GET" for entry in emu.log[at:])
    assert beside.stdout == by_file.stdout  # the same comment as from the base plan's own process

    own, _, apart = beside.stdout.split("<details>")[0].partition(APART)
    assert "`route:own`" in own and "`route:pushed`" not in own and "staff@" not in own
    assert "`route:pushed`" in apart and "`list:staff@mg.example.com`" in apart and "`route:own`" not in apart
    summary = "**Plan: 5 to add, 0 to change, 0 to destroy.** 4 of these changes are already on the base branch"
    assert summary in own and apart.count("\n- `") == 4  # a route, a list and its two members
    full = run("plan", "--format", "text", "--full", *lock, "mailgun", cwd=pull, env=env)
    assert text.read_text(encoding="utf-8") == full.stdout  # what the artifact held, from the same reads


def test_a_base_that_reads_more_reads_only_that(mailgun, tmp_path) -> None:
    """The pull request drops a list the base branch declares with its members: only the base plan
    wants that list's members, so they are read once, for it, and its changes still come apart."""
    emu, env = mailgun
    _, pull = trees(tmp_path, env)
    emu.store.add_list("staff@mg.example.com")  # made by hand meanwhile: its members are worth reading
    (pull / "mailgun" / "pushed.yaml").write_text(route("pushed"))
    lock = ("--lockfile", str(tmp_path / "mgsync.lock"))
    at = len(emu.log)
    alone = run("plan", "--format", "markdown", *lock, "mailgun", cwd=pull, env=env)
    sent_alone = len(emu.log) - at
    at = len(emu.log)
    beside = run("plan", "--format", "markdown", "--base-dir", "../base", *lock, "mailgun", cwd=pull, env=env)
    extra = [entry.path for entry in emu.log[at + sent_alone :]]
    assert beside.returncode == 0, beside.stderr
    assert len(emu.log) - at > sent_alone and all("staff@mg.example.com" in path for path in extra), extra
    own, _, apart = beside.stdout.split("<details>")[0].partition(APART)
    assert "`route:own`" in own and "`route:pushed`" in apart
    assert alone.stdout.split(APART)[0].count("`route:") == 2  # alone, both routes were its own


def test_a_base_whose_manifests_do_not_load_is_a_warning_and_the_plan_goes_on(mailgun, tmp_path) -> None:
    _, env = mailgun
    base, pull = trees(tmp_path, env)
    (base / "mailgun" / "pushed.yaml").write_text("routes: [unclosed\n")
    lock = ("--lockfile", str(tmp_path / "mgsync.lock"))
    result = run(
        "plan", "--format", "markdown", "--detailed-exitcode", "--base-dir", "../base", *lock, "mailgun",
        cwd=pull, env=env,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Warning: no plan of the base branch (")
    assert "pushed.yaml" in result.stderr and "Traceback" not in result.stderr
    assert APART not in result.stdout and "`route:own`" in result.stdout


def test_base_dir_and_text_out_name_their_paths_when_they_cannot_be_used(mailgun, tmp_path) -> None:
    _, env = mailgun
    _, pull = trees(tmp_path, env)
    lock = ("--lockfile", str(tmp_path / "mgsync.lock"))
    missing = run("plan", "--base-dir", "../nowhere", *lock, "mailgun", cwd=pull, env=env)
    assert missing.returncode == 1 and "'../nowhere' does not exist" in missing.stderr
    outside = run("plan", "--base-dir", str(tmp_path), *lock, str(pull / "mailgun"), cwd=tmp_path / "base", env=env)
    assert outside.returncode == 0, outside.stderr  # the plan itself is made; only the base's is not
    assert outside.stderr == (
        f"Warning: no plan of the base branch ({pull / 'mailgun'} is outside the working directory: --base-dir "
        "has no copy of it), so the changes already there are not listed apart.\n"
    )
    unwritable = run(
        "plan", "--text-out", str(tmp_path / "no" / "such" / "plan.txt"), *lock, "mailgun", cwd=pull, env=env
    )
    assert unwritable.returncode == 1
    assert f"Cannot write {tmp_path / 'no' / 'such' / 'plan.txt'}: No such file or directory." in unwritable.stderr


@pytest.mark.skipif(os.name == "nt", reason="a directory symlink needs a privilege on Windows")
def test_a_manifest_path_typed_through_a_symlink_is_inside_the_working_directory(mailgun, tmp_path) -> None:
    """macOS's /tmp is a symlink to /private/tmp: a path typed as /tmp/… is inside a working directory
    whose real path is /private/tmp/…; here the same with a symlink of our own."""
    _, env = mailgun
    _, pull = trees(tmp_path, env)
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    typed = tmp_path / "link" / "pull" / "mailgun"  # absolute, through the link
    lock = ("--lockfile", str(tmp_path / "mgsync.lock"))
    result = run("plan", "--format", "markdown", "--base-dir", "../base", *lock, str(typed), cwd=pull, env=env)
    assert result.returncode == 0, result.stderr
    assert "outside the working directory" not in result.stderr
    assert APART in result.stdout
