"""The plan job's outputs on GitHub: the sticky comment, the add/change/destroy labels, the job summary.

The comment is updated in place (found by its marker and written by the workflow's own identity,
never a look-alike someone else posted) so a pull request shows one current plan per directory.
Labels follow tfcmt: one per kind of change the plan has, the others removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.gitops import comments
from mgsync.gitops.github import GitHub

LABELS = {"add": "mgsync:add", "change": "mgsync:change", "destroy": "mgsync:destroy"}
LABEL_HELP = (
    "The plan comment is up; only the labels are not. Create the labels mgsync:add, mgsync:change and "
    "mgsync:destroy once (Issues, Labels), or give the plan job issues: write."
)


def plan_counts(saved_plan: Path | None) -> dict[str, int] | None:
    if saved_plan is None or not saved_plan.is_file():
        return None
    summary = jsontext.loads(saved_plan.read_text(encoding="utf-8"))["plan"]["summary"]
    return {name: int(summary.get(name, 0)) for name in LABELS}


def summary_markdown(key: str, counts: dict[str, int] | None, body: str) -> str:
    if counts is None:
        table = f"### mgsync plan for `{key}`: failed\n"
    else:
        row = " | ".join(f"{counts[name]:,}" for name in LABELS)  # 1,000: as the comment's sections count
        table = f"### mgsync plan for `{key}`\n\n| add | change | destroy |\n|---|---|---|\n| {row} |\n"
    return f"{table}\n{body.rstrip()}\n"


def upsert_comment(gh: GitHub, number: int, key: str, body: str, author: str) -> str:
    existing = [
        c
        for c in gh.paginate(f"/issues/{number}/comments")
        if comments.first_line(c) == comments.marker(key) and comments.written_by(c, author)
    ]
    if existing:
        comment = gh.patch(f"/issues/comments/{existing[-1]['id']}", {"body": body})
    else:
        comment = gh.post(f"/issues/{number}/comments", {"body": body})
    return str(comment.get("html_url", ""))


def set_labels(gh: GitHub, number: int, counts: dict[str, int] | None) -> list[str]:
    wanted = [label for name, label in LABELS.items() if counts and counts[name]]
    present = {str(label["name"]) for label in gh.paginate(f"/issues/{number}/labels")}
    for label in sorted(set(LABELS.values()) & present - set(wanted)):
        gh.delete(f"/issues/{number}/labels/{label}")
    if wanted:
        gh.post(f"/issues/{number}/labels", {"labels": wanted})
    return wanted


def pull_request_number(event: dict[str, Any]) -> int | None:
    pull = event.get("pull_request")
    return int(pull["number"]) if isinstance(pull, dict) and "number" in pull else None
