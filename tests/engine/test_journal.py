"""The lockfile's journal (issue 21): each group of finished steps appended durably, folded in at the end.

A kill is what the journal is for; here it is the state a kill leaves (steps committed, never folded),
made with the real ``Lockfile`` and read back as the next mgsync would. ``test_kill_apply`` kills the
real executable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mgsync.errors import ApiError, LockfileError
from mgsync.journal import journal_path
from mgsync.lockfile import Lockfile, fold
from mgsync.state import Address, Resource
from tests.support.harness import Harness

ROUTES = "routes:\n" + "".join(
    f'  {n}:\n    expression: match_recipient("{n}@example.com")\n    actions: [stop()]\n' for n in ("a", "b", "c")
)


def interrupted(tmp_path: Path, *names: str) -> Path:
    """The lockfile of a project with route ``kept`` applied, and an apply that committed the create of
    ``names`` (and the forget of ``kept``) to its journal, then was killed."""
    h = Harness(tmp_path)
    h.write(ROUTES)
    h.apply()
    lock = Lockfile.read(h.lock_path)
    lock.open_journal()
    for name in names:
        route = lock.state().objects[Address("route", "a")]
        lock.record(Resource(Address("route", name), route.body, meta={"id": f"id-{name}"}), meta_keys=("id",))
    lock.forget(Address("route", "b"))
    lock.commit()
    return h.lock_path  # never folded: the process is gone


def test_a_killed_apply_leaves_its_committed_steps_to_the_next_read(tmp_path: Path) -> None:
    path = interrupted(tmp_path, "x", "y")
    before = json.loads(path.read_text())["resources"]
    assert "route:x" not in before and "route:b" in before  # the file itself was not rewritten per step
    read = Lockfile.read(path).resources
    assert read["route:x"]["meta"] == {"id": "id-x"} and "route:y" in read
    assert "route:b" not in read and "route:a" in read


def test_the_fold_writes_the_lockfile_once_and_removes_the_journal(tmp_path: Path) -> None:
    path = interrupted(tmp_path, "x")
    fold(path)
    assert not journal_path(path).exists()
    assert "route:x" in json.loads(path.read_text())["resources"]
    assert Lockfile.read(path).render() == path.read_text()


def test_a_line_torn_by_the_kill_is_not_a_step(tmp_path: Path) -> None:
    path = interrupted(tmp_path, "x")
    with journal_path(path).open("a", encoding="utf-8") as journal:
        journal.write('["route:y", {"body": {"descr')  # the append the kill cut short
    read = Lockfile.read(path).resources
    assert "route:x" in read and "route:y" not in read


def test_a_journal_of_another_lockfile_is_stale_and_ignored(tmp_path: Path) -> None:
    path = interrupted(tmp_path, "x")
    path.write_text(path.read_text().replace('"format_version": 1', '"format_version": 1 '), encoding="utf-8")
    assert "route:x" not in Lockfile.read(path).resources  # replaced since (a pull, a checkout): not its steps


@pytest.mark.parametrize(
    ("line", "number"),
    [("not json\n", 4), ('{"route:y": 1}\n', 4), ("[1, {}]\n", 4)],
)
def test_a_corrupt_journal_is_one_error_with_its_line(tmp_path: Path, line: str, number: int) -> None:
    path = interrupted(tmp_path, "x")
    with journal_path(path).open("a", encoding="utf-8") as journal:
        journal.write(line + '["route:z", null]\n')
    with pytest.raises(LockfileError) as caught:
        Lockfile.read(path)
    assert str(caught.value) == (
        f"{journal_path(path)}:{number}: the apply journal is corrupt; delete it and run mgsync plan "
        "(the next apply records again what Mailgun holds)"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="a symbolic link needs a privilege on Windows")
def test_an_apply_that_cannot_write_its_journal_sends_nothing(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.write(ROUTES)
    journal_path(h.lock_path).symlink_to(tmp_path / "gone" / "journal")  # nothing to read; cannot be created
    with pytest.raises(LockfileError, match=r"^Cannot write the apply journal .*mgsync\.lock\.journal: "):
        h.apply()
    assert h.requests("POST") == []


def test_a_no_op_apply_opens_no_journal_and_leaves_the_lockfile_byte_identical(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.write(ROUTES)
    h.apply()
    first = h.lock_path.read_bytes()
    h.apply()
    assert h.lock_path.read_bytes() == first
    assert not journal_path(h.lock_path).exists()


def test_the_next_apply_folds_a_killed_one_and_converges(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.write(ROUTES)
    lock = Lockfile.read(h.lock_path)
    lock.open_journal()  # killed after opening, before any step
    assert journal_path(h.lock_path).exists()
    h.apply()
    assert not journal_path(h.lock_path).exists()
    assert h.actions() == []
    assert set(Lockfile.read(h.lock_path).resources) == {"route:a", "route:b", "route:c"}


def test_a_lockfile_checked_out_with_crlf_keeps_a_killed_applys_steps(tmp_path: Path) -> None:
    """git's core.autocrlf (Git for Windows' default) checks the lockfile out with "\\r\\n": the apply
    found it equal to its own text and left it so, while its journal continued the "\\n" text, so the
    next read took the journal for stale and dropped every step of a killed apply."""
    h = Harness(tmp_path)
    h.write(ROUTES)
    h.apply()
    h.lock_path.write_bytes(h.lock_path.read_bytes().replace(b"\n", b"\r\n"))
    lock = Lockfile.read(h.lock_path)
    lock.open_journal()
    route = lock.state().objects[Address("route", "a")]
    lock.record(Resource(Address("route", "x"), route.body, meta={"id": "id-x"}), meta_keys=("id",))
    lock.commit()  # then killed
    assert b"\r\n" not in h.lock_path.read_bytes()  # written as every mgsync writes it, on every system
    assert Lockfile.read(h.lock_path).resources["route:x"]["meta"] == {"id": "id-x"}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and symbolic links")
def test_a_write_keeps_the_lockfiles_permissions_and_its_link(tmp_path: Path) -> None:
    """Each write made the lockfile 0600 (mkstemp's mode, renamed into place): a group sharing it on a
    host lost it. A lockfile that is a link to a shared one was replaced by a file of its own, leaving
    the shared one stale, and its apply lock lay beside the link: applies through the link and through
    the file did not exclude each other."""
    h = Harness(tmp_path)
    h.write(ROUTES)
    h.apply()
    h.lock_path.chmod(0o664)
    shared = tmp_path / "shared" / "mgsync.lock"
    shared.parent.mkdir()
    h.lock_path.rename(shared)
    h.lock_path.symlink_to(shared)
    h.write(ROUTES + '  d:\n    expression: match_recipient("d@example.com")\n    actions: [stop()]\n')
    h.apply()
    assert h.lock_path.is_symlink() and "route:d" in json.loads(shared.read_text())["resources"]
    assert shared.stat().st_mode & 0o777 == 0o664
    assert journal_path(h.lock_path) == journal_path(shared)
    assert not list(h.lock_path.parent.glob(".mgsync-lock-*"))


def test_a_re_read_that_fails_after_every_write_folds_the_journal_and_says_so(tmp_path: Path) -> None:
    """The re-read after the writes ran outside the journal's fold: when it failed, the error was only
    the GET's, as if nothing had been applied, and the journal was left for the next read."""
    h = Harness(tmp_path)
    h.write(ROUTES)
    h.emu.faults.fail_before_commit("GET", "/v3/routes", 503, times=None).skip = 1  # the plan's read passes
    with pytest.raises(ApiError) as failed:
        h.apply()
    assert str(failed.value) == (
        "Reading Mailgun again after the apply failed: Mailgun API: GET /v3/routes returned 503: Service "
        "Unavailable (HTML page) (gave up after 7 attempts). Every change was applied (3 of 3), each recorded "
        "in the lockfile; run mgsync plan to see whether Mailgun shows them all"
    )
    assert not journal_path(h.lock_path).exists()
    recorded = json.loads(h.lock_path.read_text())["resources"]
    assert sorted(recorded) == ["route:a", "route:b", "route:c"]
    h.emu.faults.rules.clear()
    assert h.actions() == []
