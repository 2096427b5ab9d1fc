"""``mgsync state pull|push|show`` against a bare remote and two clones, with real git."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mgsync import gitstate, statecli
from mgsync.journal import journal_path
from mgsync.lockfile import Lockfile
from mgsync.safefile import hold
from mgsync.state import Address
from tests.support.cli import mgsync_command

from .conftest import LOCK, Clone

BRANCH = "mgsync-state"
ROUTE = {"body": {"priority": 0}, "fingerprint": "sha256:r", "meta": {"id": "1"}}


def short(sha: str) -> str:
    return sha[:12]


def remote_tip(clone: Clone) -> str:
    return clone.git("ls-remote", "origin", f"refs/heads/{BRANCH}").split()[0]


def on_branch(clone: Clone, path: str) -> str:
    """The file at ``path`` on the remote's state branch, as it is (the applied marker: its line)."""
    clone.git("fetch", "--quiet", "origin", BRANCH)
    return subprocess.run(
        ["git", "show", f"FETCH_HEAD:{path}"], cwd=clone.root, capture_output=True, text=True, check=True
    ).stdout


def test_push_creates_the_branch_and_pull_brings_the_lockfile_byte_for_byte(a: Clone, b: Clone) -> None:
    a.write_lock({"route:support": ROUTE}, {"member:news@mg.example.com": {"count": 3, "digest": "sha256:m"}})
    pushed = a.mgsync("state", "push", LOCK)
    assert pushed.returncode == 0, pushed.stderr
    tip = remote_tip(a)
    assert pushed.stdout == f"Created origin/{BRANCH} at {short(tip)} with {LOCK}.\n"
    assert a.git("rev-list", "--count", tip) == "1"  # an orphan commit: nothing of main on the state branch
    assert a.git("ls-tree", "-r", "--name-only", tip) == LOCK
    pulled = b.mgsync("state", "pull", LOCK)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout == f"Pulled {LOCK} from origin/{BRANCH} at {short(tip)}.\n"
    assert b.lock.read_bytes() == a.lock.read_bytes()
    again = b.mgsync("state", "push", LOCK)  # nothing changed: no empty commit
    assert again.stdout == f"origin/{BRANCH} at {short(tip)} already holds {LOCK}.\n" and remote_tip(a) == tip


def test_push_after_a_killed_apply_publishes_its_journal_folded_in(a: Clone) -> None:
    a.write_lock({"route:support": ROUTE})
    lock = Lockfile.read(a.lock)
    lock.open_journal()
    lock.forget(Address("route", "support"))
    lock.commit()  # then killed: the file still names the route
    assert "route:support" in a.read_lock()["resources"]  # type: ignore[operator]
    pushed = a.mgsync("state", "push", LOCK)
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(a.git("show", f"{remote_tip(a)}:{LOCK}"))["resources"] == {}
    assert a.read_lock()["resources"] == {} and not journal_path(a.lock).exists()


def test_the_working_tree_index_and_head_are_never_touched(a: Clone) -> None:
    (a.root / "staged.txt").write_text("staged\n")
    a.git("add", "staged.txt")
    (a.root / "dirty.txt").write_text("dirty\n")
    before = (
        a.git("status", "--porcelain"),
        a.git("rev-parse", "HEAD"),
        a.git("symbolic-ref", "HEAD"),
        a.git("branch", "--list"),
    )
    a.write_lock({"route:support": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    a.write_lock({"route:support": ROUTE, "route:other": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    assert a.mgsync("state", "pull", LOCK).returncode == 0
    after = (
        a.git("status", "--porcelain"),
        a.git("rev-parse", "HEAD"),
        a.git("symbolic-ref", "HEAD"),
        a.git("branch", "--list"),
    )
    assert after == (before[0] + "\n?? mailgun/", *before[1:])
    assert a.git("ls-remote", "origin", "refs/heads/main").split()[0] == before[1]


def test_pull_without_a_branch_or_without_the_file_leaves_the_lockfile(a: Clone, b: Clone) -> None:
    b.write_lock({"route:local": ROUTE})
    local = b.lock.read_bytes()
    missing = b.mgsync("state", "pull", LOCK)
    assert (missing.returncode, missing.stdout) == (
        0,
        f"No branch {BRANCH} on origin yet; {LOCK} is left as it is (mgsync state push creates it).\n",
    )
    assert b.lock.read_bytes() == local
    shown = json.loads(b.mgsync("state", "show", "--json", LOCK).stdout)
    assert shown == {"branch_commit": None, "lockfile_present": False, "applied": None}
    other = a.root / "other" / "mgsync.lock"
    other.parent.mkdir()
    other.write_text(b.lock.read_text())
    assert a.mgsync("state", "push", "other/mgsync.lock").returncode == 0
    absent = b.mgsync("state", "pull", LOCK)
    assert (absent.returncode, absent.stdout) == (
        0,
        f"origin/{BRANCH} at {short(remote_tip(a))} has no {LOCK}; {LOCK} is left as it is.\n",
    )
    assert b.lock.read_bytes() == local
    assert json.loads(b.mgsync("state", "show", "--json", LOCK).stdout) == {
        "branch_commit": remote_tip(a),
        "lockfile_present": False,
        "applied": None,
    }


def race_base(a: Clone, b: Clone) -> None:
    """Both clones pull the same state: routes x and y, members of one list."""
    a.write_lock({"route:x": ROUTE, "route:y": ROUTE}, {"member:news@mg.example.com": {"count": 1, "digest": "d1"}})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    for each in (a, b):
        assert each.mgsync("state", "pull", LOCK).returncode == 0


def race_edits(a: Clone, b: Clone) -> None:
    """a adds route:a and grows the list; b adds route:b, deletes route:x and records the account."""
    changed = {**ROUTE, "body": {"priority": 5}}
    a.write_lock(
        {"route:x": ROUTE, "route:y": changed, "route:a": ROUTE},
        {"member:news@mg.example.com": {"count": 2, "digest": "d2"}},
    )
    b.write_lock(
        {"route:y": ROUTE, "route:b": ROUTE},
        {"member:news@mg.example.com": {"count": 1, "digest": "d1"}},
        account={"subaccount": None, "id": "acct-b"},
    )


EXPECTED = {
    "format_version": 1,
    "account": {"subaccount": None, "id": "acct-b"},
    "resources": {"route:a": ROUTE, "route:b": ROUTE, "route:y": {**ROUTE, "body": {"priority": 5}}},
    "collections": {"member:news@mg.example.com": {"count": 2, "digest": "d2"}},
}


def test_two_pushes_from_one_base_lose_no_record(a: Clone, b: Clone) -> None:
    race_base(a, b)
    race_edits(a, b)
    assert a.mgsync("state", "push", LOCK).returncode == 0
    late = b.mgsync("state", "push", LOCK)
    assert late.returncode == 0, late.stderr
    assert late.stdout == f"Pushed {LOCK} to origin/{BRANCH} at {short(remote_tip(b))}, merged with a newer state.\n"
    assert json.loads(on_branch(b, LOCK)) == EXPECTED
    assert b.lock.read_text() == on_branch(b, LOCK) == gitstate.render_document(EXPECTED)  # written back, rendered
    assert a.mgsync("state", "pull", LOCK).returncode == 0 and a.lock.read_text() == b.lock.read_text()
    tip = remote_tip(b)
    assert b.git("rev-list", "--count", tip) == "3"  # created, a's push, b's merged push: a line, no force


def test_a_push_rejected_because_the_branch_moved_is_merged_and_retried(a: Clone, b: Clone) -> None:
    """a's push lands between b's fetch and b's push (b's pre-push hook runs it): git refuses b's push,
    and b fetches, merges and pushes again."""
    race_base(a, b)
    race_edits(a, b)
    hook = b.root / ".git" / "hooks" / "pre-push"
    command = " ".join(f"'{word}'" for word in mgsync_command())
    hook.write_text(
        f"#!/bin/sh\nunset $(git rev-parse --local-env-vars)\n[ -e '{b.root}/.raced' ] && exit 0\n"
        f"touch '{b.root}/.raced'\ncd '{a.root}' && {command} state push {LOCK} >/dev/null\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    pushed = b.mgsync("state", "push", LOCK)
    assert pushed.returncode == 0, pushed.stderr
    assert (b.root / ".raced").exists()
    assert pushed.stdout.endswith(", merged with a newer state.\n")
    assert json.loads(on_branch(b, LOCK)) == EXPECTED


def test_pushes_racing_at_once_lose_no_record(a: Clone, b: Clone) -> None:
    race_base(a, b)
    race_edits(a, b)
    env = dict(os.environ) | {"NO_COLOR": "1"}
    both = [
        subprocess.Popen(
            [*mgsync_command(), "state", "push", LOCK],
            cwd=each.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for each in (a, b)
    ]
    for process in both:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    found = json.loads(on_branch(a, LOCK))
    assert set(found["resources"]) == {"route:a", "route:b", "route:y"}  # whoever came last merged
    assert found["collections"] == EXPECTED["collections"]


def main_history(a: Clone) -> tuple[str, str, str]:
    """c1 -> c2 on main, and c3 on a side branch from c1 (neither descends from the other with c2)."""
    c1 = a.commit("c1")
    c2 = a.commit("c2")
    a.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
    a.git("checkout", "--quiet", "-b", "side", c1)
    c3 = a.commit("c3")
    a.git("push", "--quiet", "origin", "side")
    a.git("checkout", "--quiet", "-")
    return c1, c2, c3


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("c2", "c1", "c2"),  # the later push is older: the newer marker stays
        ("c1", "c2", "c2"),
        ("c2", "c3", "c3"),  # neither descends from the other: ours
    ],
)
def test_the_applied_marker_keeps_the_descendant(a: Clone, b: Clone, first: str, second: str, kept: str) -> None:
    commits = dict(zip(("c1", "c2", "c3"), main_history(a)))
    b.git("fetch", "--quiet", "origin", "main", "side")
    race_base(a, b)
    race_edits(a, b)
    assert a.mgsync("state", "push", LOCK, "--applied", commits[first]).returncode == 0
    late = b.mgsync("state", "push", LOCK, "--applied", commits[second])
    assert late.returncode == 0, late.stderr
    assert late.stdout.endswith(f", merged with a newer state; applied {short(commits[kept])}.\n")
    assert on_branch(b, f"{LOCK}.applied") == commits[kept] + "\n"
    shown = json.loads(b.mgsync("state", "show", "--json", LOCK).stdout)
    assert shown == {"branch_commit": remote_tip(b), "lockfile_present": True, "applied": commits[kept]}
    text = b.mgsync("state", "show", LOCK).stdout
    assert text == (f"branch: origin/{BRANCH} at {remote_tip(b)}\nlockfile: {LOCK} present\napplied: {commits[kept]}\n")


def test_a_push_without_applied_keeps_the_marker(a: Clone, b: Clone) -> None:
    c1 = a.commit("c1")
    a.write_lock({"route:x": ROUTE})
    assert a.mgsync("state", "push", LOCK, "--applied", "HEAD").stdout.endswith(f"; applied {short(c1)}.\n")
    a.write_lock({"route:x": ROUTE, "route:y": ROUTE})
    assert a.mgsync("state", "push", LOCK, "-m", "by hand").returncode == 0
    assert on_branch(a, f"{LOCK}.applied") == c1 + "\n"
    assert a.git("log", "-1", "--format=%s", remote_tip(a)) == "by hand"


def test_a_full_sha_missing_from_a_shallow_clone_is_recorded_as_given(a: Clone) -> None:
    a.write_lock({"route:x": ROUTE})
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert a.mgsync("state", "push", LOCK, "--applied", sha.upper()).returncode == 0
    assert on_branch(a, f"{LOCK}.applied") == sha + "\n"


def test_a_shallow_checkout_pulls_and_pushes(a: Clone, remote: Path, tmp_path: Path) -> None:
    """As actions/checkout makes it by default (depth 1)."""
    a.commit("c1")
    head = a.commit("c2")
    a.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
    a.write_lock({"route:x": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    shallow = Clone(tmp_path / "shallow")
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", remote.as_uri(), str(shallow.root)], check=True, capture_output=True
    )
    assert shallow.git("rev-parse", "--is-shallow-repository") == "true"
    assert shallow.mgsync("state", "pull", LOCK).returncode == 0
    assert shallow.read_lock() == a.read_lock()
    shallow.write_lock({"route:x": ROUTE, "route:y": ROUTE})
    pushed = shallow.mgsync("state", "push", LOCK, "--applied", head)
    assert pushed.returncode == 0, pushed.stderr
    assert on_branch(a, f"{LOCK}.applied") == head + "\n"
    assert set(json.loads(on_branch(a, LOCK))["resources"]) == {"route:x", "route:y"}


def test_a_runner_without_a_git_identity_still_commits(tmp_path: Path, remote: Path) -> None:
    bare = Clone(tmp_path / "bare-identity")
    subprocess.run(["git", "clone", "--quiet", str(remote), str(bare.root)], check=True, capture_output=True)
    bare.write_lock({"route:x": ROUTE})
    assert bare.mgsync("state", "push", LOCK).returncode == 0
    assert bare.git("log", "-1", "--format=%an <%ae>", remote_tip(bare)) == "mgsync <mgsync@localhost>"


# --- errors: one line each ------------------------------------------------------------------------


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
    assert len(done.stderr.splitlines()) == 1, done.stderr
    return done.stderr.rstrip("\n")


def test_no_git_on_path(a: Clone) -> None:
    refused = a.mgsync("state", "pull", LOCK, env={"PATH": str(Path(sys.executable).parent)})
    assert one_line(refused) == "Error: git is not on PATH; install git to keep the lockfile on a state branch."


def test_not_a_git_repository(tmp_path: Path) -> None:
    alone = Clone(tmp_path / "alone")
    alone.root.mkdir()
    assert one_line(alone.mgsync("state", "show", LOCK)) == (
        f"Error: {alone.root} is not inside a git repository; run mgsync state in a clone of the manifests' repository."
    )


def test_a_missing_remote(a: Clone) -> None:
    assert one_line(a.mgsync("state", "pull", "--remote", "upstream", LOCK)) == (
        f"Error: No git remote named 'upstream' in {a.root}; pass --remote NAME (see git remote -v)."
    )


def test_an_unreachable_remote(a: Clone, tmp_path: Path) -> None:
    a.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    assert one_line(a.mgsync("state", "pull", LOCK)) == (
        f"Error: Cannot fetch origin/{BRANCH}: '{tmp_path / 'gone.git'}' does not appear to be a git repository; "
        "check the remote's URL and your access to it."
    )


def test_a_push_refused_for_another_reason(a: Clone, remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    a.write_lock({"route:x": ROUTE})
    assert one_line(a.mgsync("state", "push", LOCK)) == (
        f"Error: git push to origin/{BRANCH} was refused: [remote rejected] (pre-receive hook declined) "
        "(remote: protected branch); "
        f"let this job push to branch {BRANCH} (no protection rule may block it)."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, f"Error: {LOCK} does not exist; nothing to push (run mgsync apply, or mgsync state pull, first)."),
        (
            "{oops",
            f"Error: {LOCK}: not an mgsync lockfile (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)); restore it from the state branch's history.",
        ),
        ("[]", f"Error: {LOCK}: not an mgsync lockfile (not a JSON object of resources and collections)."),
    ],
)
def test_only_a_lockfile_is_pushed(a: Clone, text: str | None, expected: str) -> None:
    if text is not None:
        a.lock.parent.mkdir()
        a.lock.write_text(text)
    assert one_line(a.mgsync("state", "push", LOCK)) == expected
    assert a.git("ls-remote", "origin", f"refs/heads/{BRANCH}") == ""


def test_bad_names_are_one_line(a: Clone, tmp_path: Path) -> None:
    assert one_line(a.mgsync("state", "show", "--branch", "no..dots", LOCK)) == (
        "Error: 'no..dots' is not a valid git branch name; pass another --branch."
    )
    assert one_line(a.mgsync("state", "push", str(tmp_path / "elsewhere.lock"))) == (
        f"Error: {tmp_path / 'elsewhere.lock'} is outside the git repository {a.root}; keep the lockfile inside it."
    )
    a.write_lock({})
    assert one_line(a.mgsync("state", "push", LOCK, "--applied", "nope")) == (
        f"Error: --applied nope: not a commit of {a.root}; pass the full SHA of the commit that was applied."
    )


def test_the_default_branch_is_one_name() -> None:
    assert statecli.DEFAULT_BRANCH == gitstate.DEFAULT_BRANCH == BRANCH


@pytest.mark.skipif(sys.platform == "win32", reason="a file size limit (RLIMIT_FSIZE): POSIX only")
def test_a_pull_onto_a_full_disk_is_one_line(a: Clone, b: Clone) -> None:
    """``ulimit -f``: a write past the limit fails (EFBIG) as one fails on a full disk (ENOSPC)."""
    a.write_lock({f"route:r{i}": ROUTE for i in range(20)})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    b.write_lock({f"route:r{i}": ROUTE for i in range(3)})  # larger than the files git writes as it fetches
    before = b.lock.read_bytes()
    b.git("fetch", "--quiet", "origin", BRANCH)  # nothing left to unpack: git's writes stay small

    def limit() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 10, len(before) + 10))

    env = {**os.environ, "NO_COLOR": "1", "MGSYNC_DEBUG": ""}
    pulled = subprocess.run(
        [*mgsync_command(), "state", "pull", LOCK],
        cwd=b.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )
    assert one_line(pulled) == f"Error: Cannot write {LOCK}: File too large."
    assert b.lock.read_bytes() == before  # as it was: the new text goes to a temporary file first
    # no temporary file left; the apply lock a pull holds stays, as an apply's does
    assert sorted(p.name for p in b.lock.parent.iterdir()) == ["mgsync.lock", "mgsync.lock.lck"]


POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals: a process on Windows is never ended by one")


@pytest.mark.parametrize(
    ("returncode", "stderr", "reason"),
    [
        (128, b"fatal: repository 'x' not found\n", "repository 'x' not found"),
        pytest.param(-25, b"", "git was stopped by SIGXFSZ", marks=POSIX),  # past a file size limit (ulimit -f)
        pytest.param(-9, b"", "git was stopped by SIGKILL", marks=POSIX),  # the out-of-memory killer
        (3, b"", "exit status 3"),
    ],
)
def test_why_git_failed(returncode: int, stderr: bytes, reason: str) -> None:
    assert gitstate._reason(subprocess.CompletedProcess(["git"], returncode, b"", stderr)) == reason


def test_a_pull_never_overwrites_records_the_branch_has_not(a: Clone, b: Clone) -> None:
    """A clone that applied since its last pull (its push failed, or not run yet) lost those records to the
    next pull: what they recorded was then left behind as not managed, never deleted. The pull is now
    refused until a push merges them into the branch."""
    a.write_lock({"route:r1": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    assert b.mgsync("state", "pull", LOCK).returncode == 0
    b.write_lock({"route:r1": ROUTE, "route:late": ROUTE})  # an apply in b; its push never ran
    a.write_lock({"route:r1": ROUTE, "route:other": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    refused = b.mgsync("state", "pull", LOCK)
    assert one_line(refused) == (
        f"Error: {LOCK} holds records not on origin/{BRANCH} yet (an apply since the last state pull or push): "
        "run mgsync state push first, which merges them into the branch, then pull."
    )
    assert "route:late" in b.read_lock()["resources"]
    assert b.mgsync("state", "push", LOCK).returncode == 0  # merged by address
    assert b.mgsync("state", "pull", LOCK).returncode == 0
    assert sorted(b.read_lock()["resources"]) == ["route:late", "route:other", "route:r1"]


def test_a_pull_folds_a_killed_applys_journal_first_and_waits_for_no_apply(a: Clone, b: Clone) -> None:
    a.write_lock({"route:r1": ROUTE})
    assert a.mgsync("state", "push", LOCK).returncode == 0
    assert b.mgsync("state", "pull", LOCK).returncode == 0
    lock = Lockfile.read(b.lock)
    lock.open_journal()
    lock.forget(Address("route", "r1"))  # a delete Mailgun confirmed
    lock.commit()  # then killed: the step is in the journal only
    refused = b.mgsync("state", "pull", LOCK)
    assert "holds records not on" in one_line(refused)
    assert b.read_lock()["resources"] == {} and not journal_path(b.lock).exists()  # folded, kept
    with hold(b.lock):  # an apply running in this clone
        held = b.mgsync("state", "pull", LOCK)
    assert (held.returncode, held.stdout) == (4, "")
    assert held.stderr == (
        f"Error: Another mgsync apply holds the lock on {LOCK} (run the command again once it has finished); "
        f"wait for it to finish (lock file {LOCK}.lck).\n"
    )


def test_a_push_never_merges_the_lockfile_of_another_account(a: Clone, b: Clone) -> None:
    """A teammate applied to a subaccount with the same lockfile path and pushed without pulling: the
    merge made one lockfile of two accounts, which every later plan refused (exit 6) with no way back."""
    a.write_lock({"route:r1": ROUTE})
    data = a.read_lock()
    data["account"] = {"subaccount": None}
    a.lock.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert a.mgsync("state", "push", LOCK).returncode == 0
    b.write_lock({"route:team": ROUTE})
    data = b.read_lock()
    data["account"] = {"subaccount": "6b16092e463dff1fee000005"}
    b.lock.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    refused = b.mgsync("state", "push", LOCK)
    assert refused.returncode == 6 and refused.stdout == ""
    assert refused.stderr.startswith(f"Error: Refusing to use {LOCK} on origin/{BRANCH} at ")
    assert (
        "it belongs to the parent account, and this run acts on subaccount 6b16092e463dff1fee000005" in refused.stderr
    )
    assert sorted(json.loads(a.git("show", f"{remote_tip(a)}:{LOCK}"))["resources"]) == ["route:r1"]


def test_a_push_never_publishes_an_entry_out_of_shape(a: Clone) -> None:
    a.write_lock({"route:r1": ROUTE})
    data = a.read_lock()
    data["resources"]["noaddress"] = {"body": {}}  # type: ignore[index]
    a.lock.write_text(json.dumps(data), encoding="utf-8")
    refused = a.mgsync("state", "push", LOCK)
    assert one_line(refused) == f"Error: {LOCK}: entry 'noaddress' is not named KIND:KEY; restore it from git"
    assert a.git("ls-remote", "origin", f"refs/heads/{BRANCH}") == ""  # nothing pushed


def test_a_token_in_the_remote_url_is_never_repeated(tmp_path: Path) -> None:
    """A plain HTTP git server (dumb protocol, no push): git's refusal quotes the remote's URL, token
    included, which the action would post in a failure comment."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    subprocess.run(["git", "init", "-q", "--bare", str(served / "x.git")], check=True)
    subprocess.run(["git", "-C", str(served / "x.git"), "update-server-info"], check=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work = tmp_path / "work"
    try:
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        url = f"http://x-access-token:TOKSECRET42@127.0.0.1:{server.server_address[1]}/x.git"
        subprocess.run(["git", "-C", str(work), "remote", "add", "origin", url], check=True)
        (work / LOCK).parent.mkdir()
        (work / LOCK).write_text("{}\n")
        done = subprocess.run(
            [*mgsync_command(), "state", "push", LOCK], cwd=work, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "http://***@127.0.0.1:" in done.stderr and "TOKSECRET42" not in done.stderr, done.stderr
