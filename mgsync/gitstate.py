"""The lockfile on a git branch of its own (``mgsync state``), outside the protected main branch.

The branch (default ``mgsync-state``) holds the lockfile at the same path as in the repository, and
beside it ``<lockfile>.applied``: the commit of main whose reviewed changes are all applied.

- ``pull`` fetches the branch and writes the lockfile; it records what it wrote (the *base*) in
  ``$GIT_DIR/mgsync-state/<remote>/<branch>/<path>.base`` and the commit in ``….commit``, so that a
  later ``push`` from this clone knows what it started from.
- ``push`` builds a commit on the fetched tip with plumbing (``hash-object``, a temporary index,
  ``commit-tree``) and pushes it without force: a compare-and-swap, since git refuses a push that
  does not descend from the branch's tip. When the branch moved since the base, the lockfile is
  merged three ways by address (``lockdoc.merge``) and the push retried, at most ``ATTEMPTS`` times.
  Without a recorded base (no pull in this clone: the one-command migration) the base is empty, so
  every entry of the local lockfile wins and the branch's other entries are kept.
  ``--applied``: of two applied commits the one that descends from the other is kept, else ours;
  git can tell only with both in the clone's history (in CI, check out with the full history).
- ``show`` reports the tip, whether the lockfile is there, and the applied commit.

Git runs as a subprocess in the C locale; the user's working tree, index, HEAD and branches are
never touched (the fetched tip is kept under ``refs/mgsync-state/<remote>/<branch>``). This module
knows nothing of click; ``statecli.py`` prints what it returns.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mgsync import account
from mgsync.account import Account
from mgsync.errors import MgsyncError, writing
from mgsync.lockdoc import document, merge, render_document
from mgsync.lockfile import STATE_WAIT, fold
from mgsync.safefile import hold, replaced, temporary

DEFAULT_BRANCH = "mgsync-state"
DEFAULT_REMOTE = "origin"
APPLIED_SUFFIX = ".applied"
ATTEMPTS = 5
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "mgsync",
    "GIT_AUTHOR_EMAIL": "mgsync@localhost",
    "GIT_COMMITTER_NAME": "mgsync",
    "GIT_COMMITTER_EMAIL": "mgsync@localhost",
}
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class Repo:
    """A clone (``root``), the remote and the state branch on it."""

    root: Path
    remote: str
    branch: str

    @property
    def where(self) -> str:
        return f"{self.remote}/{self.branch}"

    @property
    def tracking_ref(self) -> str:
        return f"refs/mgsync-state/{self.remote}/{self.branch}"

    def git(
        self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        return _git(self.root, *args, input=input, env=env, check=check)

    def text(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        return self.git(*args, env=env, input=input).stdout.decode().strip()


def _git(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    done = subprocess.run(["git", *args], cwd=cwd, input=input, env=full_env, capture_output=True)
    if check and done.returncode != 0:
        raise MgsyncError(f"git {args[0]} failed in {cwd}: {_reason(done)}; run it by hand to see why.")
    return done


_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)


def _reason(done: subprocess.CompletedProcess[bytes]) -> str:
    """Git's reason: the rejection of ``push --porcelain``, else its first fatal or error line."""
    lines = [line.strip() for line in done.stderr.decode(errors="replace").splitlines() if line.strip()]
    for line in done.stdout.decode(errors="replace").splitlines():
        if line.startswith("!") and line.count("\t") >= 2:  # !<tab>src:dst<tab>[rejected] (why)
            said = [said for said in lines if said.startswith("remote:") and said != "remote:"]  # a hook's words
            return line.split("\t", 2)[2].strip() + (f" ({said[0]})" if said else "")
    said = [line for line in lines if line.startswith(("fatal: ", "error: "))] or lines
    if said:  # a remote's URL may hold a token (https://x-access-token:TOKEN@host/...): never repeated
        return _USERINFO.sub(r"\1***@", said[0].removeprefix("fatal: ").removeprefix("error: "))
    if done.returncode < 0:  # a signal: SIGXFSZ past a file size limit, SIGKILL when out of memory
        return f"git was stopped by {_signal_name(-done.returncode)}"
    return f"exit status {done.returncode}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def open_repo(cwd: Path, remote: str, branch: str) -> Repo:
    """The clone around ``cwd``, checked: git is installed, the remote exists, the branch name is valid."""
    if shutil.which("git") is None:
        raise MgsyncError("git is not on PATH; install git to keep the lockfile on a state branch.")
    found = _git(cwd, "rev-parse", "--show-toplevel", check=False)
    if found.returncode != 0:
        raise MgsyncError(
            f"{cwd} is not inside a git repository; run mgsync state in a clone of the manifests' repository."
        )
    repo = Repo(Path(found.stdout.decode().strip()), remote, branch)
    if repo.git("remote", "get-url", remote, check=False).returncode != 0:
        raise MgsyncError(f"No git remote named {remote!r} in {repo.root}; pass --remote NAME (see git remote -v).")
    if repo.git("check-ref-format", f"refs/heads/{branch}", check=False).returncode != 0:
        raise MgsyncError(f"{branch!r} is not a valid git branch name; pass another --branch.")
    return repo


def relative(repo: Repo, lockfile: Path) -> str:
    """``lockfile``'s path inside the repository, as it is on the state branch."""
    try:
        return lockfile.resolve().relative_to(repo.root.resolve()).as_posix()  # /tmp may be a symlink (macOS)
    except ValueError:
        raise MgsyncError(
            f"{lockfile} is outside the git repository {repo.root}; keep the lockfile inside it."
        ) from None


# --- reading the branch ------------------------------------------------------------------------


def fetch(repo: Repo) -> str | None:
    """Fetch the branch; its tip, or None when the remote has no such branch."""
    got = repo.git(
        "fetch", "--no-tags", "--quiet", repo.remote, f"+refs/heads/{repo.branch}:{repo.tracking_ref}", check=False
    )
    if got.returncode == 0:
        return repo.text("rev-parse", "--verify", f"{repo.tracking_ref}^{{commit}}")
    listed = repo.git("ls-remote", "--exit-code", "--heads", repo.remote, f"refs/heads/{repo.branch}", check=False)
    if listed.returncode == 2:  # the remote answered: no such branch
        return None
    raise MgsyncError(f"Cannot fetch {repo.where}: {_reason(got)}; check the remote's URL and your access to it.")


def blob(repo: Repo, commit: str, path: str) -> str | None:
    """The text of ``path`` at ``commit``, or None when it is not there."""
    if repo.git("cat-file", "-e", f"{commit}:{path}", check=False).returncode != 0:
        return None
    return repo.git("cat-file", "blob", f"{commit}:{path}").stdout.decode()


# --- the base a pull recorded --------------------------------------------------------------------


def _sidecar(repo: Repo, path: str) -> Path:
    where = Path(repo.text("rev-parse", "--git-path", "mgsync-state"))
    return (where if where.is_absolute() else repo.root / where) / repo.remote / repo.branch / path


def read_base(repo: Repo, path: str) -> tuple[str | None, str | None]:
    """(commit, lockfile text) as ``pull`` or the last ``push`` recorded them; (None, None) if never."""
    side = _sidecar(repo, path)
    commit_file, base_file = side.with_name(side.name + ".commit"), side.with_name(side.name + ".base")
    commit = commit_file.read_text(encoding="utf-8").strip() if commit_file.exists() else ""
    return commit or None, base_file.read_text(encoding="utf-8") if base_file.exists() else None


def record_base(repo: Repo, path: str, commit: str | None, text: str | None) -> None:
    side = _sidecar(repo, path)
    commit_file, base_file = side.with_name(side.name + ".commit"), side.with_name(side.name + ".base")
    with writing(commit_file):
        side.parent.mkdir(parents=True, exist_ok=True)
        commit_file.write_text((commit or "") + "\n", encoding="utf-8")
    with writing(base_file):
        if text is None:
            base_file.unlink(missing_ok=True)
        else:
            base_file.write_text(text, encoding="utf-8")


# --- pull / show ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pulled:
    commit: str | None  # the branch's tip; None when the branch does not exist
    written: bool  # the lockfile was there and is written


def pull(repo: Repo, lockfile: Path) -> Pulled:
    """Write the branch's lockfile over the local one, holding its apply lock; refused while the local
    one holds records the branch has not (an apply since the last pull or push, its push failed or
    not run yet, or killed and its journal still to fold): overwritten, they would be lost, and what
    they record left behind as not managed."""
    path = relative(repo, lockfile)
    with hold(lockfile, hint=STATE_WAIT):
        fold(lockfile, held=True)
        _, base = read_base(repo, path)
        if base is not None and lockfile.is_file() and lockfile.read_text(encoding="utf-8") != base:
            raise MgsyncError(
                f"{lockfile} holds records not on {repo.where} yet (an apply since the last state pull or "
                "push): run mgsync state push first, which merges them into the branch, then pull."
            )
        tip = fetch(repo)
        text = blob(repo, tip, path) if tip else None
        if text is not None:
            _write(lockfile, text)
        record_base(repo, path, tip, text)
    return Pulled(tip, text is not None)


@dataclass(frozen=True)
class Shown:
    branch_commit: str | None
    lockfile_present: bool
    applied: str | None


def show(repo: Repo, lockfile: Path) -> Shown:
    path = relative(repo, lockfile)
    tip = fetch(repo)
    if tip is None:
        return Shown(None, False, None)
    marker = blob(repo, tip, path + APPLIED_SUFFIX)
    return Shown(tip, blob(repo, tip, path) is not None, marker.strip() or None if marker else None)


# --- push ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pushed:
    commit: str  # the branch's tip now
    created: bool  # the branch did not exist
    merged: bool  # the branch had moved: the lockfile was merged with it (and written back locally)
    unchanged: bool  # the branch held exactly this already; nothing was pushed
    applied: str | None  # the applied marker on the branch now


def resolve_applied(repo: Repo, applied: str) -> str:
    """The full SHA of ``applied``; a full SHA not in this clone (a shallow checkout) is kept as given."""
    found = repo.git("rev-parse", "--verify", "--quiet", f"{applied}^{{commit}}", check=False)
    if found.returncode == 0:
        return found.stdout.decode().strip()
    if _FULL_SHA.fullmatch(applied.lower()):
        return applied.lower()
    raise MgsyncError(
        f"--applied {applied}: not a commit of {repo.root}; pass the full SHA of the commit that was applied."
    )


def push(repo: Repo, lockfile: Path, *, applied: str | None = None, message: str | None = None) -> Pushed:
    path = relative(repo, lockfile)
    fold(lockfile)  # an apply killed before its end left its committed steps in the journal
    if not lockfile.is_file():
        raise MgsyncError(
            f"{lockfile} does not exist; nothing to push (run mgsync apply, or mgsync state pull, first)."
        )
    ours = lockfile.read_text(encoding="utf-8")
    document(ours, str(lockfile))  # refuse to publish anything but a lockfile
    base_commit, base = read_base(repo, path)
    marker = resolve_applied(repo, applied) if applied else None
    for _ in range(ATTEMPTS):
        tip = fetch(repo)
        text = ours if tip is None or tip == base_commit else _merged(repo, tip, path, base, ours)
        files = {path: text}
        if marker is not None:
            files[path + APPLIED_SUFFIX] = _choose_marker(repo, marker, _marker(repo, tip, path)) + "\n"
        tree = _tree(repo, tip, files)
        if tip is not None and tree == repo.text("rev-parse", f"{tip}^{{tree}}"):
            return _done(repo, lockfile, path, tip, text, ours, created=False, unchanged=True)
        commit = _commit(repo, tree, tip, message or _message(path, marker))
        pushed = repo.git("push", "--porcelain", repo.remote, f"{commit}:refs/heads/{repo.branch}", check=False)
        if pushed.returncode == 0:
            repo.git("update-ref", repo.tracking_ref, commit)
            return _done(repo, lockfile, path, commit, text, ours, created=tip is None, unchanged=False)
        if _remote_tip(repo) == tip:  # the branch did not move: refused for another reason
            raise MgsyncError(
                f"git push to {repo.where} was refused: {_reason(pushed)}; "
                f"let this job push to branch {repo.branch} (no protection rule may block it)."
            )
    raise MgsyncError(
        f"{repo.where} kept moving during {ATTEMPTS} attempts to push {path}; run mgsync state push again."
    )


def _done(
    repo: Repo, lockfile: Path, path: str, commit: str, text: str, ours: str, *, created: bool, unchanged: bool
) -> Pushed:
    """Record the pushed lockfile as the new base; write a merge result back, so this clone has it."""
    if text != ours:
        _write(lockfile, text)
    record_base(repo, path, commit, text)
    return Pushed(commit, created, text != ours, unchanged, _marker(repo, commit, path))


def _remote_tip(repo: Repo) -> str | None:
    listed = repo.git("ls-remote", "--heads", repo.remote, f"refs/heads/{repo.branch}", check=False)
    words = listed.stdout.decode().split()
    return words[0] if listed.returncode == 0 and words else None


def _marker(repo: Repo, commit: str | None, path: str) -> str | None:
    text = blob(repo, commit, path + APPLIED_SUFFIX) if commit else None
    return text.strip() or None if text else None


def _choose_marker(repo: Repo, ours: str, theirs: str | None) -> str:
    """Keep the applied commit that descends from the other; ours when neither does (or git cannot tell)."""
    if theirs is None or theirs == ours:
        return ours
    descends = repo.git("merge-base", "--is-ancestor", ours, theirs, check=False).returncode == 0
    return theirs if descends else ours


def _merged(repo: Repo, tip: str, path: str, base: str | None, ours: str) -> str:
    theirs = blob(repo, tip, path)
    if theirs is None or theirs == base:
        return ours
    where = f"{path} on {repo.where} at {tip[:12]}"
    mine, other = document(ours, path), document(theirs, where)
    recorded, pushed = Account.recorded(other.get("account")), Account.recorded(mine.get("account"))
    if recorded is not None and pushed is not None:  # one path, two accounts: never one lockfile of both
        account.check(Path(where), recorded, pushed)
    return render_document(merge(document(base, "the base state pull recorded") if base else {}, mine, other))


# --- plumbing: a commit on the tip, never through the user's index or working tree --------------


def _tree(repo: Repo, tip: str | None, files: dict[str, str]) -> str:
    with tempfile.TemporaryDirectory(prefix="mgsync-state-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        repo.git("read-tree", *([tip] if tip else ["--empty"]), env=env)
        for path, text in files.items():
            blob_id = repo.text("hash-object", "-w", "--stdin", "--no-filters", input=text.encode())
            repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob_id},{path}", env=env)
        return repo.text("write-tree", env=env)


def _commit(repo: Repo, tree: str, parent: str | None, message: str) -> str:
    # A CI runner often has no git identity; a commit on the state branch still needs one.
    known = repo.git("var", "GIT_COMMITTER_IDENT", check=False).returncode == 0
    env = None if known else FALLBACK_IDENTITY
    return repo.text("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message, env=env)


def _message(path: str, applied: str | None) -> str:
    return f"mgsync state: {path}" + (f" (applied {applied[:12]})" if applied else "")


def _write(path: Path, text: str) -> None:
    """Replace ``path`` whole (temp file + rename), as the lockfile is always written."""
    target = replaced(path)
    with writing(path):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temporary(target, ".mgsync-state-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:  # "\n" on every system, as apply writes
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
