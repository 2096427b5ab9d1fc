"""``python -m mgsync.gitops STEP``: the action's GitHub steps (publish, reviewed, record, report).

Each step reads what a GitHub runner provides (``GITHUB_*`` variables, the event file, the job
summary file) and prints one ``::error`` line and exits 1 on failure, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.gitops import comments, publish, report, reviewed, state
from mgsync.gitops.github import GitHub, GitOpsError


def run_url() -> str:
    server = os.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    return f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/{os.environ.get('GITHUB_RUN_ID', '')}"


def summarize(text: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(text.rstrip() + "\n\n")


def event() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    data = jsontext.loads(Path(path).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def pushed_before(branch: str) -> str | None:
    """The branch's tip before the push that started this run, when a push to ``branch`` started it."""
    data = event()
    if os.environ.get("GITHUB_EVENT_NAME") != "push" or data.get("ref") != f"refs/heads/{branch}":
        return None
    return str(data["before"]) if data.get("before") else None


def step_publish(args: argparse.Namespace) -> int:
    saved = Path(args.saved_plan) if args.saved_plan else None
    counts = publish.plan_counts(saved)
    body = Path(args.comment).read_text(encoding="utf-8") if args.comment else ""
    name = comments.artifact_name(args.key)
    link = f"Full plan and saved plan: artifact `{name}` of [this run]({run_url()}#artifacts)."
    summarize(publish.summary_markdown(args.key, counts, body))
    number = publish.pull_request_number(event())
    if number is None or not body:
        return 0
    gh = GitHub.from_env()
    text = comments.with_run(body, os.environ.get("GITHUB_RUN_ID", "0"), link if counts is not None else "")
    url = publish.upsert_comment(gh, number, args.key, text, args.author)
    try:
        shown = ", ".join(publish.set_labels(gh, number, counts)) or "none"
    except GitOpsError as error:  # the comment is what a reviewer reads; labels are a convenience
        shown = "not set"
        print(f"::warning title=mgsync labels::{error} {publish.LABEL_HELP}")
    print(f"mgsync: plan comment {url}; labels: {shown}")
    return 0


def step_reviewed(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tip = reviewed.git("rev-parse", "HEAD").stdout.strip()
    try:
        applied = state.applied(Path(args.lockfile), args.state_remote, args.state_branch)
        gh = GitHub.from_env()
        found = reviewed.find(
            gh,
            applied=applied,
            tip=tip,
            branch=args.branch,
            key=args.key,
            author=args.author,
            out=out,
            before=pushed_before(args.branch),
        )
    except GitOpsError as error:  # nothing to apply can be worked out: the tip's pull request hears why
        reviewed.unworkable(tip, args.branch, str(error)).write(out / "range.json")
        raise
    found.write(out / "range.json")
    files = [c.plan_file for c in found.covered if c.plan_file]
    (out / "reviewed.txt").write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
    for who in found.ignored:
        print(f"::warning title=mgsync::Ignored a plan comment not written by {args.author} ({who}).")
    if not found.commits:
        print(f"mgsync: nothing new on {args.branch} since {tip[:12]}; nothing to apply.")
    for covered in found.covered:
        print(f"mgsync: #{covered.number}: " + (covered.problem or f"reviewed plan {covered.digest}"))
    for sha in found.direct:
        print(f"mgsync: {sha[:12]} reached {args.branch} without a merged pull request.")
    return 0


def step_record(args: argparse.Namespace) -> int:
    message = args.message or f"mgsync: {args.lockfile} after {run_url()}"
    print(
        "mgsync: "
        + state.record(
            Path(args.lockfile),
            tip=args.applied or None,
            start=args.start or None,
            remote=args.state_remote,
            branch=args.state_branch,
            message=message,
        )
    )
    return 0


def step_report(args: argparse.Namespace) -> int:
    found = reviewed.Range.read(Path(args.range))
    log = Path(args.log).read_text(encoding="utf-8", errors="replace") if args.log else ""
    text = report.body(found, key=args.key, code=args.exit_code, log=log, run_url=run_url(), branch=args.branch)
    summarize(text)
    numbers = report.told(found, args.exit_code)
    told = report.tell(GitHub.from_env() if numbers else None, numbers, text)
    print(f"mgsync: told {', '.join(f'#{n}' for n in told) or 'no pull request'}.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m mgsync.gitops")
    steps = top.add_subparsers(dest="step", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--key", default="mailgun", help="The manifest paths the comment is for.")
    common.add_argument("--author", default=comments.BOT, help="The only login trusted to write plan comments.")
    common.add_argument("--branch", default="main")
    common.add_argument("--state-remote", default="origin")
    common.add_argument("--state-branch", default="mgsync-state")
    one = steps.add_parser("publish", parents=[common])
    one.add_argument("--comment", default="")
    one.add_argument("--saved-plan", default="")
    one = steps.add_parser("reviewed", parents=[common])
    one.add_argument("--lockfile", required=True)
    one.add_argument("--out", required=True)
    one = steps.add_parser("record", parents=[common])
    one.add_argument("--lockfile", required=True)
    one.add_argument("--applied", default="")
    one.add_argument("--start", default="", help="A failed apply's range start: applied if none is recorded yet.")
    one.add_argument("--message", default="")
    one = steps.add_parser("report", parents=[common])
    one.add_argument("--range", required=True)
    one.add_argument("--exit-code", type=int, required=True)
    one.add_argument("--log", default="")
    return top


STEPS = {"publish": step_publish, "reviewed": step_reviewed, "record": step_record, "report": step_report}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return STEPS[args.step](args)
    except (GitOpsError, OSError, ValueError, KeyError) as error:
        message = str(error) if isinstance(error, GitOpsError) else f"{type(error).__name__}: {error}"
        print(f"::error title=mgsync {args.step}::{message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
