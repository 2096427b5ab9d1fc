"""Find what was reviewed: the saved plans of the pull requests merged since the last apply.

The state branch records ``applied``, the last commit of main whose reviewed changes are all in
Mailgun. The commits of main after it (first parent: one per merge) each name their merged pull
request (``commits/{sha}/pulls``); each pull request's plan comment, written by the workflow's own
identity, gives the digest and the run that made the plan; that run's artifact holds the saved plan,
whose digest must equal the comment's, and the run must have planned the pull request's last commit.
Those files are what ``mgsync apply --reviewed`` accepts changes from. A commit with no merged pull
request (a direct push) contributes nothing, so its changes stay unreviewed and the apply refuses.

Before any apply there is no ``applied``: the range starts where the branch was before the push that
started the run (the push event's ``before``), so a pull request merged while that run waited counts
too; without one (a manual run), at the tip's first parent. A first apply that fails records that
start as ``applied`` (``state.record``), so the next run covers the same pull requests again.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.gitops.comments import artifact_name, sticky
from mgsync.gitops.github import GitHub, GitOpsError

SAVED_PLAN = "saved-plan.json"  # the file name inside the plan artifact (action/run.sh writes it)


@dataclass
class Covered:
    """A merged pull request of the range, and its reviewed plan or why there is none."""

    number: int
    url: str
    commit: str
    digest: str | None = None
    plan_file: str | None = None
    problem: str | None = None
    planned: bool = True  # False: no plan comment for this key (e.g. the pull request changed no manifest)


@dataclass
class Range:
    tip: str
    applied: str | None
    start: str | None = None  # the commit the range counts from: applied, or where a first apply starts
    commits: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)  # commits with no merged pull request
    covered: list[Covered] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # look-alike comments, by author
    error: str | None = None  # why the range could not be worked out (nothing was applied)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Range:
        data = jsontext.loads(path.read_text(encoding="utf-8"))
        data["covered"] = [Covered(**c) for c in data["covered"]]
        return cls(**data)


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, encoding="utf-8", errors="replace", check=False
    )


def first_start(tip: str, before: str | None) -> str | None:
    """Where a first apply's range starts: ``before`` (the branch's tip before the push that started the
    run) when it is in the history of ``tip``, else the tip's first parent (None: a root commit)."""
    if before and before.strip("0") and git("merge-base", "--is-ancestor", before, tip).returncode == 0:
        return git("rev-parse", "--verify", f"{before}^{{commit}}").stdout.strip() or None
    return git("rev-parse", "--verify", "--quiet", f"{tip}^1").stdout.strip() or None


def commits_since(applied: str | None, tip: str) -> list[str]:
    """The first-parent commits in (applied, tip], oldest first; just the tip when nothing precedes it."""
    if applied is None:
        return [tip]
    if git("merge-base", "--is-ancestor", applied, tip).returncode != 0:
        raise GitOpsError(
            f"The state branch records {applied} as applied, but it is not in the history of {tip}: "
            "fetch all of main (actions/checkout with fetch-depth: 0), or, if main was rewritten, "
            "apply through the workflow's manual run."
        )
    listed = git("rev-list", "--first-parent", "--reverse", f"{applied}..{tip}")
    if listed.returncode != 0:
        raise GitOpsError(f"git rev-list {applied}..{tip} failed: {listed.stderr.strip()}")
    return listed.stdout.split()


def merged_pulls(gh: GitHub, sha: str, branch: str) -> list[dict[str, Any]]:
    pulls = gh.get(f"/commits/{sha}/pulls")
    return [p for p in pulls if p.get("merged_at") and (p.get("base") or {}).get("ref") == branch]


def find(
    gh: GitHub,
    *,
    applied: str | None,
    tip: str,
    branch: str,
    key: str,
    author: str,
    out: Path,
    before: str | None = None,
) -> Range:
    start = applied if applied is not None else first_start(tip, before)
    found = Range(tip=tip, applied=applied, start=start, commits=commits_since(start, tip))
    seen: set[int] = set()
    for sha in found.commits:
        pulls = [p for p in merged_pulls(gh, sha, branch) if int(p["number"]) not in seen]
        if not pulls:
            found.direct.append(sha)
        for pull in pulls:
            seen.add(int(pull["number"]))
            found.covered.append(reviewed_plan(gh, pull, sha, key=key, author=author, out=out, ignored=found.ignored))
    return found


def unworkable(tip: str, branch: str, error: str) -> Range:
    """The range of an apply that could not work out what to apply: the tip's merged pull requests, when
    GitHub can still name them, are the ones to tell."""
    found = Range(tip=tip, applied=None, commits=[tip], error=error)
    try:
        pulls = merged_pulls(GitHub.from_env(), tip, branch)
    except GitOpsError:
        pulls = []
    found.covered = [Covered(number=int(p["number"]), url=str(p.get("html_url", "")), commit=tip) for p in pulls]
    return found


def reviewed_plan(
    gh: GitHub, pull: dict[str, Any], sha: str, *, key: str, author: str, out: Path, ignored: list[str]
) -> Covered:
    number = int(pull["number"])
    covered = Covered(number=number, url=str(pull.get("html_url", "")), commit=sha)
    comment, lookalikes = sticky(gh.paginate(f"/issues/{number}/comments"), key, author)
    ignored.extend(f"#{number}: {login}" for login in lookalikes)
    if comment is None:
        covered.planned = False
        covered.problem = f"#{number} has no plan comment for `{key}` written by {author}"
    elif comment.digest is None or comment.run_id is None:
        covered.problem = f"#{number}'s last plan for `{key}` failed, so nothing was reviewed"
    else:
        covered.digest = comment.digest
        covered.problem = _download(gh, pull, comment.run_id, comment.digest, key, out / f"pr-{number}.json")
        covered.plan_file = None if covered.problem else str(out / f"pr-{number}.json")
    return covered


def newest(artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The last uploaded of a run's artifacts of one name: a re-run plan job uploads its plan again, and
    the comment names the last one's digest. GitHub documents no order for the list, so by
    ``created_at``, then ``id`` (GitHub's ids grow); an artifact without a readable time counts as oldest."""

    def made(artifact: dict[str, Any]) -> tuple[datetime, int]:
        try:
            at = datetime.fromisoformat(str(artifact.get("created_at")))
        except ValueError:
            at = datetime.min.replace(tzinfo=UTC)
        return (at if at.tzinfo else at.replace(tzinfo=UTC)), int(artifact.get("id") or 0)

    return max(artifacts, key=made)


def _download(gh: GitHub, pull: dict[str, Any], run_id: str, digest: str, key: str, path: Path) -> str | None:
    """Save the run's plan to ``path``; the problem in one line when it is not the reviewed one."""
    number, head = pull["number"], str((pull.get("head") or {}).get("sha", ""))
    run = gh.get(f"/actions/runs/{run_id}")
    if run.get("head_sha") != head:
        return (
            f"#{number}'s plan comment names run {run_id}, which planned {str(run.get('head_sha'))[:12]}, "
            f"not the pull request's last commit {head[:12]}"
        )
    name = artifact_name(key)
    artifacts = [
        a
        for a in gh.get(f"/actions/runs/{run_id}/artifacts", name=name, per_page=100).get("artifacts", [])
        if a.get("name") == name and not a.get("expired")
    ]
    if not artifacts:
        return f"run {run_id} of #{number} has no artifact {name} (expired?): re-run that plan, or use the manual run"
    try:
        with zipfile.ZipFile(io.BytesIO(gh.download(f"/actions/artifacts/{newest(artifacts)['id']}/zip"))) as archive:
            data = archive.read(SAVED_PLAN)
        saved = jsontext.loads(data)
    except (zipfile.BadZipFile, KeyError, ValueError):
        return f"artifact {name} of run {run_id} holds no readable {SAVED_PLAN}"
    if saved.get("digest") != digest:
        return (
            f"the saved plan of run {run_id} has digest {saved.get('digest')}, not the reviewed {digest} of #{number}"
        )
    path.write_bytes(data)
    return None
